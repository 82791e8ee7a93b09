"""Export and import conversations: Hearth JSON (every branch), Markdown, ChatGPT's export.

Import reads the whole file first, then writes it in one transaction: a damaged file is refused
in plain words and nothing is imported half-way. The format is told by the content, never by the
file name: Hearth's own export, ChatGPT's `conversations.json`, or the ChatGPT export .zip.
"""

from __future__ import annotations

import io
import json
import math
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from app.core.errors import HearthError
from app.services.chat import title_from
from app.services.conversations import ConversationExport, conversation_markdown
from app.services.worker import DbWorker
from app.store import history as store_history
from app.store.history import ConversationTree, ImportedConversation, ImportedMessage
from app.store.store import now

FORMAT = "hearth-export"
VERSION = 2  # 2 added message ids, parent ids and the shown head: every branch round-trips
KNOWN_VERSIONS = (1, 2)
ROLES = ("user", "assistant", "system", "tool")
STATUSES = ("complete", "stopped", "interrupted", "error")
UNTITLED = "Imported chat"
CHATGPT = "chatgpt"
CHATGPT_WHERE = "sent to ChatGPT"
ZIP_MAGIC = b"PK\x03\x04"
NOTHING_IMPORTED = "Nothing was imported."


class ImportFailed(HearthError):
    action = NOTHING_IMPORTED


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
        return await self._db.call(store_history.conversation_trees, conversation_ids)

    async def export(self, *, conversation_ids: list[int] | None, format: str = "json") -> str:
        """The given conversations (None: all) as Hearth JSON with branches, or Markdown."""
        trees = await self.trees(conversation_ids=conversation_ids)
        return export_json(trees) if format == "json" else export_markdown(trees)

    async def import_file(self, *, path: str | Path) -> ImportSummary:
        try:
            raw = Path(path).expanduser().read_bytes()
        except FileNotFoundError:
            raise ImportFailed(f"There is no file at {path}.") from None
        except OSError as exc:
            raise ImportFailed(f"The file {path} could not be read ({exc.strerror}).") from None
        return await self.import_bytes(data=raw)

    async def import_bytes(self, *, data: bytes) -> ImportSummary:
        kind, items = parse_export(data)
        # Conversations with nothing to show are not worth a row; they count as skipped.
        kept = [i for i in items if i.messages]
        result = await self._db.call(store_history.write_imported, kept)
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
    conversations = _chatgpt_list(document)
    if conversations is not None:
        return CHATGPT, chatgpt_conversations(conversations)
    raise ImportFailed(
        "This file is neither a Hearth export nor ChatGPT's conversations.json.",
        action=f"{NOTHING_IMPORTED} Choose the conversations.json from your ChatGPT data "
        "export, or a file made with Hearth's Export.",
    )


def _unzip(data: bytes) -> bytes:
    """ChatGPT's data export arrives as a .zip: read its conversations.json."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = [n for n in archive.namelist() if n.rsplit("/", 1)[-1] == "conversations.json"]
            if not names:
                raise ImportFailed("This .zip file has no conversations.json in it.")
            return archive.read(min(names, key=len))
    except (zipfile.BadZipFile, EOFError, OSError) as exc:
        raise ImportFailed("This .zip file is damaged or incomplete.") from exc


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


def _chatgpt_list(document: Any) -> list | None:
    """The list of ChatGPT conversations, whichever wrapping the export used; None if not it."""
    if isinstance(document, dict) and isinstance(document.get("conversations"), list):
        document = document["conversations"]
    elif isinstance(document, dict) and "mapping" in document:
        document = [document]  # one conversation on its own
    if not isinstance(document, list) or not document:
        return None
    looks_right = any(isinstance(c, dict) and "mapping" in c for c in document)
    return document if looks_right else None


def _damaged(index: int, what: str) -> ImportFailed:
    return ImportFailed(f"Conversation {index + 1} in this file is damaged: {what}.")


# -- small readers shared by both formats ---------------------------------------------------------


def epoch_to_iso(value: Any) -> str | None:
    """A ChatGPT time (seconds since 1970, or ISO text in some exports) as Hearth's UTC text."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str):
        try:
            stamp = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        stamp = stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)
        return stamp.astimezone(UTC).isoformat(timespec="microseconds")
    if isinstance(value, int | float) and math.isfinite(value) and 0 < value < 32_503_680_000:
        return datetime.fromtimestamp(value, UTC).isoformat(timespec="microseconds")
    return None


