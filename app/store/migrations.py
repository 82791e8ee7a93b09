"""Numbered, append-only migrations, applied by name. Never edit one after release: add another."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # only the Store's database is passed in: Store.for_listing skips the import
    import sqlite_utils

from app.store import locks, schema_sql

log = logging.getLogger(__name__)

# How long a second process waits for another one's migrations (a big file can take a while).
MIGRATE_WAIT = 120.0

MIGRATIONS: list[Callable[[sqlite_utils.Database], None]] = []


def migration(fn: Callable[[sqlite_utils.Database], None]):
    MIGRATIONS.append(fn)
    return fn


@migration
def m001_initial(db: sqlite_utils.Database) -> None:
    db["conversations"].create(
        {"id": int, "title": str, "created": str, "updated": str, "pinned": int},
        pk="id",
        defaults={"pinned": 0},
        not_null={"title", "created", "updated"},
    )
    db["messages"].create(
        {
            "id": int,
            "conversation_id": int,
            "role": str,
            "content": str,
            "model_id": str,
            "provider": str,
            "input_tokens": int,
            "output_tokens": int,
            "status": str,
            "created": str,
        },
        pk="id",
        foreign_keys=[("conversation_id", "conversations", "id")],
        not_null={"conversation_id", "role", "content", "status", "created"},
    )
    db["messages"].create_index(["conversation_id"])


@migration
def m002_message_stats_and_branches(db: sqlite_utils.Database) -> None:
    # parent_id makes the history a tree, so edit-and-resend and regenerate keep every reply;
    # the conversation's head_message_id says which branch is shown.
    db["messages"].add_column("parent_id", int)
    db["messages"].add_column("ttft_ms", float)
    db["messages"].add_column("tokens_per_second", float)
    db["messages"].add_column("error", str)
    db["messages"].add_column("cost_usd", str)
    db["conversations"].add_column("head_message_id", int)
    db["conversations"].add_column("deleted", str)
    db.execute(
        """UPDATE conversations SET head_message_id =
           (SELECT max(id) FROM messages WHERE conversation_id = conversations.id)"""
    )
    # Link existing linear histories in order.
    db.execute(
        """UPDATE messages SET parent_id = (
             SELECT max(p.id) FROM messages p
             WHERE p.conversation_id = messages.conversation_id AND p.id < messages.id)"""
    )


@migration
def m003_fts(db: sqlite_utils.Database) -> None:
    db["messages"].enable_fts(["content"], create_triggers=True, tokenize="unicode61")


@migration
def m004_local_models(db: sqlite_utils.Database) -> None:
    db["local_models"].create(
        {
            "id": str,
            "path": str,
            "display_name": str,
            "architecture": str,
            "parameters": int,
            "quantization": str,
            "context_length": int,
            "size_bytes": int,
            "added": str,
        },
        pk="id",
    )


@migration
def m005_message_destination(db: sqlite_utils.Database) -> None:
    # Where the words went is fixed when they are sent: a later change of base URL or provider
    # must not rewrite history.
    db["messages"].add_column("destination", str)
    db.execute(
        "UPDATE messages SET destination = 'on this computer' "
        "WHERE role = 'assistant' AND (provider IS NULL OR provider = 'local')"
    )


@migration
def m006_provider_models(db: sqlite_utils.Database) -> None:
    # The last model list each provider gave, so the picker works offline and starts instantly.
    db["provider_models"].create(
        {"provider": str, "model": str, "display_name": str, "context_length": int, "fetched": str},
        pk=("provider", "model"),
    )


@migration
def m007_memories(db: sqlite_utils.Database) -> None:
    db["memories"].create(
        {"id": int, "text": str, "created": str, "updated": str, "source_message_id": int},
        pk="id",
        not_null={"text", "created", "updated"},
    )
    # Porter stemming: a memory about "dogs" should come up when the user writes "dog".
    db["memories"].enable_fts(["text"], create_triggers=True, tokenize="porter unicode61")
    # Which memories a reply was given, with the text as it was sent: editing a memory later must
    # not rewrite what a past reply saw. Rows go with their message when it is purged.
    db.execute(
        """CREATE TABLE message_memories (
               message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
               memory_id INTEGER NOT NULL,
               text TEXT NOT NULL,
               PRIMARY KEY (message_id, memory_id)
           )"""
    )
    db.execute("CREATE INDEX idx_message_memories_memory_id ON message_memories (memory_id)")


@migration
def m008_prompts_personas_branches(db: sqlite_utils.Database) -> None:
    # Branch arrows and "switch to the newest leaf" walk children by parent: without this index
    # each step scans the whole messages table.
    db["messages"].create_index(["parent_id"], if_not_exists=True)
    db["conversations"].add_column("system_prompt", str)
    db["conversations"].add_column("persona_id", int)
    db["personas"].create(
        {
            "id": int,
            "name": str,
            "system_prompt": str,
            "default_model": str,
            "created": str,
            "updated": str,
        },
        pk="id",
        not_null={"name", "system_prompt", "created", "updated"},
        defaults={"system_prompt": ""},
    )
    db.execute("CREATE UNIQUE INDEX idx_personas_name ON personas (name COLLATE NOCASE)")


@migration
def m009_import_sources(db: sqlite_utils.Database) -> None:
    # Where an imported conversation came from ("chatgpt:<id>"), so importing the same export
    # twice does not double the history.
    db["conversations"].add_column("imported_from", str)
    db.execute(
        "CREATE INDEX idx_conversations_imported_from ON conversations (imported_from) "
        "WHERE imported_from IS NOT NULL"
    )


@migration
def m010_message_writer(db: sqlite_utils.Database) -> None:
    # Which process is writing a streaming reply, so opening the store marks a reply interrupted
    # only when its writer is gone, never one that another window or command is still writing.
    db["messages"].add_column("writer", str)


@migration
def m011_fts_prefix_index(db: sqlite_utils.Database) -> None:
    # The last word typed in search is matched as a prefix ("the"*). Without an index of short
    # prefixes FTS5 merges the lists of every word starting so: p95 about 100 ms over 100,000
    # messages, against 13 ms for a whole word. The table is rebuilt from the messages (its
    # content table); the triggers of m003 name it, so they keep working unchanged.
    db.execute("DROP TABLE messages_fts")
    db.execute(
        "CREATE VIRTUAL TABLE messages_fts USING FTS5 "
        "(content, tokenize='unicode61', prefix='2 3', content=messages)"
    )
    db.execute("INSERT INTO messages_fts (messages_fts) VALUES ('rebuild')")


@migration
def m012_documents(db: sqlite_utils.Database) -> None:
    # Chat with documents. A collection ("Taxes 2026") holds roots (files or folders as added);
    # each file found under a root is one doc_files row, read into chunks that keep the page
    # (or heading) and character offsets of their text, so a citation points to it exactly.
    # `next_page` lets reading resume after a restart; `sha256` keeps unchanged files unread.
    db.executescript(schema_sql.DOCUMENTS)
    # The passages a reply was given, as JSON [{file, page, text, ...}], for its footer and export.
    db.execute("ALTER TABLE messages ADD COLUMN sources TEXT")


@migration
def m013_document_vectors(db: sqlite_utils.Database) -> None:
    # One embedding per chunk and embedding model, float32 little-endian. Deleted with its chunk
    # by a trigger (not only ON DELETE CASCADE: a connection without foreign_keys=ON still cleans).
    db.executescript(
        """
        CREATE TABLE doc_vectors (
            chunk_id INTEGER NOT NULL REFERENCES doc_chunks(id) ON DELETE CASCADE,
            model TEXT NOT NULL,
            dim INTEGER NOT NULL,
            vector BLOB NOT NULL,
            PRIMARY KEY (chunk_id, model)
        );
        CREATE INDEX doc_vectors_model ON doc_vectors (model);
        CREATE TRIGGER doc_chunks_vectors_ad AFTER DELETE ON doc_chunks BEGIN
            DELETE FROM doc_vectors WHERE chunk_id = old.id;
        END;
        """
    )


@migration
def m015_message_images(db: sqlite_utils.Database) -> None:
    # The image files sit in the data folder by content hash (app/store/images.py); this table
    # says which messages use which, so a branch or an edit-and-resend shares the file and a
    # purge removes only the files no message uses any more.
    db.executescript(
        """
        CREATE TABLE message_images (
            message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
            seq INTEGER NOT NULL,
            sha256 TEXT NOT NULL,
            mime TEXT NOT NULL,
            width INTEGER NOT NULL,
            height INTEGER NOT NULL,
            name TEXT NOT NULL DEFAULT '',
            PRIMARY KEY (message_id, seq)
        );
        CREATE INDEX message_images_sha256 ON message_images (sha256);
        CREATE TRIGGER messages_images_ad AFTER DELETE ON messages BEGIN
            DELETE FROM message_images WHERE message_id = old.id;
        END;
        ALTER TABLE provider_models ADD COLUMN sees_images INTEGER;
        """
    )


@migration
def m016_tools(db: sqlite_utils.Database) -> None:
    # The tool calls a reply made and what came back (JSON [{id, name, arguments, result,
    # is_error, status}], app.core.tools.ToolOutcome.as_record), so history, branches and export
    # keep them; None for the replies that called no tool.
    db["messages"].add_column("tool_calls", str)


@migration
def m017_local_model_projector(db: sqlite_utils.Database) -> None:
    # A local vision model's projector file ("mmproj" GGUF), paired when the model was added,
    # so the pairing (and "sees images") survives a restart.
    db["local_models"].add_column("projector", str)


@migration
def m018_document_exclusions(db: sqlite_utils.Database) -> None:
    # Files the user removed from a folder they added (`hearth docs rm PATH`): the folder's next
    # scan must not add them back. Forgotten with the folder (its root), or when the file is added
    # again by hand.
    db.executescript(
        """
        CREATE TABLE doc_exclusions (
            root_id INTEGER NOT NULL REFERENCES doc_roots(id) ON DELETE CASCADE,
            path TEXT NOT NULL,
            PRIMARY KEY (root_id, path)
        );
        CREATE TRIGGER doc_roots_exclusions_ad AFTER DELETE ON doc_roots BEGIN
            DELETE FROM doc_exclusions WHERE root_id = old.id;
        END;
        """
    )


@migration
def m019_local_model_takes_tools(db: sqlite_utils.Database) -> None:
    # Whether a local model's chat template takes tools (read from the GGUF when it was added),
    # so the picker can say "no tools" without opening every file. NULL for models added before:
    # the model service reads their files once.
    db["local_models"].add_column("takes_tools", int)


@migration
def m020_served_requests(db: sqlite_utils.Database) -> None:
    # The local API server (app/server): requests from other apps are metered like chats. A
    # served request kept as a chat carries the app's name on its reply (messages.client); one
    # not kept leaves only its usage row here, so the cost meter and budget still count it.
    db["messages"].add_column("client", str)
    db["served_requests"].create(
        {
            "id": int,
            "created": str,
            "client": str,
            "endpoint": str,
            "model_id": str,
            "provider": str,
            "destination": str,
            "status": str,
            "input_tokens": int,
            "output_tokens": int,
            "cost_usd": str,
        },
        pk="id",
        not_null={"created", "client", "status"},
    )
    db["served_requests"].create_index(["created"])


@migration
def m021_search_tool_calls(db: sqlite_utils.Database) -> None:
    # Search finds tool calls and their results too: the index gets a second column, read
    # through a view that spells each reply's calls out as words (an FTS5 external content
    # table may be a view). The triggers write both columns; the index is rebuilt once.
    db.executescript(schema_sql.search_with_tool_calls())


def _ensure_table(db: sqlite_utils.Database) -> None:
    # IF NOT EXISTS: another process may be creating it at this very moment.
    with db.conn:
        db.execute(
            "CREATE TABLE IF NOT EXISTS [_migrations] ([name] TEXT PRIMARY KEY, [applied] TEXT)"
        )


def pending(db: sqlite_utils.Database) -> list[Callable]:
    _ensure_table(db)
    done = {row["name"] for row in db["_migrations"].rows}
    return [fn for fn in MIGRATIONS if fn.__name__ not in done]


def backup(path: Path) -> Path:
    """Copy the database (consistently, WAL included) before migrating it."""
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.stem}.backup-{stamp}{path.suffix}")
    source = sqlite3.connect(path)
    try:
        dest = sqlite3.connect(target)
        with dest:
            source.backup(dest)
        dest.close()
    finally:
        source.close()
    return target


def migrate(db: sqlite_utils.Database, path: Path | None = None) -> list[str]:
    """Apply pending migrations in order; back the file up first if it already held data.

    Several processes may open a fresh folder at once (the window and `hearth ask`): they take
    turns under one cross-process lock, and each re-reads the applied list once it holds it.
    """
    if not pending(db):
        return []
    if path is None:
        return _apply(db)
    with locks.held(locks.locks_dir(path) / "migrate", timeout=MIGRATE_WAIT):
        db.conn.commit()  # end any read transaction, so this connection sees the other's work
        todo = pending(db)
        if todo and path.exists() and db["conversations"].exists():
            log.info("Backed up database to %s before migrating", backup(path))
        return _apply(db, todo)


def _apply(db: sqlite_utils.Database, todo: list[Callable] | None = None) -> list[str]:
    applied = []
    for fn in pending(db) if todo is None else todo:
        with db.conn:
            fn(db)
            db["_migrations"].insert(
                {"name": fn.__name__, "applied": datetime.now(UTC).isoformat()}
            )
        applied.append(fn.__name__)
        log.info("Applied migration %s", fn.__name__)
        # Copy each migration into the file as it lands, so the WAL restarts from its start for
        # the next one: twenty migrations on a fresh folder would otherwise leave a WAL four times
        # the database's size, which a nearly full disk cannot hold.
        db.execute("PRAGMA wal_checkpoint(PASSIVE)")
    if applied:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return applied
