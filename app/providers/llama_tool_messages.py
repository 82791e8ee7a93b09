"""Messages and tools as chat templates expect them (the shape Hugging Face's chat templates are
written for: OpenAI's messages, with a call's arguments as an object, not JSON text)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from app.core.chat import ChatMessage
from app.core.tools import ToolCall, ToolSpec


def tool_dicts(tools: Sequence[ToolSpec]) -> list[dict[str, Any]]:
    return [
        {
            "type": "function",
            "function": {"name": t.name, "description": t.description, "parameters": t.parameters},
        }
        for t in tools
    ]


def message_dict(m: ChatMessage, takes_tools: bool) -> dict[str, Any]:
    """One message for the template. A model that takes no tools still reads a conversation
    where another model called some: their results become plain user turns it can read."""
    if m.role == "tool":
        if not takes_tools:
            return {"role": "user", "content": f"(Result of the tool {m.tool_name}: {m.content})"}
        return {
            "role": "tool",
            "content": m.content,
            "tool_call_id": m.tool_call_id,
            "name": m.tool_name,
        }
    if m.tool_calls and takes_tools:
        return {
            "role": m.role,
            "content": m.content,
            "tool_calls": [_call_dict(c) for c in m.tool_calls],
        }
    return {"role": m.role, "content": m.content}


def _call_dict(call: ToolCall) -> dict[str, Any]:
    try:
        arguments = json.loads(call.arguments or "{}")
    except ValueError:
        arguments = {}
    return {
        "id": call.id,
        "type": "function",
        "function": {"name": call.name, "arguments": arguments},
    }
