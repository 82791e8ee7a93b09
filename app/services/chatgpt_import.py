"""ChatGPT's data export: `conversations.json` (or the .zip around it) read into Hearth's
conversations, with every branch."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.services.import_common import (
    damaged,
    epoch_to_iso,
    int_or_none,
    title_from_messages,
)
from app.store.store import now
from app.store.trees import ImportedConversation, ImportedMessage

CHATGPT = "chatgpt"
CHATGPT_WHERE = "sent to ChatGPT"


def chatgpt_list(document: Any) -> list | None:
    """The list of ChatGPT conversations, whichever wrapping the export used; None if not it."""
    if isinstance(document, dict) and isinstance(document.get("conversations"), list):
        document = document["conversations"]
    elif isinstance(document, dict) and "mapping" in document:
        document = [document]  # one conversation on its own
    if not isinstance(document, list) or not document:
        return None
    looks_right = any(isinstance(c, dict) and "mapping" in c for c in document)
    return document if looks_right else None


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
    attachments: tuple[tuple[str, str], ...] = ()  # (asset id, name) of the pictures in it


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
            attached = tuple(a for p in run.parts for a in p.attachments)
            return ImportedMessage(key, run.parent_key, "user", text, created, attachments=attached)
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
        raise damaged(index, "it is not a conversation")
    reader = _TreeReader(conv, index)
    reader.read()
    messages = reader.messages
    stamps = [m.created for m in messages]
    created = epoch_to_iso(conv.get("create_time")) or (min(stamps) if stamps else now())
    updated = epoch_to_iso(conv.get("update_time")) or (max(stamps) if stamps else created)
    title = _str(conv.get("title")) or title_from_messages(messages)
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
        raise damaged(index, "its message tree (mapping) is missing")
    checked: dict[str, dict] = {}
    for node_id, node in mapping.items():
        if not isinstance(node, dict):
            raise damaged(index, "a node of its message tree is not an object")
        children = node.get("children") or []
        if not isinstance(children, list) or not all(isinstance(c, str) for c in children):
            raise damaged(index, "a node's list of replies is not a list")
        message = node.get("message")
        if message is not None and not isinstance(message, dict):
            raise damaged(index, "a message is not an object")
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
        attachments=_attachments(content) if role == "user" else (),
    )


def _attachments(content: dict) -> tuple[tuple[str, str], ...]:
    """The pictures a user message carries: (asset id, name). The data export's .zip holds each
    as a file whose name starts with the id."""
    found = []
    for part in _list(content.get("parts")):
        if isinstance(part, dict) and part.get("content_type") == "image_asset_pointer":
            asset = _str(part.get("asset_pointer")).split("://", 1)[-1]
            if asset:
                found.append((asset, asset))
    return tuple(found)


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
    width, height = int_or_none(part.get("width")), int_or_none(part.get("height"))
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
