"""Export and import conversations: Hearth JSON (every branch), Markdown, ChatGPT's export.

Import reads the whole file first, then writes it in one transaction: a damaged file is refused
in plain words and nothing is imported half-way. The format is told by the content, never by the
file name: Hearth's own export, ChatGPT's `conversations.json`, or the ChatGPT export .zip.
"""

from __future__ import annotations

import asyncio
import io
import json
import zipfile
import zlib
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from app.core.images import ImageRef
from app.services.chatgpt_import import CHATGPT, chatgpt_conversations, chatgpt_list
from app.services.conversations import ConversationExport, conversation_markdown
from app.services.import_common import (
    NOTHING_IMPORTED,
    ImportFailed,
    damaged,
    int_or_none,
    title_from_messages,
)
from app.services.import_images import attach_pictures
from app.services.worker import DbWorker
from app.store import trees as store_trees
from app.store.images import data_dir_of, image_file
from app.store.store import now
from app.store.trees import ConversationTree, ImportedConversation, ImportedMessage

FORMAT = "hearth-export"
VERSION = 2  # 2 added message ids, parent ids and the shown head: every branch round-trips
KNOWN_VERSIONS = (1, 2)
ROLES = ("user", "assistant", "system", "tool")
STATUSES = ("complete", "stopped", "interrupted", "error")
ZIP_MAGIC = b"PK\x03\x04"
# The most an import may unpack to. ChatGPT exports of years of daily use stay well under this;
# more is a damaged file or a zip bomb (2 MB unpacking to 2 GB), which would exhaust memory.
MAX_IMPORT_BYTES = 512 * 1024 * 1024
_READ_CHUNK = 1024 * 1024


def too_big() -> ImportFailed:
    return ImportFailed(
        f"This file unpacks to more than {MAX_IMPORT_BYTES // (1024 * 1024)} MB, more than "
        "Hearth imports at once; it may be damaged, or not a chat export."
    )


@dataclass(frozen=True, slots=True)
class ImportSummary:
    format: str  # "hearth" or "chatgpt"
    conversations: int
    messages: int
    skipped: int  # conversations already imported, or with nothing to show
    conversation_ids: tuple[int, ...] = ()

    def plain(self) -> str:
        source = "ChatGPT" if self.format == CHATGPT else "a Hearth export"
        text = (
            f"Imported {self.conversations} conversation{'s' * (self.conversations != 1)} "
            f"({self.messages} message{'s' * (self.messages != 1)}) from {source}."
        )
        if self.skipped:
            text += f" Skipped {self.skipped} (already imported, or empty)."
        return text


class TransferService:
    def __init__(self, *, db: DbWorker) -> None:
        self._db = db

    async def trees(self, *, conversation_ids: list[int] | None) -> list[ConversationTree]:
        return await self._db.call(store_trees.conversation_trees, conversation_ids)

    async def export(self, *, conversation_ids: list[int] | None, format: str = "json") -> str:
        """The given conversations (None: all) as Hearth JSON with branches, or Markdown."""
        trees = await self.trees(conversation_ids=conversation_ids)
        return export_json(trees) if format == "json" else export_markdown(trees)

    async def export_zip(self, *, conversation_ids: list[int] | None, path: Path) -> int:
        """The JSON export as conversations.json in a .zip, with the pictures it refers to at
        their `file` paths; `hearth import` reads it back. Returns the pictures written."""
        trees = await self.trees(conversation_ids=conversation_ids)
        data_dir = await self._db.call(data_dir_of)
        refs = {r.sha256: r for t in trees for m in t.messages for r in m.images}
        tmp = path.with_name(path.name + ".part")
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("conversations.json", export_json(trees))
            for ref in refs.values():
                source = image_file(data_dir, ref.sha256, ref.mime)
                if source.exists():  # a file removed by hand: the reference stays
                    archive.write(source, image_entry(ref)["file"], zipfile.ZIP_STORED)
        tmp.replace(path)
        return len(refs)

    async def import_file(self, *, path: str | Path) -> ImportSummary:
        try:
            source = Path(path).expanduser()
            if source.stat().st_size > MAX_IMPORT_BYTES:
                raise too_big()
            raw = source.read_bytes()
        except FileNotFoundError:
            raise ImportFailed(f"There is no file at {path}.") from None
        except OSError as exc:
            raise ImportFailed(f"The file {path} could not be read ({exc.strerror}).") from None
        return await self.import_bytes(data=raw)

    async def import_bytes(self, *, data: bytes) -> ImportSummary:
        kind, items = parse_export(data)
        # Conversations with nothing to show are not worth a row; they count as skipped.
        kept = [i for i in items if i.messages]
        if data.startswith(ZIP_MAGIC) and any(m.attachments for i in kept for m in i.messages):
            data_dir = await self._db.call(data_dir_of)
            kept = await asyncio.to_thread(attach_pictures, kept, data, data_dir)
        result = await self._db.call(store_trees.write_imported, kept)
        return ImportSummary(
            format=kind,
            conversations=len(result.conversation_ids),
            messages=result.messages,
            skipped=result.skipped + len(items) - len(kept),
            conversation_ids=result.conversation_ids,
        )