def _int_or_none(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


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
        raise _damaged(index, "it has no list of messages")
    messages = _hearth_tree([_hearth_message(m, index) for m in conv["messages"]], index)
    created = conv.get("created") if isinstance(conv.get("created"), str) else None
    stamps = [m.created for m in messages]
    created = created or (min(stamps) if stamps else now())
    updated = conv.get("updated") if isinstance(conv.get("updated"), str) else None
    head = conv.get("head_message_id", conv.get("current_message_id"))
    title = conv.get("title") if isinstance(conv.get("title"), str) else ""
    prompt = conv.get("system_prompt")
    return ImportedConversation(
        title=title.strip() or _title_from_messages(messages),
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
        raise _damaged(index, "a message has no role (user or assistant)")
    if not isinstance(m.get("content"), str):
        raise _damaged(index, "a message has no text")
    return m


def _hearth_tree(raw: list[dict], index: int) -> list[ImportedMessage]:
    """Messages with parents placed first. Version 1 files (no ids) are one linear chain."""
    has_ids = all("id" in m for m in raw)
    keys = [str(m["id"]) if has_ids else str(i) for i, m in enumerate(raw)]
    if len(set(keys)) != len(keys):
        raise _damaged(index, "two messages share one id")
    parents: dict[str, str | None] = {}
    for i, (key, m) in enumerate(zip(keys, raw, strict=True)):
        if has_ids and "parent_id" in m:
            parent = m["parent_id"]
            parents[key] = None if parent is None else str(parent)
        else:
            parents[key] = keys[i - 1] if i else None
        if parents[key] is not None and parents[key] not in keys:
            raise _damaged(index, "a message answers one that is not in the file")
    by_key = dict(zip(keys, raw, strict=True))
    ordered = _parents_first(keys, parents, index)
    return [_hearth_imported(k, parents[k], by_key[k]) for k in ordered]


def _parents_first(keys: list[str], parents: dict[str, str | None], index: int) -> list[str]:
    placed: dict[str, None] = {}
    for key in keys:
        path, current = [], key
        while current is not None and current not in placed:
            if current in path:
                raise _damaged(index, "its messages answer each other in a circle")
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
        input_tokens=_int_or_none(usage.get("input_tokens")) if assistant else None,
        output_tokens=_int_or_none(usage.get("output_tokens")) if assistant else None,
        cost_usd=_cost_text(m.get("cost_usd")) if assistant else None,
    )


def _title_from_messages(messages: list[ImportedMessage]) -> str:
    first = next((m.content for m in messages if m.role == "user" and m.content.strip()), "")
    return title_from(first) if first.strip() else UNTITLED


# -- ChatGPT conversations.json -------------------------------------------------------------------


# The export is a tree per conversation: `mapping` {node id: {message | null, parent,
# children}}, `current_node` the end of the branch that was shown. Consecutive visible nodes of
# one side (the user's, or the assistant's with its tools) become one Hearth message, so a turn
# that ran code reads as one reply: code, output, then the answer.

# Content the ChatGPT window never shows: reasoning, custom instructions, memory context.
HIDDEN_CONTENT = {
    "thoughts",
    "reasoning_recap",
    "user_editable_context",
    "model_editable_context",
}
STATUS_FROM_CHATGPT = {
    "finished_successfully": "complete",
    "finished_partial_completion": "stopped",
    "in_progress": "interrupted",
}


def chatgpt_conversations(conversations: list) -> list[ImportedConversation]:
    return [_chatgpt_conversation(c, i) for i, c in enumerate(conversations)]


@dataclass(frozen=True, slots=True)
class _Visible:
    """One node as shown in ChatGPT's window."""

    side: str  # "user" or "assistant" (tools answer on the assistant's side)
    text: str
    created: str | None
    model: str | None
    status: str


@dataclass(frozen=True, slots=True)
class _Run:
    """Consecutive visible nodes of one side on a path: they become one Hearth message."""

    side: str
    nodes: tuple[str, ...]
    parts: tuple[_Visible, ...]
    parent_key: str | None

    def extended(self, node_id: str, part: _Visible) -> _Run:
        return _Run(self.side, (*self.nodes, node_id), (*self.parts, part), self.parent_key)


class _TreeReader:
    """Walks one conversation's mapping and emits Hearth messages, parents first."""

    def __init__(self, conv: dict, index: int) -> None:
        self.index = index
        self.mapping = _checked_mapping(conv.get("mapping"), index)
        self.default_model = _str(conv.get("default_model_slug"))
        self.fallback_time = epoch_to_iso(conv.get("create_time")) or epoch_to_iso(
            conv.get("update_time")
        )
        self.messages: list[ImportedMessage] = []
        self._emitted: dict[tuple[str, ...], str] = {}
        self._last_of: dict[str, str] = {}  # node id -> key of the message that ends with it
        self._member_of: dict[str, str] = {}
        self._created: dict[str, str] = {}

    def read(self) -> None:
        roots = [k for k, n in self.mapping.items() if n["parent"] not in self.mapping]
        stack: list[tuple[str, _Run | None]] = [(r, None) for r in reversed(roots)]
        visited: set[str] = set()
        while stack:
            node_id, run = stack.pop()
            if node_id in visited:  # a node listed twice, or a loop: read it once
                continue
            visited.add(node_id)
            run = self._step(node_id, run)
            children = [c for c in self.mapping[node_id]["children"] if c in self.mapping]
            if not children and run is not None:
                self._emit(run)
            stack.extend((c, run) for c in reversed(children))

    def _step(self, node_id: str, run: _Run | None) -> _Run | None:
        part = _visible(self.mapping[node_id].get("message"), self.index)
        if part is None:
            return run  # hidden nodes are transparent: their children continue the run
        if run is not None and run.side == part.side:
            return run.extended(node_id, part)
        parent_key = self._emit(run) if run is not None else None
        return _Run(part.side, (node_id,), (part,), parent_key)

    def _emit(self, run: _Run) -> str:
        """The message for this run (made once, even if several paths reach it)."""
        if run.nodes in self._emitted:
            return self._emitted[run.nodes]
        key = f"m{len(self.messages)}"
        self._emitted[run.nodes] = key
        self._last_of[run.nodes[-1]] = key
        for node_id in run.nodes:
            self._member_of.setdefault(node_id, key)
        self.messages.append(self._message(key, run))
        return key

    def _message(self, key: str, run: _Run) -> ImportedMessage:
        inherited = self._created.get(run.parent_key) if run.parent_key else None
        created = next((p.created for p in run.parts if p.created), None)
        created = created or inherited or self.fallback_time or now()
        self._created[key] = created
        text = "\n\n".join(p.text for p in run.parts)
        if run.side == "user":
            return ImportedMessage(key, run.parent_key, "user", text, created)
        model = next((p.model for p in reversed(run.parts) if p.model), self.default_model)
        return ImportedMessage(
            key,
            run.parent_key,
            "assistant",
            text,
            created,
            model_id=f"{CHATGPT}:{model}" if model else CHATGPT,
            provider=CHATGPT,
            destination=CHATGPT_WHERE,
            status=run.parts[-1].status,
        )

    def head_key(self, current_node: Any) -> str | None:
        """The message that ends the shown branch: walk up from current_node to the first node
        that is part of a message. Without a usable current_node, the newest branch."""
        node_id = current_node if current_node in self.mapping else self._newest_leaf()
        seen: set[str] = set()
        while node_id in self.mapping and node_id not in seen:
            seen.add(node_id)
            if node_id in self._last_of:
                return self._last_of[node_id]
            if node_id in self._member_of:
                return self._member_of[node_id]
            node_id = self.mapping[node_id]["parent"]
        return None

    def _newest_leaf(self) -> str | None:
        """ChatGPT lists an edit or regeneration after the original: follow the last child."""
        roots = [k for k, n in self.mapping.items() if n["parent"] not in self.mapping]
        node_id, seen = (roots[-1] if roots else None), set()
        while node_id is not None and node_id not in seen:
            seen.add(node_id)
            children = [c for c in self.mapping[node_id]["children"] if c in self.mapping]
            if not children:
                return node_id
            node_id = children[-1]
        return node_id


def _chatgpt_conversation(conv: Any, index: int) -> ImportedConversation:
    if not isinstance(conv, dict):
        raise _damaged(index, "it is not a conversation")
    reader = _TreeReader(conv, index)
    reader.read()
    messages = reader.messages
    stamps = [m.created for m in messages]
    created = epoch_to_iso(conv.get("create_time")) or (min(stamps) if stamps else now())
    updated = epoch_to_iso(conv.get("update_time")) or (max(stamps) if stamps else created)
    title = _str(conv.get("title")) or _title_from_messages(messages)
    source_id = _str(conv.get("conversation_id")) or _str(conv.get("id"))
    return ImportedConversation(
        title=title,
        created=created,
        updated=max(updated, created),
        messages=messages,
        head_key=reader.head_key(conv.get("current_node")),
        source=f"{CHATGPT}:{source_id}" if source_id else None,
        pinned=bool(conv.get("pinned_time")) or conv.get("is_starred") is True,
    )


def _str(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _checked_mapping(mapping: Any, index: int) -> dict[str, dict]:
    """The node tree, with `parent` and `children` made safe to follow; refuses a tree that is
    not one (a list, nodes that are not objects, children that are not a list)."""
    if not isinstance(mapping, dict):
        raise _damaged(index, "its message tree (mapping) is missing")
    checked: dict[str, dict] = {}
    for node_id, node in mapping.items():
        if not isinstance(node, dict):
            raise _damaged(index, "a node of its message tree is not an object")
        children = node.get("children") or []
        if not isinstance(children, list) or not all(isinstance(c, str) for c in children):
            raise _damaged(index, "a node's list of replies is not a list")
        message = node.get("message")
        if message is not None and not isinstance(message, dict):
            raise _damaged(index, "a message is not an object")
        parent = node.get("parent")
        checked[node_id] = {
            "parent": parent if isinstance(parent, str) and parent != node_id else None,
            "children": [c for c in children if c != node_id],
            "message": message,
        }
    return checked


def _visible(message: dict | None, index: int) -> _Visible | None:
    """The node as the ChatGPT window shows it, or None for what it hides."""
    if not message:
        return None
    author = message.get("author") if isinstance(message.get("author"), dict) else {}
    role = author.get("role")
    meta = message.get("metadata") if isinstance(message.get("metadata"), dict) else {}
    content = message.get("content") if isinstance(message.get("content"), dict) else {}
    recipient = message.get("recipient") or "all"
    if (
        role not in ("user", "assistant", "tool")  # system prompts, unknown authors
        or meta.get("is_visually_hidden_from_conversation")
        or message.get("weight") == 0
        or content.get("content_type") in HIDDEN_CONTENT
        # An assistant's call to a tool (web search, image generation) is plumbing, except code
        # it runs in Python, which the window shows.
        or (role == "assistant" and recipient != "all" and not str(recipient).startswith("python"))
    ):
        return None
    text = render_content(content).strip()
    if not text:
        return None
    return _Visible(
        side="user" if role == "user" else "assistant",
        text=text,
        created=epoch_to_iso(message.get("create_time")),
        model=_str(meta.get("model_slug")) or None,
        status=STATUS_FROM_CHATGPT.get(message.get("status"), "complete"),
    )


def render_content(content: dict) -> str:
    """Readable text for each kind of content; images and files become placeholders."""
    kind = content.get("content_type")
    if kind in ("text", "multimodal_text"):
        return "\n\n".join(filter(None, (_part_text(p) for p in _list(content.get("parts")))))
    if kind == "code":
        language = _str(content.get("language"))
        language = "" if language == "unknown" else language
        return f"```{language}\n{_str_raw(content.get('text')).rstrip()}\n```"
    if kind == "execution_output":
        output = _str_raw(content.get("text")).rstrip()
        return f"Output:\n```\n{output}\n```" if output else ""
    if kind == "tether_browsing_display":
        found = _str(content.get("result")) or _str(content.get("summary"))
        return f"Browsing result:\n{found}" if found else ""
    if kind == "tether_quote":
        return _quote(content)
    if kind == "system_error":
        return f"[Error: {_str(content.get('text')) or _str(content.get('name'))}]"
    # Kinds added after this was written: keep whatever text they carry.
    if isinstance(content.get("parts"), list):
        return "\n\n".join(filter(None, (_part_text(p) for p in content["parts"])))
    return _str(content.get("text"))


def _quote(content: dict) -> str:
    text = _str(content.get("text"))
    source = " ".join(x for x in (_str(content.get("title")), _str(content.get("url"))) if x)
    quoted = "\n".join(f"> {line}" for line in text.splitlines())
    return f"{quoted}\n\n— {source}" if quoted and source else quoted


def _part_text(part: Any) -> str:
    if isinstance(part, str):
        return part.strip()
    if not isinstance(part, dict):
        return ""
    kind = part.get("content_type")
    if kind == "image_asset_pointer":
        return _image_placeholder(part)
    if kind == "audio_transcription":
        return _str(part.get("text"))
    if kind in ("audio_asset_pointer", "real_time_user_audio_video_asset_pointer"):
        return "[Audio]"
    return _str(part.get("text")) or "[Attachment]"


def _image_placeholder(part: dict) -> str:
    meta = part.get("metadata") if isinstance(part.get("metadata"), dict) else {}
    dalle = meta.get("dalle") if isinstance(meta.get("dalle"), dict) else {}
    width, height = _int_or_none(part.get("width")), _int_or_none(part.get("height"))
    size = f", {width}×{height}" if width and height else ""
    name = _str(part.get("asset_pointer")).split("://", 1)[-1]
    prompt = _str(dalle.get("prompt"))
    if prompt:
        return f"[Generated image{size}: “{prompt}”]"
    return f"[Image{': ' + name if name else ''}{size} — not included in the import]"


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _str_raw(value: Any) -> str:
    """Text kept as it is (code keeps its indentation)."""
    return value if isinstance(value, str) else ""
