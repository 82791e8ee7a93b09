"""Which messages use which image files, and where the files sit. Run on the database worker.

The files live in the data folder by content hash (images/ab/abcdef….png), written by
app.images.store; a message refers to them through message_images rows. One photo attached to
several messages (a branch, an edit-and-resend) is one file with several rows.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, Protocol

from app.core.images import ImageRef, extension_for
from app.core.records import Message


class Store(Protocol):
    """What these functions use of app.store.store.Store (which imports this module)."""

    path: Path
    db: Any


log = logging.getLogger(__name__)

IMAGES_FOLDER = "images"


def image_file(data_dir: Path, sha256: str, mime: str) -> Path:
    """Where the file with this content hash is kept."""
    return data_dir / IMAGES_FOLDER / sha256[:2] / f"{sha256}.{extension_for(mime)}"


def data_dir_of(store: Store) -> Path:
    return store.path.parent


def add_message_images(store: Store, message_id: int, images: Sequence[ImageRef]) -> None:
    """Attach images (already written to their files) to a message, in order."""
    with store.db.conn:
        insert_images(store.db.conn, message_id, images)


def insert_images(conn: Any, message_id: int, images: Sequence[ImageRef]) -> None:
    """The rows alone, inside the caller's transaction (an import writes all or nothing)."""
    conn.executemany(
        "INSERT INTO message_images (message_id, seq, sha256, mime, width, height, name)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            (message_id, seq, ref.sha256, ref.mime, ref.width, ref.height, ref.name)
            for seq, ref in enumerate(images)
        ],
    )


def images_of(store: Store, message_ids: Iterable[int]) -> dict[int, tuple[ImageRef, ...]]:
    """The images of each of these messages that has any."""
    ids = list(dict.fromkeys(message_ids))
    found: dict[int, list[ImageRef]] = {}
    for start in range(0, len(ids), 500):  # SQLite's parameter limit
        chunk = ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        rows = store.db.execute(
            "SELECT message_id, sha256, mime, width, height, name FROM message_images"
            f" WHERE message_id IN ({marks}) ORDER BY message_id, seq",
            chunk,
        ).fetchall()
        for mid, sha, mime, width, height, name in rows:
            found.setdefault(mid, []).append(ImageRef(sha, mime, width, height, name))
    return {mid: tuple(refs) for mid, refs in found.items()}


def with_images(store: Store, messages: list[Message]) -> list[Message]:
    """The messages with their images filled in (one query for the lot)."""
    user_ids = [m.id for m in messages if m.role == "user"]
    if not user_ids:
        return messages
    refs = images_of(store, user_ids)
    if not refs:
        return messages
    return [replace(m, images=refs[m.id]) if m.id in refs else m for m in messages]


def copy_images(store: Store, from_id: int, to_id: int) -> None:
    """A new version of a message (edit and resend) keeps the old one's pictures."""
    refs = images_of(store, [from_id]).get(from_id, ())
    if refs:
        add_message_images(store, to_id, refs)


def images_in_conversations(store: Store, conversation_ids: Sequence[int]) -> set[tuple[str, str]]:
    """(sha256, mime) of every image used in these conversations."""
    found: set[tuple[str, str]] = set()
    for cid in conversation_ids:
        rows = store.db.execute(
            "SELECT DISTINCT i.sha256, i.mime FROM message_images i"
            " JOIN messages m ON m.id = i.message_id WHERE m.conversation_id = ?",
            [cid],
        ).fetchall()
        found.update((sha, mime) for sha, mime in rows)
    return found


def remove_unused_files(store: Store, candidates: Iterable[tuple[str, str]]) -> int:
    """Delete the files of these images that no message uses any more; the count removed."""
    removed = 0
    for sha, mime in candidates:
        used = store.db.execute(
            "SELECT 1 FROM message_images WHERE sha256 = ? LIMIT 1", [sha]
        ).fetchone()
        if used:
            continue
        path = image_file(data_dir_of(store), sha, mime)
        try:
            path.unlink()
            removed += 1
        except FileNotFoundError:
            pass
        except OSError as exc:  # kept on disk; the chat is gone either way
            log.warning("Could not remove image %s: %s", path.name, exc)
            continue
        with contextlib.suppress(OSError):
            path.parent.rmdir()  # only when empty
    return removed
