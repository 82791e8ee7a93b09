"""What chatting with documents asks the store, besides retrieval: the collections by name and
whether they hold anything to search yet.

Functions take the Store and run on the database worker thread, like Store's own methods.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.store.store import Store


@dataclass(frozen=True, slots=True)
class CollectionName:
    id: int
    name: str
    enabled: bool


def collection_names(store: Store) -> list[CollectionName]:
    """Every collection, by name (any case order)."""
    rows = store.db.execute(
        "SELECT id, name, enabled FROM doc_collections ORDER BY name COLLATE NOCASE"
    ).fetchall()
    return [CollectionName(cid, name, bool(enabled)) for cid, name, enabled in rows]


def searchable_chunks(store: Store, collection_ids: list[int]) -> int:
    """How many chunks of these collections retrieval can find (files read, or being read)."""
    if not collection_ids:
        return 0
    marks = ",".join("?" * len(collection_ids))
    sql = f"""SELECT count(*) FROM doc_chunks c JOIN doc_files f ON f.id = c.file_id
              WHERE f.collection_id IN ({marks}) AND f.state IN ('ready', 'reading')"""
    return store.db.execute(sql, list(collection_ids)).fetchone()[0]
