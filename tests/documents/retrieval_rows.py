"""Collections, files and chunks written straight into the m012 tables, so retrieval tests do not
depend on the document reader (app/documents, tested on its own)."""

from __future__ import annotations

from app.store import Store


def add_collection(store: Store, name: str = "Notes", *, enabled: bool = True) -> int:
    with store.db.conn:
        cur = store.db.execute(
            "INSERT INTO doc_collections (name, enabled, created) VALUES (?, ?, '2026-01-01')",
            [name, int(enabled)],
        )
    return cur.lastrowid


def add_file(
    store: Store,
    collection_id: int,
    path: str,
    chunks: list[str],
    *,
    page: int | None = None,
    state: str = "ready",
    overlap: int = 0,
) -> list[int]:
    """A file whose chunks follow one another (each `overlap` characters into the previous)."""
    with store.db.conn:
        file_id = store.db.execute(
            "INSERT INTO doc_files (collection_id, path, state, chunks) VALUES (?, ?, ?, ?)",
            [collection_id, path, state, len(chunks)],
        ).lastrowid
        ids, start = [], 0
        for seq, text in enumerate(chunks):
            ids.append(
                store.db.execute(
                    """INSERT INTO doc_chunks (file_id, seq, page, heading, start, end, text)
                       VALUES (?, ?, ?, NULL, ?, ?, ?)""",
                    [file_id, seq, page, start, start + len(text), text],
                ).lastrowid
            )
            start += len(text) - overlap
    return ids


def delete_file(store: Store, path: str) -> None:
    with store.db.conn:
        ids = [r[0] for r in store.db.execute("SELECT id FROM doc_files WHERE path = ?", [path])]
        for file_id in ids:
            store.db.execute("DELETE FROM doc_chunks WHERE file_id = ?", [file_id])
            store.db.execute("DELETE FROM doc_files WHERE id = ?", [file_id])