# -- export -------------------------------------------------------------------------------------


def export_json(trees: list[ConversationTree]) -> str:
    return json.dumps(
        {
            "format": FORMAT,
            "version": VERSION,
            "exported": now(),
            "conversations": [_conversation_dict(t) for t in trees],
        },
        indent=2,
        ensure_ascii=False,
    )


def _conversation_dict(tree: ConversationTree) -> dict:
    c = tree.conversation
    return {
        "id": c.id,
        "title": c.title,
        "created": c.created,
        "updated": c.updated,
        "pinned": c.pinned,
        "system_prompt": tree.system_prompt,
        "head_message_id": tree.head_message_id,
        # Every message of every branch, parents before children; head_message_id marks the end
        # of the branch that was shown.
        "messages": [_message_dict(m) for m in tree.messages],
    }


def _message_dict(m) -> dict:
    assistant = m.role == "assistant"
    return {
        "id": m.id,
        "parent_id": m.parent_id,
        "role": m.role,
        "content": m.content,
        "model": m.model_id,
        "provider": m.provider if assistant else None,
        "destination": m.destination if assistant else None,
        "created": m.created,
        "status": m.status,
        "usage": {"input_tokens": m.input_tokens or 0, "output_tokens": m.output_tokens or 0},
        # Decimal text, so it round-trips exactly; null when the price was unknown.
        "cost_usd": m.cost_usd if assistant else "0",
        **(_sources_dicts(m.cited_sources) if assistant else {}),
        # The pictures as files in the data folder (and in a --zip export), by content hash.
        "images": [image_entry(ref) for ref in m.images],
    }


def image_entry(ref: ImageRef) -> dict:
    return {
        "file": image_file(Path(), ref.sha256, ref.mime).as_posix(),
        "sha256": ref.sha256,
        "mime": ref.mime,
        "name": ref.name,
        "width": ref.width,
        "height": ref.height,
    }


# The documented form of a cited source; the rest of what is stored goes in "source_details".
SOURCE_KEYS = ("file", "page", "text")
SOURCE_DETAIL_KEYS = ("n", "heading", "start", "end")


def _sources_dicts(cited: list[dict]) -> dict:
    """ "sources": [{file, page, text}] (the passages a reply cited, in order of first use), and
    beside it "source_details": [{n, heading, start, end}], the marker number ([n] in the text)
    and where in the page each one is, so an import shows the same footer."""
    return {
        "sources": [{k: s.get(k) for k in SOURCE_KEYS} for s in cited],
        "source_details": [{k: s.get(k) for k in SOURCE_DETAIL_KEYS} for s in cited],
    }


def export_markdown(trees: list[ConversationTree]) -> str:
    """The shown branch of each conversation, readable; other versions are in the JSON export."""
    parts = []
    for tree in trees:
        text = conversation_markdown(ConversationExport(tree.conversation, tree.shown()))
        hidden = len(tree.messages) - len(tree.shown())
        if hidden:
            text += (
                f"\n\n*{hidden} message{'s' * (hidden != 1)} from other versions of this "
                "conversation are not shown here; the JSON export keeps them.*"
            )
        parts.append(text)
    return "\n\n---\n\n".join(parts) + "\n"


# -- reading a file -----------------------------------------------------------------------------


