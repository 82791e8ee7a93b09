"""What an export writes: Hearth JSON (every branch of every conversation, with each reply's
cited sources, tool calls and pictures) and Markdown (the shown branch). Reading a file back is
app.services.transfer's."""

from __future__ import annotations

import json
from pathlib import Path

from app.core.images import ImageRef
from app.services.conversations import ConversationExport, conversation_markdown
from app.store.images import image_file
from app.store.store import now
from app.store.trees import ConversationTree

FORMAT = "hearth-export"
VERSION = 2  # 2 added message ids, parent ids and the shown head: every branch round-trips


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
        # The tool calls the reply made: [{id, name, arguments, result, is_error, status}].
        **({"tool_calls": json.loads(m.tool_calls)} if assistant and m.tool_calls else {}),
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
