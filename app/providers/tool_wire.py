"""Tools, tool calls and tool results in each wire format's own shape, as its provider documents
it (the parsers in openai_compat, anthropic and gemini use the assemblers here).

- OpenAI Chat Completions (platform.openai.com/docs/guides/function-calling): the request's
  `tools` are `{"type": "function", "function": {name, description, parameters}}`; the stream's
  `delta.tool_calls[]` carry an `index`, the `id` and name in the first fragment and the
  `arguments` JSON text in pieces; several indexes are parallel calls. The calls go back as the
  assistant message's `tool_calls` and each result as a `{"role": "tool", "tool_call_id"}`
  message.
- Anthropic Messages (docs.anthropic.com/en/docs/build-with-claude/tool-use): `tools` are
  `{name, description, input_schema}`; a `tool_use` content block (id, name) is followed by
  `input_json_delta` deltas (`partial_json`) and closed by `content_block_stop`. Results go back
  in the next user turn as `tool_result` blocks (`tool_use_id`, `content`, `is_error`).
- Gemini (ai.google.dev/gemini-api/docs/function-calling): `tools` are `[{"functionDeclarations":
  [...]}]` with an OpenAPI subset of JSON Schema; a `functionCall` part arrives whole (name,
  args, sometimes an id, and a `thoughtSignature` that must be sent back with it); results go
  back as `functionResponse` parts (name, id, `response`).
"""

from __future__ import annotations

import json
from typing import Any

from app.core.chat import ChatMessage
from app.core.tools import ToolCall, ToolSpec

# -- OpenAI ------------------------------------------------------------------------------------


def openai_tools(tools: tuple[ToolSpec, ...]) -> list[dict[str, Any]]:
    return [
        {
            "type": "function",
            "function": {"name": t.name, "description": t.description, "parameters": t.parameters},
        }
        for t in tools
    ]


def openai_tool_message(m: ChatMessage) -> dict[str, Any] | None:
    """A tool turn or an assistant turn with calls; None for every other message."""
    if m.role == "tool":
        return {"role": "tool", "tool_call_id": m.tool_call_id, "content": m.content}
    if m.tool_calls:
        return {
            "role": "assistant",
            "content": m.content or None,
            "tool_calls": [
                {
                    "id": c.id,
                    "type": "function",
                    "function": {"name": c.name, "arguments": c.arguments or "{}"},
                }
                for c in m.tool_calls
            ],
        }
    return None


class OpenAIToolCalls:
    """Assembles streamed `delta.tool_calls` fragments, by index, into whole calls."""

    def __init__(self) -> None:
        self._calls: dict[int, dict[str, Any]] = {}

    def feed(self, fragments: Any) -> int:
        """Add one delta's fragments; returns the number of characters they carried."""
        chars = 0
        for fragment in fragments if isinstance(fragments, list) else []:
            if not isinstance(fragment, dict):
                continue
            index = fragment.get("index", len(self._calls))
            call = self._calls.setdefault(index, {"id": "", "name": "", "arguments": []})
            if fragment.get("id"):
                call["id"] = fragment["id"]
            function = fragment.get("function") or {}
            if isinstance(function.get("name"), str):
                call["name"] += function["name"]
                chars += len(function["name"])
            if isinstance(function.get("arguments"), str):
                call["arguments"].append(function["arguments"])
                chars += len(function["arguments"])
        return chars

    def take(self) -> list[ToolCall]:
        """The whole calls, in index order (then forgotten)."""
        calls = [
            ToolCall(
                id=c["id"] or f"call_{index}",
                name=c["name"],
                arguments="".join(c["arguments"]) or "{}",
            )
            for index, c in sorted(self._calls.items())
            if c["name"]
        ]
        self._calls.clear()
        return calls


# -- Anthropic ---------------------------------------------------------------------------------


def anthropic_tools(tools: tuple[ToolSpec, ...]) -> list[dict[str, Any]]:
    return [
        {"name": t.name, "description": t.description, "input_schema": t.parameters} for t in tools
    ]


