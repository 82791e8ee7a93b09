"""Whole conversations with every branch, for export, and writing imported conversations.

Functions take the Store and run on the database worker thread, like Store's own methods.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from app.core.errors import StorageError
from app.core.images import ImageRef
from app.core.records import MESSAGE_COLUMNS, Conversation, Message
from app.store.images import insert_images, with_images
from app.store.store import Store

_MESSAGE_FIELDS = list(MESSAGE_COLUMNS)


@dataclass(frozen=True, slots=True)
class ConversationTree:
    """A conversation with every branch: all its messages (oldest first) and the shown head."""

    conversation: Conversation
    system_prompt: str | None
    head_message_id: int | None
    messages: list[Message]

    def shown(self) -> list[Message]:
        """The shown branch, oldest first (what the window displays)."""
        by_id = {m.id: m for m in self.messages}
        chain, current = [], by_id.get(self.head_message_id)
        while current is not None:
            chain.append(current)
            current = by_id.get(current.parent_id)
        return chain[::-1]


def conversation_tree(store: Store, conversation_id: int) -> ConversationTree:
    conv = store.conversation(conversation_id)
    head, prompt = store.db.execute(
        "SELECT head_message_id, system_prompt FROM conversations WHERE id = ?", [conversation_id]
    ).fetchone()
    cols = ", ".join(_MESSAGE_FIELDS)
    rows = store.db.execute(
        f"SELECT {cols} FROM messages WHERE conversation_id = ? ORDER BY id", [conversation_id]
    ).fetchall()
    return ConversationTree(conv, prompt, head, with_images(store, [Message(*row) for row in rows]))


def conversation_trees(store: Store, conversation_ids: list[int] | None) -> list[ConversationTree]:
    """The given conversations, or every one not deleted (None), pinned and newest first."""
    ids = [c.id for c in store.conversations()] if conversation_ids is None else conversation_ids
    return [conversation_tree(store, cid) for cid in ids]


@dataclass(frozen=True, slots=True)
class ImportedMessage:
    """A message read from an export. `key`/`parent_key` link the tree inside one conversation;
    parents come before their children."""

    key: str
    parent_key: str | None
    role: str
    content: str
    created: str
    model_id: str | None = None
    provider: str | None = None
    destination: str | None = None
    status: str = "complete"
    input_tokens: int | None = None
    output_tokens: int | None = None
    cost_usd: str | None = None
    sources: str | None = None  # messages.sources: JSON [{n, file, page, text, …}]
    # Pictures the source refers to, (where to find it: a ChatGPT asset id or a Hearth export's
    # file path, its name), and the ones found in the file and kept (app.services.import_images),
    # written with the message.
    attachments: tuple[tuple[str, str], ...] = ()
    images: tuple[ImageRef, ...] = ()


@dataclass(frozen=True, slots=True)
class ImportedConversation:
    title: str
    created: str
    updated: str
    messages: list[ImportedMessage]
    head_key: str | None = None  # the shown branch ends here; None: the last message
    source: str | None = None  # "chatgpt:<id>": a second import of the same one is skipped
    pinned: bool = False
    system_prompt: str | None = None


@dataclass(frozen=True, slots=True)
class ImportResult:
    conversation_ids: tuple[int, ...]
    messages: int
    skipped: int  # already imported before


_INSERT_MESSAGE = """
    INSERT INTO messages (conversation_id, parent_id, role, content, created, model_id, provider,
                          destination, status, input_tokens, output_tokens, cost_usd, sources)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"""


def write_imported(store: Store, items: list[ImportedConversation]) -> ImportResult:
    """Write every conversation in ONE transaction: a failure part-way leaves nothing behind."""
    conn = store.db.conn
    ids: list[int] = []
    count = skipped = 0
    try:
        with conn:
            if not conn.in_transaction:
                conn.execute("BEGIN IMMEDIATE")
            for item in items:
                if item.source and _already_imported(store, item.source):
                    skipped += 1
                    continue
                ids.append(_write_conversation(store, item))
                count += len(item.messages)
    except sqlite3.Error as exc:
        raise StorageError(
            "The import could not be saved, so nothing was imported.",
            action="Check that the disk is not full, then try again.",
        ) from exc
    return ImportResult(tuple(ids), count, skipped)


def _already_imported(store: Store, source: str) -> bool:
    row = store.db.execute(
        "SELECT 1 FROM conversations WHERE imported_from = ? AND deleted IS NULL", [source]
    ).fetchone()
    return row is not None


def _write_conversation(store: Store, item: ImportedConversation) -> int:
    conn = store.db.conn
    cid = conn.execute(
        "INSERT INTO conversations (title, created, updated, pinned, system_prompt, imported_from)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        [item.title, item.created, item.updated, int(item.pinned), item.system_prompt, item.source],
    ).lastrowid
    new_ids: dict[str, int] = {}
    for m in item.messages:
        new_ids[m.key] = conn.execute(
            _INSERT_MESSAGE,
            [
                cid,
                new_ids.get(m.parent_key) if m.parent_key is not None else None,
                m.role,
                m.content,
                m.created,
                m.model_id,
                m.provider,
                m.destination,
                m.status,
                m.input_tokens,
                m.output_tokens,
                m.cost_usd,
                m.sources,
            ],
        ).lastrowid
        if m.images:
            insert_images(conn, new_ids[m.key], m.images)
    head = new_ids.get(item.head_key) if item.head_key is not None else None
    if head is None and new_ids:
        head = list(new_ids.values())[-1]
    conn.execute("UPDATE conversations SET head_message_id = ? WHERE id = ?", [head, cid])
    return cid
