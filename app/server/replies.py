"""A served reply's events gathered into one answer (the non-streaming forms of both APIs)."""

from __future__ import annotations

from dataclasses import dataclass, field

from app.core.errors import HearthError
from app.core.events import Done, Error, TextDelta, Usage
from app.core.tools import ToolCall
from app.services.serve_gateway import ServedReply


@dataclass
class Gathered:
    text: str = ""
    tool_calls: list[ToolCall] = field(default_factory=list)
    usage: Usage | None = None
    finish: str = "stop"
    error: HearthError | None = None


async def gather(reply: ServedReply) -> Gathered:
    out = Gathered()
    parts: list[str] = []
    async for event in reply.events():
        if isinstance(event, TextDelta):
            parts.append(event.text)
        elif isinstance(event, ToolCall):
            out.tool_calls.append(event)
        elif isinstance(event, Usage):
            out.usage = event
        elif isinstance(event, Done):
            out.finish = event.finish_reason
        elif isinstance(event, Error):
            out.error = event.error
    out.text = "".join(parts)
    return out
