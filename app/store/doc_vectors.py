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


_BLOCK_ROWS = 512
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
    (its file removed or read again) is skipped. Returns how many were saved. A cached matrix
    takes the new rows in place, so searching while chunks are embedded reads nothing again."""
    stamp = _stamp(store)
    conn = store.db.conn
    with conn:
        cursor = conn.executemany(
            """INSERT OR REPLACE INTO doc_vectors (chunk_id, model, dim, vector)
               SELECT ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM doc_chunks WHERE id = ?)""",
            [(cid, model, len(vec), to_blob(vec), cid) for cid, vec in rows],
        )
    cached = _matrices.get(store, {}).get(model)
    if cached is not None and cached.stamp == stamp:
        _matrices[store][model] = _with_rows(store, cached, rows)
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
    scores = _dot(matrix.vectors, np.asarray(query, dtype=np.float32))
    if collection_ids is not None:
        inside = np.isin(matrix.collections, np.asarray(collection_ids, dtype=np.int64))
        scores = np.where(inside, scores, -np.inf)
    k = min(limit, len(scores))
    top = np.argpartition(-scores, k - 1)[:k]
    top = top[np.argsort(-scores[top], kind="stable")]
    return [(int(matrix.ids[i]), float(scores[i])) for i in top if np.isfinite(scores[i])]


def _dot(vectors: np.ndarray, query: np.ndarray) -> np.ndarray:
    """vectors @ query, a block of rows at a time: on a busy computer OpenBLAS's threads wait
    for free cores, and one 10,000-row product took 16 ms where blocks take 2 ms."""
    import numpy as np

    out = np.empty(len(vectors), dtype=np.float32)
    for start in range(0, len(vectors), _BLOCK_ROWS):
        np.dot(vectors[start : start + _BLOCK_ROWS], query, out=out[start : start + _BLOCK_ROWS])
    return out


def _matrix(store: Store, model: str) -> _Matrix:
    """The model's vectors as one matrix, read again only when something changed."""
    import numpy as np

    stamp = _stamp(store)
    cached = _matrices.setdefault(store, {}).get(model)
    if cached is not None and cached.stamp == stamp:
        return cached
    # Two plain reads instead of one join: the join made SQLite copy every BLOB through a
    # temporary b-tree (240 ms for 10,000 × 768 against 80 ms).
    rows = store.db.execute(
        "SELECT chunk_id, vector FROM doc_vectors WHERE model = ?", [model]
    ).fetchall()
    where = _collections_of(store, None)
    dim = max((len(r[1]) // 4 for r in rows), default=0)
    rows = [r for r in rows if r[0] in where and len(r[1]) == dim * 4]
    ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
    collections = np.fromiter((where[r[0]] for r in rows), dtype=np.int64, count=len(rows))
    vectors = np.frombuffer(b"".join(r[1] for r in rows), dtype="<f4").reshape(len(rows), dim)
    matrix = _Matrix(stamp, ids, collections, vectors.astype(np.float32, copy=False))
    _matrices[store][model] = matrix
    return matrix


def _with_rows(store: Store, matrix: _Matrix, rows: Sequence[tuple[int, np.ndarray]]) -> _Matrix:
    """`matrix` plus the rows just saved (replacing older rows of the same chunks)."""
    import numpy as np

    where = _collections_of(store, [cid for cid, _ in rows])
    width = matrix.vectors.shape[1] if len(matrix.ids) else None
    fresh = [(cid, v) for cid, v in rows if cid in where and (width is None or len(v) == width)]
    keep = ~np.isin(matrix.ids, np.asarray([cid for cid, _ in fresh], dtype=np.int64))
    if not fresh:
        return _Matrix(_stamp(store), matrix.ids, matrix.collections, matrix.vectors)
    new_vectors = np.asarray([v for _, v in fresh], dtype=np.float32)
    return _Matrix(
        _stamp(store),
        np.concatenate([matrix.ids[keep], np.asarray([c for c, _ in fresh], dtype=np.int64)]),
        np.concatenate([matrix.collections[keep], [where[c] for c, _ in fresh]]).astype(np.int64),
        np.concatenate([matrix.vectors[keep].reshape(-1, new_vectors.shape[1]), new_vectors]),
    )


def _collections_of(store: Store, chunk_ids: list[int] | None) -> dict[int, int]:
    """chunk id → collection id, for chunks of readable files (the given ones, or all)."""
    sql = f"""SELECT c.id, f.collection_id FROM doc_chunks c JOIN doc_files f ON f.id = c.file_id
              WHERE f.state IN ({_STATES_SQL})"""
    if chunk_ids is None:
        return dict(store.db.execute(sql).fetchall())
    found: dict[int, int] = {}
    for start in range(0, len(chunk_ids), 500):
        part = chunk_ids[start : start + 500]
        marks = ",".join("?" * len(part))
        found.update(store.db.execute(f"{sql} AND c.id IN ({marks})", part).fetchall())
    return found


def _stamp(store: Store) -> tuple[int, int]:
    """Changes on this connection (counted by the triggers), and commits by other processes."""
    _watch(store)
    conn = store.db.conn
    (count,) = conn.execute("SELECT n FROM temp.hearth_vector_writes").fetchone()
    (version,) = conn.execute("PRAGMA data_version").fetchone()
    return count, version


def _watch(store: Store) -> None:
    """Temporary triggers (this connection only, never in the file) counting the writes that
    change what a vector search may find: vectors, and files (added, state, removed)."""
    conn = store.db.conn
    found = "SELECT 1 FROM temp.sqlite_master WHERE name = 'hearth_vector_writes'"
    if conn.execute(found).fetchone():
        return
    bump = "BEGIN UPDATE hearth_vector_writes SET n = n + 1; END"
    statements = [
        "CREATE TEMP TABLE hearth_vector_writes (n INTEGER NOT NULL)",
        "INSERT INTO temp.hearth_vector_writes VALUES (0)",
    ]
    # A file's reading progress (next_page, chunks) changes nothing a vector search finds.
    events = ("INSERT", "UPDATE", "DELETE")
    watched = [("doc_vectors", e) for e in events] + [
        ("doc_files", "INSERT"),
        ("doc_files", "UPDATE OF state, collection_id"),
        ("doc_files", "DELETE"),
    ]
    for n, (table, event) in enumerate(watched):
        statements.append(
            f"CREATE TEMP TRIGGER hearth_watch_{n} AFTER {event} ON main.{table} {bump}"
        )
    with conn:
        for sql in statements:
            conn.execute(sql)
