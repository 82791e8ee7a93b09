"""Anthropic's Messages bodies in, Hearth's ServeCall out; Hearth's events out as Anthropic's
message object and its stream events (message_start, content_block_start, content_block_delta,
content_block_stop, message_delta, message_stop)."""

from __future__ import annotations

import json
from typing import Any

from app.core.chat import ChatMessage
from app.core.events import Usage
from app.core.images import ImagePart
from app.core.tools import ToolCall, ToolSpec
from app.server.common import number, stops
from app.server.wire_extras import anthropic_tool_choice, hearth_ask, image_part, offered_tools
from app.services.serve_gateway import ServeCall
from app.services.serving_errors import BadRequest

STOP_REASON = {"stop": "end_turn", "length": "max_tokens", "stopped": "end_turn"}


def _system(raw: Any) -> str:
    if raw is None:
        return ""
    if isinstance(raw, str):
        return raw
    if isinstance(raw, list):
        return "\n\n".join(_block_text(b) for b in raw)
    raise BadRequest("“system” must be text or a list of text blocks.")


def _block_text(block: Any) -> str:
    if (
        isinstance(block, dict)
        and block.get("type") == "text"
        and isinstance(block.get("text"), str)
    ):
        return block["text"]
    raise BadRequest("Only text and picture blocks are served here; documents are not.")


def _tool_result_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(_block_text(b) for b in content)
    return "" if content is None else json.dumps(content)


def _turns(message: dict) -> list[ChatMessage]:
    """One Anthropic message → Hearth messages (tool results become "tool" turns)."""
    role, content = message.get("role"), message.get("content")
    if role not in ("user", "assistant"):
        raise BadRequest(f"A message's role must be user or assistant, not {role!r}.")
    if isinstance(content, str):
        return [ChatMessage(role, content)]
    if not isinstance(content, list):
        raise BadRequest("A message's content must be text or a list of blocks.")
    texts: list[str] = []
    images: list[ImagePart] = []
    calls: list[ToolCall] = []
    results: list[ChatMessage] = []
    for block in content:
        kind = block.get("type") if isinstance(block, dict) else None
        if kind == "tool_use" and role == "assistant":
            arguments = json.dumps(block.get("input") or {})
            calls.append(
                ToolCall(
                    id=str(block.get("id") or ""),
                    name=str(block.get("name") or ""),
                    arguments=arguments,
                )
            )
        elif kind == "tool_result" and role == "user":
            results.append(
                ChatMessage(
                    "tool",
                    _tool_result_text(block.get("content")),
                    tool_call_id=str(block.get("tool_use_id") or ""),
                    is_error=bool(block.get("is_error")),
                )
            )
        elif kind == "image" and role == "user":
            images.append(_image(block.get("source")))
        elif kind in ("thinking", "redacted_thinking"):
            continue  # the model's own earlier thoughts are not sent back
        else:
            texts.append(_block_text(block))
    out = results[:]
    if texts or calls or images or not results:
        out.append(ChatMessage(role, "".join(texts), images=tuple(images), tool_calls=tuple(calls)))
    return out


def _image(source: Any) -> ImagePart:
    if not isinstance(source, dict) or source.get("type") != "base64":
        raise BadRequest(
            "Pictures must be sent inline (source type base64); this server does not fetch "
            "web addresses."
        )
    return image_part(str(source.get("media_type") or ""), str(source.get("data") or ""))


def messages(body: dict) -> tuple[ChatMessage, ...]:
    raw = body.get("messages")
    if not isinstance(raw, list) or not raw:
        raise BadRequest("“messages” must be a non-empty list.")
    out = []
    if system := _system(body.get("system")):
        out.append(ChatMessage("system", system))
    for m in raw:
        if not isinstance(m, dict):
            raise BadRequest("Each message must be an object.")
        out.extend(_turns(m))
    return tuple(out)


def tools(raw: Any) -> tuple[ToolSpec, ...]:
    if not raw:
        return ()
    if not isinstance(raw, list):
        raise BadRequest("“tools” must be a list.")
    specs = []
    for tool in raw:
        if not isinstance(tool, dict) or not isinstance(tool.get("name"), str):
            raise BadRequest("Each tool must have a name and an input_schema.")
        schema = tool.get("input_schema") or {"type": "object"}
        specs.append(ToolSpec(tool["name"], str(tool.get("description") or ""), schema))
    return tuple(specs)


def call(body: dict, *, need_max_tokens: bool = True) -> ServeCall:
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise BadRequest("“model” must name a model (GET /v1/models lists them).")
    max_tokens = number(body, "max_tokens", int, low=1)
    if need_max_tokens and max_tokens is None:
        raise BadRequest("“max_tokens” is required.")
    choice, named = anthropic_tool_choice(body.get("tool_choice"))
    return ServeCall(
        model=model,
        messages=messages(body),
        temperature=number(body, "temperature", low=0),
        top_p=number(body, "top_p", low=0),
        max_tokens=max_tokens,
        stop=stops(body.get("stop_sequences")),
        tools=offered_tools(tools(body.get("tools")), choice, named),
        tool_choice=choice,
        hearth=hearth_ask(body.get("hearth")),
    )


def usage_json(usage: Usage | None) -> dict[str, int]:
    return {
        "input_tokens": usage.input_tokens if usage else 0,
        "output_tokens": usage.output_tokens if usage else 0,
        "cache_read_input_tokens": usage.cached_tokens if usage else 0,
    }


def tool_use_block(call: ToolCall) -> dict[str, Any]:
    try:
        arguments = json.loads(call.arguments or "{}")
    except ValueError:
        arguments = {}
    return {"type": "tool_use", "id": call.id, "name": call.name, "input": arguments}


def message_json(
    mid: str, model: str, content: list, stop_reason: str | None, usage: Usage | None
) -> dict:
    return {
        "id": mid,
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": content,
        "stop_reason": stop_reason,
        "stop_sequence": None,
        "usage": usage_json(usage),
    }
