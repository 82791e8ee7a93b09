"""Long-term memories: short facts in SQLite, found again with FTS5 and BM25.

Functions take the Store and run on the database worker thread, like Store's own methods.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass

from app.core.errors import HearthError, StorageError
from app.store.store import Store, now

MAX_MEMORY_CHARS = 1000
# More words than this in one query add little to BM25 and slow the match down.
MAX_QUERY_TERMS = 32

# Words that carry no topic. Without this list "what is the time?" would pull in every memory
# that happens to contain "the" or "is", since an OR query matches any one word.
_STOPWORDS_TEXT = """
    a about above after again all also am an and any are as at be because been before being
    between both but by can could did do does doing don down during each else few for from
    further get got had has have having he her here hers him his how i if in into is it its
    just let like me more most my no nor not now of off on once only or other our ours out
    over own please same she should so some such tell than that the their them then there
    these they this those through to too under until up us very was we were what when where
    which while who whom why will with would yes you your yours
"""
STOPWORDS = frozenset(_STOPWORDS_TEXT.split())

_WORD = re.compile(r"\w+", re.UNICODE)


class MemoryNotFound(HearthError):
    message = "That memory does not exist (it may have been deleted)."
    action = "Run `hearth memory list` to see the memories."


class MemoryTextInvalid(HearthError):
    action = "Write the fact in a sentence or two."


@dataclass(frozen=True, slots=True)
class Memory:
    id: int
    text: str
    created: str
    updated: str
    source_message_id: int | None = None


_COLUMNS = "m.id, m.text, m.created, m.updated, m.source_message_id"


def clean_text(text: str) -> str:
    """One fact, whitespace tidied; refuses empty and overlong text in plain words."""
    cleaned = " ".join((text or "").split())
    if not cleaned:
        raise MemoryTextInvalid("There is nothing to remember.")
    if len(cleaned) > MAX_MEMORY_CHARS:
        raise MemoryTextInvalid(
            f"A memory can be at most {MAX_MEMORY_CHARS} characters; this one has {len(cleaned)}."
        )
    return cleaned


def add_memory(store: Store, text: str, *, source_message_id: int | None = None) -> Memory:
    stamp = now()
    try:
        with store.db.conn:
            cursor = store.db.execute(
                "INSERT INTO memories (text, created, updated, source_message_id) "
                "VALUES (?, ?, ?, ?)",
                [clean_text(text), stamp, stamp, source_message_id],
            )
    except sqlite3.OperationalError as exc:
        raise StorageError() from exc
    return get_memory(store, cursor.lastrowid)


def get_memory(store: Store, memory_id: int) -> Memory:
    row = store.db.execute(f"SELECT {_COLUMNS} FROM memories m WHERE m.id = ?", [memory_id])
    found = row.fetchone()
    if found is None:
        raise MemoryNotFound()
    return Memory(*found)


def update_memory(store: Store, memory_id: int, text: str) -> Memory:
    cleaned = clean_text(text)
    with store.db.conn:
        cursor = store.db.execute(
            "UPDATE memories SET text = ?, updated = ? WHERE id = ?", [cleaned, now(), memory_id]
        )
    if cursor.rowcount == 0:
        raise MemoryNotFound()
    return get_memory(store, memory_id)


@dataclass(frozen=True, slots=True)
class DeletedMemory:
    """What delete_memory removed, so Undo can put back the very same memory."""

    memory: Memory
    uses: tuple[tuple[int, str], ...]  # (message id, the text that reply was given)


def delete_memory(store: Store, memory_id: int) -> DeletedMemory:
    """Gone everywhere: a deleted fact must not live on in the "used memories" of old replies."""
    memory = get_memory(store, memory_id)
    uses = store.db.execute(
        "SELECT message_id, text FROM message_memories WHERE memory_id = ? ORDER BY rowid",
        [memory_id],
    ).fetchall()
    with store.db.conn:
        store.db.execute("DELETE FROM memories WHERE id = ?", [memory_id])
        store.db.execute("DELETE FROM message_memories WHERE memory_id = ?", [memory_id])
    return DeletedMemory(memory, tuple((m, t) for m, t in uses))


def restore_memory(store: Store, deleted: DeletedMemory) -> Memory:
    """Undo a delete: the same id, dates and source, and the replies that used it again. Replies
    deleted meanwhile are skipped."""
    m = deleted.memory
    taken = store.db.execute("SELECT 1 FROM memories WHERE id = ?", [m.id]).fetchone()
    with store.db.conn:  # the id went to a memory added since: the same fact under a new one
        cursor = store.db.execute(
            "INSERT INTO memories (id, text, created, updated, source_message_id) "
            "VALUES (?, ?, ?, ?, ?)",
            [None if taken else m.id, m.text, m.created, m.updated, m.source_message_id],
        )
        memory_id = cursor.lastrowid
        store.db.conn.executemany(
            "INSERT OR IGNORE INTO message_memories (message_id, memory_id, text) "
            "SELECT id, ?, ? FROM messages WHERE id = ?",
            [(memory_id, text, message_id) for message_id, text in deleted.uses],
        )
    return get_memory(store, memory_id)


def list_memories(store: Store) -> list[Memory]:
    """Newest first, as the memory manager shows them."""
    sql = f"SELECT {_COLUMNS} FROM memories m ORDER BY m.updated DESC, m.id DESC"
    return [Memory(*row) for row in store.db.execute(sql).fetchall()]


def query_terms(text: str) -> list[str]:
    """The distinct topic words of `text`, lower-cased, in order of first appearance."""
    seen: dict[str, None] = {}
    for word in _WORD.findall((text or "").lower()):
        if word not in STOPWORDS and (len(word) > 1 or word.isdigit()):
            seen.setdefault(word, None)
    return list(seen)[:MAX_QUERY_TERMS]


def fts_any_of(words: list[str]) -> str:
    """An FTS5 query matching any of the words. Each is quoted, so no word is read as syntax
    (AND, NEAR, a stray quote or bracket)."""
    return " OR ".join('"' + w.replace('"', '""') + '"' for w in words)


def search_memories(store: Store, text: str, *, limit: int = 20) -> list[tuple[Memory, float]]:
    """Memories sharing words with `text`, best first, with their BM25 score (lower is better)."""
    terms = query_terms(text)
    if not terms:
        return []
    sql = f"""SELECT {_COLUMNS}, bm25(memories_fts) AS score
              FROM memories_fts JOIN memories m ON m.id = memories_fts.rowid
              WHERE memories_fts MATCH ? ORDER BY score, m.id DESC LIMIT ?"""
    rows = store.db.execute(sql, [fts_any_of(terms), limit]).fetchall()
    return [(Memory(*row[:5]), row[5]) for row in rows]


def record_used(store: Store, message_id: int, memories: list[Memory]) -> None:
    """Note which memories (and which wording) went into the prompt for this reply."""
    with store.db.conn:
        store.db.conn.executemany(
            "INSERT OR REPLACE INTO message_memories (message_id, memory_id, text) "
            "VALUES (?, ?, ?)",
            [(message_id, m.id, m.text) for m in memories],
        )


def used_by(store: Store, message_id: int) -> list[Memory]:
    """The memories a reply was given, with the text it saw (it may have been edited since)."""
    sql = """SELECT u.memory_id, u.text, coalesce(m.created, ''), coalesce(m.updated, ''),
                    m.source_message_id
             FROM message_memories u LEFT JOIN memories m ON m.id = u.memory_id
             WHERE u.message_id = ? ORDER BY u.rowid"""
    return [Memory(*row) for row in store.db.execute(sql, [message_id]).fetchall()]


def used_by_many(store: Store, message_ids: list[int]) -> dict[int, list[Memory]]:
    """used_by for many replies in one read (the page on screen); replies given none are left
    out."""
    if not message_ids:
        return {}
    marks = ",".join("?" * len(message_ids))
    sql = f"""SELECT u.message_id, u.memory_id, u.text, coalesce(m.created, ''),
                     coalesce(m.updated, ''), m.source_message_id
              FROM message_memories u LEFT JOIN memories m ON m.id = u.memory_id
              WHERE u.message_id IN ({marks}) ORDER BY u.rowid"""
    found: dict[int, list[Memory]] = {}
    for message_id, *fields in store.db.execute(sql, list(message_ids)).fetchall():
        found.setdefault(message_id, []).append(Memory(*fields))
    return found
