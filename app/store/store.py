"""The one SQLite file. Synchronous: call it only from the database worker thread."""

from __future__ import annotations

import logging
import shutil
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

from app.core.chat import ModelInfo
from app.core.errors import ConversationNotFound, DiskFull, StorageError
from app.core.records import MESSAGE_COLUMNS, Conversation, Message
from app.store import images as store_images
from app.store.locks import WriterLock
from app.store.migrations import migrate
from app.store.opening import open_database, sqlite_utils_module

log = logging.getLogger(__name__)

_MESSAGE_FIELDS = list(MESSAGE_COLUMNS)


class _PlainDatabase:
    """The part of sqlite_utils.Database the listings use, over a plain sqlite3 connection."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def execute(self, sql: str, parameters: Iterable | dict | None = None) -> sqlite3.Cursor:
        return self.conn.execute(sql, parameters or [])


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def _chain_sql(select: str) -> str:
    """Messages on the shown branch: walk parent links back from the conversation's head."""
    return f"""
        WITH RECURSIVE chain(id) AS (
            SELECT head_message_id FROM conversations WHERE id = :cid
            UNION ALL
            SELECT m.parent_id FROM messages m JOIN chain ON m.id = chain.id
            WHERE m.parent_id IS NOT NULL
        )
        {select}"""


def no_room_for_message() -> DiskFull:
    return DiskFull(
        "Your disk is full, so this message could not be saved.",
        action="Free some space, then try again.",
    )


def write_error(
    exc: sqlite3.Error, path: Path | None = None, *, full: Callable[[], DiskFull] | None = None
) -> StorageError:
    """The plain-words error for a failed write: a full disk is said as such (`full`, else the
    words for a reply that is kept in memory)."""
    code = getattr(exc, "sqlite_errorcode", None)
    log.error("Database write failed: %s (SQLite code %s)", exc, code)
    if (
        code == sqlite3.SQLITE_FULL
        or "disk is full" in str(exc)
        or (
            code == _SQLITE_IOERR_WRITE and _no_room(path)  # a quota or a file-size limit
        )
    ):
        return full() if full else DiskFull()
    return StorageError()


_SQLITE_IOERR_WRITE = 778
_LOW_SPACE = 64 * 1024 * 1024


def _no_room(path: Path | None) -> bool:
    """Whether a failed write is most likely for want of room: little free space on the disk,
    or a file-size limit on this process (EFBIG, which SQLite reports as an I/O error)."""
    try:
        import resource

        if resource.getrlimit(resource.RLIMIT_FSIZE)[0] != resource.RLIM_INFINITY:
            return True
    except ImportError:  # Windows
        pass
    try:
        return path is not None and shutil.disk_usage(path.parent).free < _LOW_SPACE
    except OSError:
        return False


