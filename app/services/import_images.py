"""Pictures inside an imported .zip (ChatGPT's data export, Hearth's `export --zip`): each one a
message refers to is made safe like an attached picture (upright, no metadata), kept by content
hash, and attached to the message. Blocking (unzipping, decoding): run it on a worker thread.

A picture missing from the file, or one that cannot be read, stays what it was: ChatGPT's
placeholder text ("[Image: file_… — not included in the import]"), or nothing for Hearth's.
"""

from __future__ import annotations

import io
import logging
import re
import zipfile
from dataclasses import replace
from pathlib import Path

from app.core.images import KEEP_LIMIT, ImageProblem, ImageRef
from app.store.trees import ImportedConversation, ImportedMessage

log = logging.getLogger(__name__)

MAX_PICTURE_BYTES = 64 * 1024 * 1024  # a larger member is no photo: skipped, never unpacked


def attach_pictures(
    items: list[ImportedConversation], archive_bytes: bytes, data_dir: Path
) -> list[ImportedConversation]:
    """The conversations with the pictures found in the archive attached to their messages."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(archive_bytes))
    except zipfile.BadZipFile:
        return items
    with archive:
        members = [n for n in archive.namelist() if not n.endswith("/")]
        found: dict[str, ImageRef | None] = {}

        def picture(key: str, name: str) -> ImageRef | None:
            if key not in found:
                found[key] = _keep(archive, _member_for(key, members), key, name, data_dir)
            return found[key]

        return [
            replace(item, messages=[_with_pictures(m, picture) for m in item.messages])
            for item in items
        ]


def _with_pictures(message: ImportedMessage, picture) -> ImportedMessage:
    if not message.attachments:
        return message
    refs, content = [], message.content
    for key, name in message.attachments:
        ref = picture(key, name)
        if ref is not None:
            refs.append(ref)
            content = _without_placeholder(content, key)
    return replace(message, images=tuple(refs), content=content) if refs else message


def _member_for(key: str, members: list[str]) -> str | None:
    """Hearth's file path exactly; ChatGPT's asset id as the start of a file's name
    (file_00000000abc…-photo.png)."""
    if key in members:
        return key
    starts = [m for m in members if m.rsplit("/", 1)[-1].startswith(key)]
    return min(starts, key=len) if starts else None


def _keep(archive: zipfile.ZipFile, member: str | None, key: str, name: str, data_dir: Path):
    if member is None:
        return None
    try:
        if archive.getinfo(member).file_size > MAX_PICTURE_BYTES:
            return None
        from app.images import store as image_files  # Pillow: only when an import has pictures
        from app.images.prepare import prepare_image

        ready = prepare_image(archive.read(member), KEEP_LIMIT)
        # ChatGPT names a picture only by its id; the file in the .zip says more.
        shown = member.rsplit("/", 1)[-1] if name == key else name
        return image_files.keep(data_dir, ready, shown)
    except (ImageProblem, OSError, zipfile.BadZipFile, ValueError) as exc:
        log.warning("Picture %s in the import was skipped: %s", member, exc)
        return None


def _without_placeholder(content: str, key: str) -> str:
    placeholder = re.compile(r"\[Image: " + re.escape(key) + r"[^\]]*not included in the import\]")
    return re.sub(r"\n{3,}", "\n\n", placeholder.sub("", content)).strip()
