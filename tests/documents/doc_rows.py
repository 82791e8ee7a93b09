"""Collections, files and chunks written with plain SQL against the m012 schema, the way the
indexer leaves them, so chat tests need no indexer."""

from __future__ import annotations

from app.store.store import Store, now


def add_collection(store: Store, name: str, *, enabled: bool = True) -> int:
    with store.db.conn:
        return store.db.execute(
            "INSERT INTO doc_collections (name, enabled, created) VALUES (?, ?, ?)",
            [name, int(enabled), now()],
        ).lastrowid


def add_file(store: Store, collection_id: int, path: str, *, state: str = "ready") -> int:
    with store.db.conn:
        return store.db.execute(
            "INSERT INTO doc_files (collection_id, path, state) VALUES (?, ?, ?)",
            [collection_id, path, state],
        ).lastrowid


def add_chunk(
    store: Store, file_id: int, text: str, *, page: int | None = None, heading: str | None = None
) -> int:
    with store.db.conn:
        seq = store.db.execute(
            "SELECT count(*) FROM doc_chunks WHERE file_id = ?", [file_id]
        ).fetchone()[0]
        chunk = store.db.execute(
            "INSERT INTO doc_chunks (file_id, seq, page, heading, start, end, text)"
            " VALUES (?, ?, ?, ?, 0, ?, ?)",
            [file_id, seq, page, heading, len(text), text],
        ).lastrowid
        store.db.execute("UPDATE doc_files SET chunks = chunks + 1 WHERE id = ?", [file_id])
        return chunk


LEASE = "/home/sam/Documents/lease.pdf"
RENT = "The monthly rent for the flat is 900 euros, due on the first day of each month."
DEPOSIT = "The deposit is two months of rent, returned within thirty days of moving out."
NOTES_RECIPE = "Bake the bread at 220 degrees for forty minutes."


def housing_documents(store: Store) -> dict[str, int]:
    """A "Housing" collection (a lease: rent on page 3, deposit on page 4) and a disabled
    "Kitchen" one; returns their ids."""
    housing = add_collection(store, "Housing")
    lease = add_file(store, housing, LEASE)
    add_chunk(store, lease, RENT, page=3)
    add_chunk(store, lease, DEPOSIT, page=4)
    kitchen = add_collection(store, "Kitchen", enabled=False)
    notes = add_file(store, kitchen, "/home/sam/notes.md")
    add_chunk(store, notes, NOTES_RECIPE, heading="Bread")
    return {"Housing": housing, "Kitchen": kitchen}