def anthropic_tool_blocks(m: ChatMessage) -> list[dict[str, Any]] | None:
    """A tool turn's `tool_result` block, or an assistant turn's text and `tool_use` blocks."""
    if m.role == "tool":
        return [
            {
                "type": "tool_result",
                "tool_use_id": m.tool_call_id,
                "content": m.content,
                "is_error": m.is_error,
            }
        ]
    if m.tool_calls:
        blocks: list[dict[str, Any]] = [{"type": "text", "text": m.content}] if m.content else []
        for c in m.tool_calls:
            blocks.append({"type": "tool_use", "id": c.id, "name": c.name, "input": _object(c)})
        return blocks
    return None


class AnthropicToolUse:
    """A `tool_use` block being streamed: its `input_json_delta` pieces, by block index."""

    def __init__(self) -> None:
        self._open: dict[int, tuple[str, str, list[str]]] = {}

    def start(self, index: int, block: dict) -> None:
        self._open[index] = (str(block.get("id") or ""), str(block.get("name") or ""), [])

    def delta(self, index: int, partial: Any) -> int:
        if index in self._open and isinstance(partial, str):
            self._open[index][2].append(partial)
            return len(partial)
        return 0

    def stop(self, index: int) -> ToolCall | None:
        if index not in self._open:
            return None
        call_id, name, pieces = self._open.pop(index)
        return ToolCall(
            id=call_id or f"toolu_{index}", name=name, arguments="".join(pieces) or "{}"
        )


# -- Gemini ------------------------------------------------------------------------------------

# The JSON Schema keywords Gemini's Schema object takes; others are refused with a 400.
_GEMINI_SCHEMA_KEYS = {
    "type", "format", "description", "nullable", "enum", "properties", "required", "items",
    "minItems", "maxItems", "minimum", "maximum", "anyOf", "propertyOrdering", "title",
}  # fmt: skip
SYNTHETIC_ID = "gemini-call-"


def gemini_schema(schema: Any) -> Any:
    if isinstance(schema, list):
        return [gemini_schema(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    kept: dict[str, Any] = {}
    for key, value in schema.items():
        if key not in _GEMINI_SCHEMA_KEYS:
            continue
        if key == "properties" and isinstance(value, dict):
            kept[key] = {name: gemini_schema(sub) for name, sub in value.items()}
        elif key == "type" and isinstance(value, list):  # ["string", "null"]
            types = [t for t in value if t != "null"]
            kept[key] = types[0] if types else "string"
            if "null" in value:
                kept["nullable"] = True
        else:
            kept[key] = gemini_schema(value)
    return kept


def gemini_tools(tools: tuple[ToolSpec, ...]) -> list[dict[str, Any]]:
    declarations = []
    for t in tools:
        declaration: dict[str, Any] = {"name": t.name, "description": t.description}
        if (t.parameters or {}).get("properties"):
            declaration["parameters"] = gemini_schema(t.parameters)
        declarations.append(declaration)
    return [{"functionDeclarations": declarations}]


def gemini_tool_parts(m: ChatMessage) -> list[dict[str, Any]] | None:
    if m.role == "tool":
        response: dict[str, Any] = {"name": m.tool_name, "response": {}}
        response["response"]["error" if m.is_error else "result"] = m.content
        if m.tool_call_id and not m.tool_call_id.startswith(SYNTHETIC_ID):
            response["id"] = m.tool_call_id
        return [{"functionResponse": response}]
    if m.tool_calls:
        parts: list[dict[str, Any]] = [{"text": m.content}] if m.content else []
        for c in m.tool_calls:
            call: dict[str, Any] = {"name": c.name, "args": _object(c)}
            if not c.id.startswith(SYNTHETIC_ID):
                call["id"] = c.id
            part: dict[str, Any] = {"functionCall": call}
            if c.signature:
                part["thoughtSignature"] = c.signature
            parts.append(part)
        return parts
    return None


def gemini_call(part: dict, number: int) -> ToolCall | None:
    call = part.get("functionCall")
    if not isinstance(call, dict) or not isinstance(call.get("name"), str):
        return None
    return ToolCall(
        id=str(call.get("id") or f"{SYNTHETIC_ID}{number}"),
        name=call["name"],
        arguments=json.dumps(call.get("args") or {}, ensure_ascii=False),
        signature=str(part.get("thoughtSignature") or ""),
    )


def _object(call: ToolCall) -> dict[str, Any]:
    try:
        return call.parsed_arguments()
    except ValueError:
        return {}