def parse_export(data: bytes) -> tuple[str, list[ImportedConversation]]:
    """("hearth" | "chatgpt", conversations) from a file's bytes; ImportFailed when it is neither
    format or is damaged."""
    document = _load_json(_unzip(data) if data.startswith(ZIP_MAGIC) else data)
    if isinstance(document, dict) and document.get("format") == FORMAT:
        return "hearth", hearth_conversations(document)
    conversations = chatgpt_list(document)
    if conversations is not None:
        return CHATGPT, chatgpt_conversations(conversations)
    raise ImportFailed(
        "This file is neither a Hearth export nor ChatGPT's conversations.json.",
        action=f"{NOTHING_IMPORTED} Choose the conversations.json from your ChatGPT data "
        "export, or a file made with Hearth's Export.",
    )


def _unzip(data: bytes) -> bytes | bytearray:
    """ChatGPT's data export arrives as a .zip: read its conversations.json."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = [n for n in archive.namelist() if n.rsplit("/", 1)[-1] == "conversations.json"]
            if not names:
                raise ImportFailed("This .zip file has no conversations.json in it.")
            return _read_member(archive, min(names, key=len))
    except (zipfile.BadZipFile, EOFError, OSError, zlib.error) as exc:
        raise ImportFailed("This .zip file is damaged or incomplete.") from exc


def _read_member(archive: zipfile.ZipFile, name: str) -> bytearray:
    """Unpack one member a chunk at a time, refusing it as soon as it passes the cap: what the
    archive declares is checked first, what it really unpacks to as it is read."""
    if archive.getinfo(name).file_size > MAX_IMPORT_BYTES:
        raise too_big()
    out = bytearray()
    with archive.open(name) as member:
        while chunk := member.read(_READ_CHUNK):
            out += chunk
            if len(out) > MAX_IMPORT_BYTES:
                raise too_big()
    return out  # not bytes(out): a copy would double the memory


def _load_json(data: bytes) -> Any:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFailed("This file is not text (it is not a JSON export).") from None
    if not text.strip():
        raise ImportFailed("This file is empty.")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportFailed(
            f"This file is not valid JSON (the problem is on line {exc.lineno}); "
            "it may be incomplete."
        ) from None
    except RecursionError:
        raise ImportFailed("This file is nested too deeply to be an export.") from None


# -- small readers shared by both formats ---------------------------------------------------------


def _cost_text(value: Any) -> str | None:
    """Exact Decimal text from "0.0000036" (current exports) or 3.6e-06 (older ones)."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return None
    if not amount.is_finite() or amount < 0:
        return None
    return format(amount.normalize(), "f")  # 0.0 -> "0", 3.6e-06 -> "0.0000036"


# -- Hearth JSON --------------------------------------------------------------------------------


def hearth_conversations(document: dict) -> list[ImportedConversation]:
    version = document.get("version")
    if version not in KNOWN_VERSIONS:
        raise ImportFailed(
            f"This Hearth export is format version {version}, which this Hearth does not know.",
            action=f"{NOTHING_IMPORTED} Update Hearth, then import it again.",
        )
    conversations = document.get("conversations")
    if not isinstance(conversations, list):
        raise ImportFailed("This Hearth export has no list of conversations.")
    return [_hearth_conversation(c, i) for i, c in enumerate(conversations)]


def _hearth_conversation(conv: Any, index: int) -> ImportedConversation:
    if not isinstance(conv, dict) or not isinstance(conv.get("messages"), list):
        raise damaged(index, "it has no list of messages")
    messages = _hearth_tree([_hearth_message(m, index) for m in conv["messages"]], index)
    created = conv.get("created") if isinstance(conv.get("created"), str) else None
    stamps = [m.created for m in messages]
    created = created or (min(stamps) if stamps else now())
    updated = conv.get("updated") if isinstance(conv.get("updated"), str) else None
    head = conv.get("head_message_id", conv.get("current_message_id"))
    title = conv.get("title") if isinstance(conv.get("title"), str) else ""
    prompt = conv.get("system_prompt")
    return ImportedConversation(
        title=title.strip() or title_from_messages(messages),
        created=created,
        updated=updated or (max(stamps) if stamps else created),
        messages=messages,
        head_key=str(head) if head is not None else None,
        # Importing the same export twice must not double it; id + created pin it down.
        source=f"hearth:{conv.get('created')}:{conv.get('id')}" if "id" in conv else None,
        pinned=conv.get("pinned") is True,
        system_prompt=prompt.strip() or None if isinstance(prompt, str) else None,
    )


