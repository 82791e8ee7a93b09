"""Documents in the store: collections, files, chunks and their keyword search (FTS5).

Functions take the Store and run on the database worker thread, like Store's own methods.
"""

from __future__ import annotations

from app.core.documents import Passage
from app.store.memory import fts_any_of, query_terms
from app.store.store import Store

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
