"""Embeddings of document chunks: float32 BLOBs in doc_vectors, searched with numpy.

Why not sqlite-vec: its wheels cover macOS, Windows and Linux, but it is a loadable extension,
and the Python Hearth runs on may have no `enable_load_extension` (the one this project is
built and tested with lacks it), while a frozen app would also have to carry the extension's
library as a data file. A brute-force dot product over a float32 matrix is exact, needs nothing
new, and takes a few milliseconds for 10,000 chunks × 768 dimensions (bench/bench_docs_retrieval).

The matrix of one embedding model is read once and kept until the vectors or the files under
them change. Changes are noticed without scanning: temporary triggers on this connection count
every write to doc_vectors and doc_files, and SQLite's data_version moves when another process
(a second window, `hearth docs`) commits. Functions take the Store and run on the database
worker thread, like Store's own methods.
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from app.store.store import Store

if TYPE_CHECKING:
    import numpy as np  # imported on first use: opening the app must not pay for numpy

READABLE_STATES = ("ready", "reading")  # as keyword_search: a chunk counts once it is written
_STATES_SQL = ",".join(f"'{s}'" for s in READABLE_STATES)


@dataclass(frozen=True, slots=True)
class _Matrix:
    stamp: tuple[int, int]
    ids: np.ndarray  # chunk ids, int64
    collections: np.ndarray  # each chunk's collection id, int64
    vectors: np.ndarray  # one L2-normalised row per chunk, float32


_matrices: weakref.WeakKeyDictionary[Store, dict[str, _Matrix]] = weakref.WeakKeyDictionary()


def to_blob(vector: np.ndarray) -> bytes:
    import numpy as np

    return np.asarray(vector, dtype="<f4").tobytes()


def from_blob(blob: bytes) -> np.ndarray:
    import numpy as np

    return np.frombuffer(blob, dtype="<f4")


# ---- writing ------------------------------------------------------------------------------------


def save_vectors(store: Store, model: str, rows: Sequence[tuple[int, np.ndarray]]) -> int:
    """Store each chunk's vector for `model` (replacing an older one). A chunk deleted meanwhile
    (its file removed or read again) is skipped. Returns how many were saved."""
    _watch(store)
    conn = store.db.conn
    with conn:
        cursor = conn.executemany(
            """INSERT OR REPLACE INTO doc_vectors (chunk_id, model, dim, vector)
               SELECT ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM doc_chunks WHERE id = ?)""",
            [(cid, model, len(vec), to_blob(vec), cid) for cid, vec in rows],
        )
    return max(cursor.rowcount, 0)


def forget_model(store: Store, model: str) -> int:
    """Delete every vector of `model` (no longer the chosen one): returns how many."""
    _watch(store)
    with store.db.conn:
        return store.db.conn.execute("DELETE FROM doc_vectors WHERE model = ?", [model]).rowcount


# ---- what is left to embed ---------------------------------------------------------------------


def pending_chunks(
    store: Store, model: str, *, after: int = 0, limit: int = 64
) -> list[tuple[int, str]]:
    """(chunk id, text) of chunks with no vector for `model`, ids above `after`, oldest first."""
    sql = f"""SELECT c.id, c.text FROM doc_chunks c JOIN doc_files f ON f.id = c.file_id
              WHERE c.id > ? AND f.state IN ({_STATES_SQL})
                AND NOT EXISTS (SELECT 1 FROM doc_vectors v WHERE v.chunk_id = c.id
                                AND v.model = ?)
              ORDER BY c.id LIMIT ?"""
    return [(row[0], row[1]) for row in store.db.execute(sql, [after, model, limit]).fetchall()]


def count_pending(store: Store, model: str) -> int:
    sql = f"""SELECT count(*) FROM doc_chunks c JOIN doc_files f ON f.id = c.file_id
              WHERE f.state IN ({_STATES_SQL})
                AND NOT EXISTS (SELECT 1 FROM doc_vectors v WHERE v.chunk_id = c.id
                                AND v.model = ?)"""
    return store.db.execute(sql, [model]).fetchone()[0]


def count_vectors(store: Store, model: str) -> int:
    return store.db.execute("SELECT count(*) FROM doc_vectors WHERE model = ?", [model]).fetchone()[
        0
    ]


# ---- searching ---------------------------------------------------------------------------------


def vector_search(
    store: Store,
    model: str,
    query: np.ndarray,
    *,
    collection_ids: list[int] | None = None,
    limit: int = 50,
) -> list[tuple[int, float]]:
    """(chunk id, cosine similarity) of the chunks nearest to `query` (L2-normalised), best
    first, from the given collections (every collection when None)."""
    import numpy as np

    if collection_ids == []:
        return []
    matrix = _matrix(store, model)
    if not len(matrix.ids) or matrix.vectors.shape[1] != len(query):
        return []  # nothing embedded yet, or vectors of another width under the same name
    scores = matrix.vectors @ np.asarray(query, dtype=np.float32)
    if collection_ids is not None:
        inside = np.isin(matrix.collections, np.asarray(collection_ids, dtype=np.int64))
        scores = np.where(inside, scores, -np.inf)
    k = min(limit, len(scores))
    top = np.argpartition(-scores, k - 1)[:k]
    top = top[np.argsort(-scores[top], kind="stable")]
    return [(int(matrix.ids[i]), float(scores[i])) for i in top if np.isfinite(scores[i])]


def _matrix(store: Store, model: str) -> _Matrix:
    """The model's vectors as one matrix, read again only when something changed."""
    import numpy as np

    stamp = _stamp(store)
    cached = _matrices.setdefault(store, {}).get(model)
    if cached is not None and cached.stamp == stamp:
        return cached
    rows = store.db.execute(
        f"""SELECT v.chunk_id, f.collection_id, v.vector FROM doc_vectors v
            JOIN doc_chunks c ON c.id = v.chunk_id JOIN doc_files f ON f.id = c.file_id
            WHERE v.model = ? AND f.state IN ({_STATES_SQL}) ORDER BY v.chunk_id""",
        [model],
    ).fetchall()
    dim = max((len(r[2]) // 4 for r in rows), default=0)
    rows = [r for r in rows if len(r[2]) == dim * 4]  # a stray width would break the matrix
    ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
    collections = np.fromiter((r[1] for r in rows), dtype=np.int64, count=len(rows))
    vectors = np.frombuffer(b"".join(r[2] for r in rows), dtype="<f4").reshape(len(rows), dim)
    matrix = _Matrix(stamp, ids, collections, vectors.astype(np.float32, copy=False))
    _matrices[store][model] = matrix
    return matrix


def _stamp(store: Store) -> tuple[int, int]:
    """Changes on this connection (counted by the triggers), and commits by other processes."""
    _watch(store)
    conn = store.db.conn
    (count,) = conn.execute("SELECT n FROM temp.hearth_vector_writes").fetchone()
    (version,) = conn.execute("PRAGMA data_version").fetchone()
    return count, version


def _watch(store: Store) -> None:
    """Temporary triggers (this connection only, never in the file) counting the writes that
    change what a vector search may find: vectors, and files (state, removal)."""
    conn = store.db.conn
    found = "SELECT 1 FROM temp.sqlite_master WHERE name = 'hearth_vector_writes'"
    if conn.execute(found).fetchone():
        return
    bump = "BEGIN UPDATE hearth_vector_writes SET n = n + 1; END"
    statements = [
        "CREATE TEMP TABLE hearth_vector_writes (n INTEGER NOT NULL)",
        "INSERT INTO temp.hearth_vector_writes VALUES (0)",
    ]
    for table in ("doc_vectors", "doc_files"):
        for event in ("INSERT", "UPDATE", "DELETE"):
            statements.append(
                f"CREATE TEMP TRIGGER hearth_watch_{table}_{event.lower()} "
                f"AFTER {event} ON main.{table} {bump}"
            )
    with conn:
        for sql in statements:
            conn.execute(sql)
