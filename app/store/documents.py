"""Documents in the store: collections, files, chunks and their keyword search (FTS5).

Functions take the Store and run on the database worker thread, like Store's own methods.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from app.core.documents import Passage
from app.store.memory import fts_any_of, query_terms
from app.store.store import Store, now, write_error

_PASSAGE_COLUMNS = "c.id, c.file_id, f.path, c.page, c.heading, c.start, c.end, c.text"


def keyword_search(
    store: Store, text: str, *, collection_ids: list[int] | None = None, limit: int = 50
) -> list[Passage]:
    """Chunks sharing topic words with `text`, best BM25 match first (score: higher is better),
    from the given collections (every collection when None). Only files in state 'ready' or
    still being read count: a chunk is searchable the moment it is written."""
    terms = query_terms(text)
    if not terms or collection_ids == []:
        return []
    where, params = "", [fts_any_of(terms)]
    if collection_ids is not None:
        where = f"AND f.collection_id IN ({','.join('?' * len(collection_ids))})"
        params += list(collection_ids)
    sql = f"""SELECT {_PASSAGE_COLUMNS}, bm25(doc_chunks_fts) AS score
              FROM doc_chunks_fts
              JOIN doc_chunks c ON c.id = doc_chunks_fts.rowid
              JOIN doc_files f ON f.id = c.file_id
              WHERE doc_chunks_fts MATCH ? AND f.state IN ('ready', 'reading') {where}
              ORDER BY score, c.id LIMIT ?"""
    rows = store.db.execute(sql, [*params, limit]).fetchall()
    return [Passage(*row[:8], score=-row[8]) for row in rows]


def passages(store: Store, chunk_ids: list[int]) -> list[Passage]:
    """The chunks with these ids, in the order given (ids no longer stored are skipped)."""
    if not chunk_ids:
        return []
    marks = ",".join("?" * len(chunk_ids))
    sql = f"""SELECT {_PASSAGE_COLUMNS} FROM doc_chunks c JOIN doc_files f ON f.id = c.file_id
              WHERE c.id IN ({marks})"""
    found = {row[0]: Passage(*row) for row in store.db.execute(sql, chunk_ids).fetchall()}
    return [found[i] for i in chunk_ids if i in found]


def collection_ids(store: Store, names: list[str] | None = None) -> list[int]:
    """The ids of the named collections (any case), or of every enabled one when `names` is
    None. An unknown name is simply not found: the caller says so in its own words."""
    if names is None:
        rows = store.db.execute("SELECT id FROM doc_collections WHERE enabled ORDER BY id")
        return [row[0] for row in rows.fetchall()]
    wanted = {n.strip().casefold() for n in names}
    rows = store.db.execute("SELECT id, name FROM doc_collections ORDER BY id").fetchall()
    return [cid for cid, name in rows if name.casefold() in wanted]


# -- collections, roots and files (reading documents: app.services.documents) -------------------

FILE_STATES = ("waiting", "reading", "ready", "failed")


@dataclass(frozen=True, slots=True)
class DocCollection:
    id: int
    name: str
    enabled: bool
    created: str
    files: int = 0
    ready: int = 0
    failed: int = 0
    chunks: int = 0


@dataclass(frozen=True, slots=True)
class DocRoot:
    id: int
    collection_id: int
    path: str
    is_folder: bool


@dataclass(frozen=True, slots=True)
class DocFile:
    id: int
    collection_id: int
    root_id: int | None
    path: str
    size: int | None
    mtime: float | None
    sha256: str | None
    state: str
    reason: str | None
    pages: int | None
    next_page: int
    chunks: int
    indexed: str | None


_FILE_COLUMNS = (
    "id, collection_id, root_id, path, size, mtime, sha256, state, reason, pages, next_page, "
    "chunks, indexed"
)


def _write(store: Store, sql: str, params: list | tuple = ()) -> sqlite3.Cursor:
    try:
        with store.db.conn:
            return store.db.execute(sql, params)
    except sqlite3.Error as exc:
        raise write_error(exc, store.path) from exc


def ensure_collection(store: Store, name: str) -> int:
    """The id of the collection of that name (any case), created if new."""
    name = " ".join(name.split())
    row = store.db.execute("SELECT id FROM doc_collections WHERE name = ?", [name]).fetchone()
    if row:
        return row[0]
    return _write(
        store,
        "INSERT INTO doc_collections (name, enabled, created) VALUES (?, 1, ?)",
        [name, now()],
    ).lastrowid


def collections(store: Store) -> list[DocCollection]:
    rows = store.db.execute(
        """SELECT c.id, c.name, c.enabled, c.created, COUNT(f.id),
                  COALESCE(SUM(f.state = 'ready'), 0), COALESCE(SUM(f.state = 'failed'), 0),
                  COALESCE(SUM(f.chunks), 0)
           FROM doc_collections c LEFT JOIN doc_files f ON f.collection_id = c.id
           GROUP BY c.id ORDER BY c.name COLLATE NOCASE"""
    ).fetchall()
    return [DocCollection(r[0], r[1], bool(r[2]), *r[3:]) for r in rows]


def rename_collection(store: Store, collection_id: int, name: str) -> None:
    _write(store, "UPDATE doc_collections SET name = ? WHERE id = ?", [name, collection_id])


def set_collection_enabled(store: Store, collection_id: int, enabled: bool) -> None:
    _write(store, "UPDATE doc_collections SET enabled = ? WHERE id = ?", [enabled, collection_id])


def delete_collection(store: Store, collection_id: int) -> None:
    """The collection with its roots, files and chunks (foreign keys cascade; triggers clean the
    keyword index and the vectors)."""
    _write(store, "DELETE FROM doc_collections WHERE id = ?", [collection_id])


def add_root(store: Store, collection_id: int, path: str, is_folder: bool) -> int:
    row = store.db.execute(
        "SELECT id FROM doc_roots WHERE collection_id = ? AND path = ?", [collection_id, path]
    ).fetchone()
    if row:
        return row[0]
    return _write(
        store,
        "INSERT INTO doc_roots (collection_id, path, is_folder, added) VALUES (?, ?, ?, ?)",
        [collection_id, path, is_folder, now()],
    ).lastrowid


def roots(store: Store) -> list[DocRoot]:
    rows = store.db.execute("SELECT id, collection_id, path, is_folder FROM doc_roots ORDER BY id")
    return [DocRoot(r[0], r[1], r[2], bool(r[3])) for r in rows.fetchall()]


def delete_root(store: Store, root_id: int) -> None:
    _write(store, "DELETE FROM doc_roots WHERE id = ?", [root_id])


def sync_root(store: Store, root: DocRoot, found: list[tuple[str, int, float]]) -> tuple[int, int]:
    """Make the root's files what a scan `found` (path, size, mtime), in one transaction: new
    ones queued ('waiting'), changed ones (size or mtime) queued again with their old hash kept
    (so a file merely touched is not read again), gone ones dropped with their chunks, and the
    ones the user removed from the folder (exclude_file) left out. Returns (queued, dropped)."""
    known = {
        r[1]: (r[0], r[2], r[3], r[4])
        for r in store.db.execute(
            "SELECT id, path, size, mtime, root_id FROM doc_files WHERE collection_id = ?",
            [root.collection_id],
        ).fetchall()
    }
    excluded = {
        r[0]
        for r in store.db.execute("SELECT path FROM doc_exclusions WHERE root_id = ?", [root.id])
    }
    queued, seen = 0, set()
    try:
        with store.db.conn:
            for path, size, mtime in found:
                if path in excluded:
                    continue  # removed by the user: not added back (and dropped below if known)
                seen.add(path)
                old = known.get(path)
                if old is None:
                    store.db.execute(
                        "INSERT INTO doc_files (collection_id, root_id, path, size, mtime, state)"
                        " VALUES (?, ?, ?, ?, ?, 'waiting')",
                        [root.collection_id, root.id, path, size, mtime],
                    )
                    queued += 1
                elif (old[1], old[2]) != (size, mtime):
                    store.db.execute(
                        "UPDATE doc_files SET state = 'waiting'"
                        " WHERE id = ? AND state != 'reading'",
                        [old[0]],
                    )
                    queued += 1
            gone = [v[0] for p, v in known.items() if v[3] == root.id and p not in seen]
            for fid in gone:
                store.db.execute("DELETE FROM doc_files WHERE id = ?", [fid])
    except sqlite3.Error as exc:
        raise write_error(exc, store.path) from exc
    return queued, len(gone)


def files(
    store: Store, *, collection_id: int | None = None, states: tuple[str, ...] | None = None
) -> list[DocFile]:
    where, params = [], []
    if collection_id is not None:
        where.append("collection_id = ?")
        params.append(collection_id)
    if states:
        where.append(f"state IN ({','.join('?' * len(states))})")
        params.extend(states)
    clause = f"WHERE {' AND '.join(where)}" if where else ""
    rows = store.db.execute(
        f"SELECT {_FILE_COLUMNS} FROM doc_files {clause} ORDER BY path", params
    ).fetchall()
    return [DocFile(*r) for r in rows]


def get_file(store: Store, file_id: int) -> DocFile | None:
    row = store.db.execute(
        f"SELECT {_FILE_COLUMNS} FROM doc_files WHERE id = ?", [file_id]
    ).fetchone()
    return DocFile(*row) if row else None


def next_to_read(store: Store, skip: list[int]) -> DocFile | None:
    """The next file to read: one interrupted mid-way first (it resumes), then the waiting ones
    in the order they were queued; `skip` holds ids this run has given up on."""
    marks = ",".join("?" * len(skip))
    not_skipped = f"AND id NOT IN ({marks})" if skip else ""
    row = store.db.execute(
        f"""SELECT {_FILE_COLUMNS} FROM doc_files WHERE state IN ('reading', 'waiting')
            {not_skipped} ORDER BY state = 'reading' DESC, id LIMIT 1""",
        skip,
    ).fetchone()
    return DocFile(*row) if row else None


def count_to_read(store: Store) -> int:
    sql = "SELECT COUNT(*) FROM doc_files WHERE state IN ('reading', 'waiting')"
    return store.db.execute(sql).fetchone()[0]


def begin_reading(store: Store, file_id: int, size: int, mtime: float, sha256: str) -> None:
    """Start reading a file from its first page: chunks of an earlier version are dropped."""
    try:
        with store.db.conn:
            store.db.execute("DELETE FROM doc_chunks WHERE file_id = ?", [file_id])
            store.db.execute(
                """UPDATE doc_files SET state = 'reading', size = ?, mtime = ?, sha256 = ?,
                   reason = NULL, pages = NULL, next_page = 0, chunks = 0, indexed = NULL
                   WHERE id = ?""",
                [size, mtime, sha256, file_id],
            )
    except sqlite3.Error as exc:
        raise write_error(exc, store.path) from exc


def write_page(
    store: Store, file_id: int, index: int, chunks: list[dict], *, reason: str | None = None
) -> list[int]:
    """One section's chunks and the file's progress in one transaction: after a restart the
    file resumes at section `index + 1`, never with a page half written. Each chunk is a dict
    of page, heading, start, end, text. `reason` (a note such as scanned pages) replaces the
    file's, when given. Returns the new chunks' ids, in order."""
    ids = []
    try:
        with store.db.conn:
            seq = store.db.execute(
                "SELECT COALESCE(MAX(seq), -1) + 1 FROM doc_chunks WHERE file_id = ?", [file_id]
            ).fetchone()[0]
            for c in chunks:
                cursor = store.db.execute(
                    "INSERT INTO doc_chunks (file_id, seq, page, heading, start, end, text)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [file_id, seq, c["page"], c["heading"], c["start"], c["end"], c["text"]],
                )
                ids.append(cursor.lastrowid)
                seq += 1
            store.db.execute(
                """UPDATE doc_files SET next_page = ?, chunks = chunks + ?,
                   reason = COALESCE(?, reason) WHERE id = ?""",
                [index + 1, len(chunks), reason, file_id],
            )
    except sqlite3.Error as exc:
        raise write_error(exc, store.path) from exc
    return ids


def finish_file(
    store: Store, file_id: int, *, state: str, reason: str | None, pages: int | None = None
) -> None:
    """A file done: 'ready' (its `reason` then a note) or 'failed' (its chunks dropped);
    `pages` is the page count of a format that has pages."""
    assert state in ("ready", "failed")
    try:
        with store.db.conn:
            if state == "failed":
                store.db.execute("DELETE FROM doc_chunks WHERE file_id = ?", [file_id])
            store.db.execute(
                """UPDATE doc_files SET state = ?, reason = ?, pages = ?,
                   chunks = CASE WHEN ? = 'failed' THEN 0 ELSE chunks END, indexed = ?
                   WHERE id = ?""",
                [state, reason, pages, state, now(), file_id],
            )
    except sqlite3.Error as exc:
        raise write_error(exc, store.path) from exc


def keep_unchanged(store: Store, file_id: int, size: int, mtime: float) -> None:
    """A queued file whose content hash has not changed: its new size/mtime, its old state."""
    _write(
        store,
        """UPDATE doc_files SET size = ?, mtime = ?,
           state = CASE WHEN chunks > 0 OR reason IS NULL THEN 'ready' ELSE 'failed' END
           WHERE id = ?""",
        [size, mtime, file_id],
    )


def requeue(store: Store, file_id: int) -> None:
    """Read again from the start later (it changed while being read): the hash is forgotten."""
    _write(
        store,
        "UPDATE doc_files SET state = 'waiting', sha256 = NULL, indexed = NULL WHERE id = ?",
        [file_id],
    )


def delete_file(store: Store, file_id: int) -> None:
    _write(store, "DELETE FROM doc_files WHERE id = ?", [file_id])


def exclude_file(store: Store, file_id: int) -> None:
    """Remove a file found under an added folder, and keep it out of the folder's next scans."""
    try:
        with store.db.conn:
            store.db.execute(
                "INSERT OR IGNORE INTO doc_exclusions (root_id, path)"
                " SELECT root_id, path FROM doc_files WHERE id = ? AND root_id IS NOT NULL",
                [file_id],
            )
            store.db.execute("DELETE FROM doc_files WHERE id = ?", [file_id])
    except sqlite3.Error as exc:
        raise write_error(exc, store.path) from exc


def include_path(store: Store, collection_id: int, path: str) -> None:
    """A file added again by hand: no folder of the collection keeps it out any more."""
    _write(
        store,
        "DELETE FROM doc_exclusions WHERE path = ?"
        " AND root_id IN (SELECT id FROM doc_roots WHERE collection_id = ?)",
        [path, collection_id],
    )


def exclude_path(store: Store, root_id: int, path: str) -> None:
    _write(
        store, "INSERT OR IGNORE INTO doc_exclusions (root_id, path) VALUES (?, ?)", [root_id, path]
    )


def delete_path(store: Store, collection_id: int, path: str) -> None:
    _write(
        store, "DELETE FROM doc_files WHERE collection_id = ? AND path = ?", [collection_id, path]
    )