class Store:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.db = open_database(path)
        self.writer = WriterLock(path)
        try:
            migrate(self.db, path)
            self.recover_interrupted()
        except BaseException:
            self.close()
            raise

    @classmethod
    def for_listing(cls, path: Path) -> Store | None:
        """A Store for read-only listings (history, search, models from the command line) on
        a plain sqlite3 connection, without sqlite-utils; None when the file is missing or
        needs migrating, which the full Store does. Only its reading methods may be used."""
        from app.store.migrations import MIGRATIONS

        if not path.is_file():
            return None
        conn = sqlite3.connect(path)
        try:
            conn.execute("PRAGMA busy_timeout=5000")
            done = {row[0] for row in conn.execute("SELECT name FROM _migrations")}
        except sqlite3.Error:
            conn.close()
            return None
        if any(fn.__name__ not in done for fn in MIGRATIONS):
            conn.close()
            return None
        store = cls.__new__(cls)
        store.path = path
        store.db = _PlainDatabase(conn)
        store.writer = None  # it never writes a reply
        return store

    def close(self) -> None:
        self.db.conn.close()
        if self.writer is not None:
            self.writer.release()

    # -- conversations -------------------------------------------------------------------------

    def create_conversation(self, title: str = "New chat") -> Conversation:
        stamp = now()
        cid = (
            self.db["conversations"]
            .insert({"title": title, "created": stamp, "updated": stamp, "pinned": 0})
            .last_pk
        )
        return self.conversation(cid)

    def conversation(self, conversation_id: int) -> Conversation:
        rows = self._conversation_rows("c.id = ?", [conversation_id], include_deleted=True)
        if not rows:
            raise ConversationNotFound()
        return rows[0]

    def conversations(self) -> list[Conversation]:
        return self._conversation_rows("1", [])

    def latest_conversation(self) -> Conversation | None:
        rows = self.conversations()
        return rows[0] if rows else None

    def _conversation_rows(
        self, where: str, params: list, *, include_deleted: bool = False
    ) -> list[Conversation]:
        alive = "" if include_deleted else "AND c.deleted IS NULL"
        sql = f"""
            SELECT c.id, c.title, c.created, c.updated, c.pinned,
                   (SELECT count(*) FROM messages m WHERE m.conversation_id = c.id) AS message_count
            FROM conversations c WHERE {where} {alive}
            ORDER BY c.pinned DESC, c.updated DESC, c.id DESC"""
        return [
            Conversation(
                id=r[0],
                title=r[1],
                created=r[2],
                updated=r[3],
                pinned=bool(r[4]),
                message_count=r[5],
            )
            for r in self.db.execute(sql, params).fetchall()
        ]

    def rename_conversation(self, conversation_id: int, title: str) -> None:
        self._update_conversation(conversation_id, {"title": title.strip() or "Untitled"})

    def set_pinned(self, conversation_id: int, pinned: bool) -> None:
        self._update_conversation(conversation_id, {"pinned": int(pinned)}, touch=False)

    def delete_conversation(self, conversation_id: int) -> None:
        """Hide it (undo brings it back); purge_deleted() removes it for good."""
        self._update_conversation(conversation_id, {"deleted": now()}, touch=False)

    def restore_conversation(self, conversation_id: int) -> None:
        self._update_conversation(conversation_id, {"deleted": None}, touch=False)

    def purge_deleted(self) -> int:
        ids = [
            r[0] for r in self.db.execute("SELECT id FROM conversations WHERE deleted IS NOT NULL")
        ]
        pictures = store_images.images_in_conversations(self, ids)
        with self.db.conn:
            for cid in ids:
                self.db.execute("DELETE FROM messages WHERE conversation_id = ?", [cid])
                self.db.execute("DELETE FROM conversations WHERE id = ?", [cid])
        store_images.remove_unused_files(self, pictures)  # rows went with their messages
        return len(ids)

    def _update_conversation(self, conversation_id: int, values: dict, *, touch=True) -> None:
        if touch:
            values = {**values, "updated": now()}
        try:
            self.db["conversations"].update(conversation_id, values)
        except sqlite_utils_module().db.NotFoundError as exc:
            raise ConversationNotFound() from exc

    # -- messages ------------------------------------------------------------------------------

    def add_message(
        self,
        conversation_id: int,
        *,
        role: str,
        content: str,
        status: str = "complete",
        parent_id: int | None | type[...] = ...,
        model_id: str | None = None,
        provider: str | None = None,
        destination: str | None = None,
    ) -> Message:
        """Append a message; by default it follows the conversation's head and becomes the head."""
        conv = self.db["conversations"].get(conversation_id)
        if parent_id is ...:
            parent_id = conv["head_message_id"]
        stamp = now()
        try:
            with self.db.conn:
                mid = (
                    self.db["messages"]
                    .insert(
                        {
                            "writer": self.writer.token if status == "streaming" else None,
                            "conversation_id": conversation_id,
                            "parent_id": parent_id,
                            "role": role,
                            "content": content,
                            "status": status,
                            "model_id": model_id,
                            "provider": provider,
                            "destination": destination,
                            "created": stamp,
                        }
                    )
                    .last_pk
                )
                self.db["conversations"].update(
                    conversation_id, {"head_message_id": mid, "updated": stamp}
                )
        except sqlite3.Error as exc:
            raise write_error(exc, self.path, full=no_room_for_message) from exc
        return self.message(mid)

    def update_message(self, message_id: int, **values) -> None:
        """Write streamed text or final stats. Each call is one small transaction."""
        try:
            self.db["messages"].update(message_id, values)
        except sqlite3.Error as exc:
            raise write_error(exc, self.path) from exc

    def message(self, message_id: int) -> Message:
        return self._with_images([self._to_message(self.db["messages"].get(message_id))])[0]

    def messages(self, conversation_id: int) -> list[Message]:
        """The shown branch of a conversation, oldest first."""
        self.conversation(conversation_id)
        cols = ", ".join(f"m.{f}" for f in _MESSAGE_FIELDS)
        sql = _chain_sql(
            f"SELECT {cols} FROM messages m JOIN chain ON m.id = chain.id ORDER BY m.id"
        )
        rows = self.db.execute(sql, {"cid": conversation_id}).fetchall()
        return self._with_images([Message(*row) for row in rows])

    def messages_up_to(self, message_id: int) -> list[Message]:
        """The branch ending at this message (inclusive), oldest first."""
        cols = ", ".join(f"m.{f}" for f in _MESSAGE_FIELDS)
        sql = f"""
            WITH RECURSIVE chain(id) AS (
                SELECT :mid
                UNION ALL
                SELECT m.parent_id FROM messages m JOIN chain ON m.id = chain.id
                WHERE m.parent_id IS NOT NULL
            )
            SELECT {cols} FROM messages m JOIN chain ON m.id = chain.id ORDER BY m.id"""
        rows = self.db.execute(sql, {"mid": message_id}).fetchall()
        return self._with_images([Message(*row) for row in rows])

    def set_head(self, conversation_id: int, message_id: int | None) -> None:
        self.db["conversations"].update(conversation_id, {"head_message_id": message_id})

    def recover_interrupted(self) -> int:
        """Replies still marked streaming whose writer died: mark them interrupted. A reply that
        another live process (a second window, a `hearth ask`) is writing is left alone."""
        writers = self.db.execute(
            "SELECT DISTINCT writer FROM messages WHERE status = 'streaming'"
        ).fetchall()
        gone = [w for (w,) in writers if not self.writer.is_alive(w)]
        count = 0
        with self.db.conn:
            for writer in gone:
                count += self.db.execute(
                    "UPDATE messages SET status = 'interrupted' "
                    "WHERE status = 'streaming' AND writer IS ?",
                    [writer],
                ).rowcount
        return count

    def search(self, query: str, limit: int = 50) -> list[Message]:
        cols = ", ".join(f"m.{f}" for f in _MESSAGE_FIELDS)
        sql = f"""SELECT {cols} FROM messages_fts f JOIN messages m ON m.rowid = f.rowid
                  JOIN conversations c ON c.id = m.conversation_id
                  WHERE messages_fts MATCH ? AND c.deleted IS NULL ORDER BY f.rank LIMIT ?"""
        quoted = " ".join('"' + w.replace('"', '""') + '"' for w in query.split())
        return [Message(*row) for row in self.db.execute(sql, [quoted, limit]).fetchall()]

    def _with_images(self, messages: list[Message]) -> list[Message]:
        return store_images.with_images(self, messages)

    def _to_message(self, row: dict) -> Message:
        return Message(**{f: row.get(f) for f in _MESSAGE_FIELDS})

    # -- local models --------------------------------------------------------------------------

    def upsert_local_model(self, info: ModelInfo) -> None:
        columns = self.db["local_models"].columns_dict
        row = {k: v for k, v in asdict(info).items() if k in columns}
        row["added"] = now()
        self.db["local_models"].upsert(row, pk="id")

    def set_local_model_takes_tools(self, model_id: str, takes_tools: bool) -> None:
        with self.db.conn:
            self.db.execute(
                "UPDATE local_models SET takes_tools = ? WHERE id = ?", [int(takes_tools), model_id]
            )

    def local_models(self) -> list[ModelInfo]:
        rows = _dicts(self.db.execute("SELECT * FROM local_models ORDER BY added DESC"))
        return [_model_from_row(r) for r in rows]

    def remove_local_model(self, model_id: str) -> bool:
        with self.db.conn:
            return self.db.execute("DELETE FROM local_models WHERE id = ?", [model_id]).rowcount > 0

    def cache_provider_models(self, provider: str, models: list[ModelInfo]) -> None:
        with self.db.conn:
            self.db.execute("DELETE FROM provider_models WHERE provider = ?", [provider])
        self.db["provider_models"].insert_all(
            {
                "provider": provider,
                "model": m.id,
                "display_name": m.display_name,
                "context_length": m.context_length,
                "sees_images": None if m.sees_images is None else int(m.sees_images),
                "fetched": now(),
            }
            for m in models
        )

    def cached_provider_models(self, provider: str) -> list[ModelInfo]:
        rows = _dicts(
            self.db.execute(
                "SELECT * FROM provider_models WHERE provider = ? ORDER BY model", [provider]
            )
        )
        return [
            ModelInfo(
                id=r["model"],
                provider=provider,
                display_name=r["display_name"],
                context_length=r["context_length"],
                sees_images=None if r.get("sees_images") is None else bool(r["sees_images"]),
            )
            for r in rows
        ]

    def integrity_ok(self) -> bool:
        return self.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def _dicts(cursor: sqlite3.Cursor) -> list[dict]:
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _model_from_row(row: dict) -> ModelInfo:
    keys: Iterable[str] = ModelInfo.__dataclass_fields__
    values = {k: row.get(k) for k in keys if k != "provider"}
    if values.get("takes_tools") is not None:  # stored as 0/1
        values["takes_tools"] = bool(values["takes_tools"])
    return ModelInfo(**values, provider="local")
