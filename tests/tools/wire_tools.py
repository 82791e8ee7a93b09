"""Tool calls in each provider's streamed format, as their docs show them (split argument
fragments, parallel calls), built on tests/wire_servers.py's helpers."""

from __future__ import annotations

import json
from typing import Any

from tests.wire_servers import SseEvent, openai_usage

Call = tuple[str, str, dict]  # (id, name, arguments)


def pieces(text: str, size: int = 4) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)]


def openai_tool_events(
    calls: list[Call], *, text: str = "", prompt: int = 50, completion: int = 10
) -> list[SseEvent]:
    """OpenAI: the id and name in each call's first fragment, then its arguments in pieces;
    finish_reason "tool_calls", the usage chunk, [DONE]."""

    def chunk(delta: dict, finish: str | None = None) -> SseEvent:
        choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
        return (None, {"id": "chatcmpl-t", "object": "chat.completion.chunk", "choices": [choice]})

    events = [chunk({"role": "assistant", "content": None})]
    if text:
        events.append(chunk({"content": text}))
    for index, (call_id, name, arguments) in enumerate(calls):
        first = {"index": index, "id": call_id, "type": "function"}
        events.append(
            chunk({"tool_calls": [{**first, "function": {"name": name, "arguments": ""}}]})
        )
        for piece in pieces(json.dumps(arguments)):
            events.append(
                chunk({"tool_calls": [{"index": index, "function": {"arguments": piece}}]})
            )
    events.append(chunk({}, "tool_calls"))
    events.append(
        (None, {"id": "chatcmpl-t", "choices": [], "usage": openai_usage(prompt, completion)})
    )
    events.append((None, "[DONE]"))
    return events


def anthropic_tool_events(
    calls: list[Call], *, text: str = "", input_tokens: int = 40, output_tokens: int = 12
) -> list[SseEvent]:
    """Anthropic: a text block, then per call a tool_use block, input_json_delta pieces and
    content_block_stop; message_delta with stop_reason "tool_use"."""
    message = {
        "id": "msg_t",
        "type": "message",
        "role": "assistant",
        "content": [],
        "model": "claude-test",
        "stop_reason": None,
        "usage": {"input_tokens": input_tokens, "output_tokens": 1},
    }
    events: list[SseEvent] = [("message_start", {"type": "message_start", "message": message})]
    index = 0
    if text:
        events.append(_block_start(index, {"type": "text", "text": ""}))
        events.append(_block_delta(index, {"type": "text_delta", "text": text}))
        events.append(_block_stop(index))
        index += 1
    for call_id, name, arguments in calls:
        events.append(
            _block_start(index, {"type": "tool_use", "id": call_id, "name": name, "input": {}})
        )
        events.append(_block_delta(index, {"type": "input_json_delta", "partial_json": ""}))
        for piece in pieces(json.dumps(arguments)):
            events.append(_block_delta(index, {"type": "input_json_delta", "partial_json": piece}))
        events.append(_block_stop(index))
        index += 1
    events.append(
        (
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": "tool_use", "stop_sequence": None},
                "usage": {"output_tokens": output_tokens},
            },
        )
    )
    events.append(("message_stop", {"type": "message_stop"}))
    return events


def _block_start(index: int, block: dict) -> SseEvent:
    return (
        "content_block_start",
        {"type": "content_block_start", "index": index, "content_block": block},
    )


def _block_delta(index: int, delta: dict) -> SseEvent:
    return ("content_block_delta", {"type": "content_block_delta", "index": index, "delta": delta})


def _block_stop(index: int) -> SseEvent:
    return ("content_block_stop", {"type": "content_block_stop", "index": index})


def gemini_tool_events(
    calls: list[tuple[str, dict]], *, signature: str = "", prompt: int = 30, output: int = 8
) -> list[SseEvent]:
    """Gemini: the functionCall parts arrive whole, in one response, with finishReason STOP."""
    parts: list[dict[str, Any]] = []
    for i, (name, args) in enumerate(calls):
        part: dict[str, Any] = {"functionCall": {"name": name, "args": args}}
        if signature and i == 0:
            part["thoughtSignature"] = signature
        parts.append(part)
    usage = {
        "promptTokenCount": prompt,
        "candidatesTokenCount": output,
        "totalTokenCount": prompt + output,
    }
    candidate = {"content": {"parts": parts, "role": "model"}, "finishReason": "STOP", "index": 0}
    return [(None, {"candidates": [candidate], "usageMetadata": usage})]
