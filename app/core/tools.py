"""Tools a model may call (from MCP servers), the calls it makes and their results, as every
backend sees them. Pure values; the servers are in app/tools, the loop in app/services/tool_loop."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class ToolSpec:
    """A tool as offered to a model: `parameters` is its JSON Schema (an object)."""

    name: str
    description: str = ""
    parameters: dict[str, Any] = field(default_factory=lambda: {"type": "object"})


@dataclass(frozen=True, slots=True)
class ToolCall:
    """The model asks to run a tool. `arguments` is the JSON text as the model wrote it
    (assembled from streamed fragments); `id` links the result back (Gemini has none: made up)."""

    id: str
    name: str
    arguments: str = "{}"
    # Opaque data the provider wants back with the call (Gemini's thoughtSignature).
    signature: str = ""

    def parsed_arguments(self) -> dict[str, Any]:
        """The arguments as an object; ValueError (in plain words) when they are not one."""
        try:
            value = json.loads(self.arguments or "{}")
        except ValueError as exc:
            raise ValueError(f"the arguments are not valid JSON ({exc})") from None
        if not isinstance(value, dict):
            raise ValueError("the arguments are not a JSON object")
        return value


@dataclass(frozen=True, slots=True)
class ToolOutcome:
    """What went back to the model for one call: the result text, or the error (denied, failed,
    timed out) with is_error set."""

    call: ToolCall
    content: str
    is_error: bool = False
    status: str = "ok"  # ok, error, denied, timeout, skipped

    def as_record(self) -> dict[str, Any]:
        """For the reply's stored tool calls (history, export)."""
        return {
            "id": self.call.id,
            "name": self.call.name,
            "arguments": self.call.arguments,
            "result": self.content,
            "is_error": self.is_error,
            "status": self.status,
        }