def _hearth_message(m: Any, index: int) -> dict:
    if not isinstance(m, dict) or m.get("role") not in ROLES:
        raise damaged(index, "a message has no role (user or assistant)")
    if not isinstance(m.get("content"), str):
        raise damaged(index, "a message has no text")
    return m


def _hearth_tree(raw: list[dict], index: int) -> list[ImportedMessage]:
    """Messages with parents placed first. Version 1 files (no ids) are one linear chain."""
    has_ids = all("id" in m for m in raw)
    keys = [str(m["id"]) if has_ids else str(i) for i, m in enumerate(raw)]
    if len(set(keys)) != len(keys):
        raise damaged(index, "two messages share one id")
    parents: dict[str, str | None] = {}
    for i, (key, m) in enumerate(zip(keys, raw, strict=True)):
        if has_ids and "parent_id" in m:
            parent = m["parent_id"]
            parents[key] = None if parent is None else str(parent)
        else:
            parents[key] = keys[i - 1] if i else None
        if parents[key] is not None and parents[key] not in keys:
            raise damaged(index, "a message answers one that is not in the file")
    by_key = dict(zip(keys, raw, strict=True))
    ordered = _parents_first(keys, parents, index)
    return [_hearth_imported(k, parents[k], by_key[k]) for k in ordered]


def _parents_first(keys: list[str], parents: dict[str, str | None], index: int) -> list[str]:
    placed: dict[str, None] = {}
    for key in keys:
        path, current = [], key
        while current is not None and current not in placed:
            if current in path:
                raise damaged(index, "its messages answer each other in a circle")
            path.append(current)
            current = parents[current]
        for k in reversed(path):
            placed[k] = None
    return list(placed)


def _hearth_imported(key: str, parent: str | None, m: dict) -> ImportedMessage:
    usage = m.get("usage") if isinstance(m.get("usage"), dict) else {}
    status = m.get("status")
    if status not in STATUSES:
        # A reply still streaming when exported was cut off; anything unknown reads as done.
        status = "interrupted" if status == "streaming" else "complete"
    assistant = m["role"] == "assistant"
    text = {k: m[k] for k in ("model", "provider", "destination") if isinstance(m.get(k), str)}
    return ImportedMessage(
        key=key,
        parent_key=parent,
        role=m["role"],
        content=m["content"],
        created=m.get("created") if isinstance(m.get("created"), str) else now(),
        model_id=text.get("model"),
        provider=text.get("provider") if assistant else None,
        destination=text.get("destination") if assistant else None,
        status=status,
        input_tokens=int_or_none(usage.get("input_tokens")) if assistant else None,
        output_tokens=int_or_none(usage.get("output_tokens")) if assistant else None,
        cost_usd=_cost_text(m.get("cost_usd")) if assistant else None,
        sources=_imported_sources(m) if assistant else None,
        attachments=tuple(
            (i["file"], i.get("name") if isinstance(i.get("name"), str) else i["file"])
            for i in (m.get("images") if isinstance(m.get("images"), list) else [])
            if isinstance(i, dict) and isinstance(i.get("file"), str)
        ),
    )


def _imported_sources(m: dict) -> str | None:
    """messages.sources from an exported message's "sources" (and "source_details", when it
    has them for each); a source without a file or text is left out, not guessed."""
    raw = m.get("sources")
    if not isinstance(raw, list):
        return None
    details = m.get("source_details")
    if not isinstance(details, list) or len(details) != len(raw):
        details = [{}] * len(raw)
    kept = []
    for i, (source, detail) in enumerate(zip(raw, details, strict=True), start=1):
        if not isinstance(source, dict):
            continue
        file, page, text = (source.get(k) for k in SOURCE_KEYS)
        if not isinstance(file, str) or not isinstance(text, str):
            continue
        detail = detail if isinstance(detail, dict) else {}
        heading = detail.get("heading")
        kept.append(
            {
                "n": int_or_none(detail.get("n")) or i,
                "file": file,
                "page": int_or_none(page),
                "text": text,
                "heading": heading if isinstance(heading, str) else None,
                "start": int_or_none(detail.get("start")),
                "end": int_or_none(detail.get("end")),
            }
        )
    return json.dumps(kept, ensure_ascii=False) if kept else None
