"""OpenAI's chat and completion bodies in, Hearth's ServeCall out; Hearth's events out as
OpenAI's chunks and objects."""

from __future__ import annotations

import json
from typing import Any

from app.core.chat import ChatMessage
from app.core.events import Usage
from app.core.images import ImagePart
from app.core.tools import ToolCall, ToolSpec
from app.server.common import number, stops
from app.server.wire_extras import data_url_image, hearth_ask, offered_tools, openai_tool_choice
from app.services.serve_gateway import ServeCall
from app.services.serving_errors import BadRequest

FINISH = {"stop": "stop", "length": "length", "stopped": "stop"}


def _content(content: Any, role: str) -> tuple[str, tuple[ImagePart, ...]]:
    """A message's text and its pictures (user turns only)."""
    if content is None:
        return "", ()
    if isinstance(content, str):
        return content, ()
    if not isinstance(content, list):
        raise BadRequest(f"A {role} message's content must be text or a list of parts.")
    parts, images = [], []
    for part in content:
        if not isinstance(part, dict):
            raise BadRequest(f"A {role} message's content parts must be objects.")
        kind = part.get("type")
        if kind == "text" and isinstance(part.get("text"), str):
            parts.append(part["text"])
        elif kind == "image_url" and role == "user":
            image_url = part.get("image_url")
            url = image_url.get("url") if isinstance(image_url, dict) else image_url
            images.append(data_url_image(url))
        else:
            allowed = "text parts and pictures" if role == "user" else "text parts"
            raise BadRequest(f"A {role} message may hold {allowed} only, not {kind!r}.")
    return "".join(parts), tuple(images)


def _tool_calls(raw: Any) -> tuple[ToolCall, ...]:
    if not raw:
        return ()
    calls = []
    for call in raw if isinstance(raw, list) else []:
        function = call.get("function") if isinstance(call, dict) else None
        if not isinstance(function, dict) or not isinstance(function.get("name"), str):
            raise BadRequest("An assistant message's tool_calls must each name a function.")
        arguments = function.get("arguments")
        calls.append(
            ToolCall(
                id=str(call.get("id") or ""),
                name=function["name"],
                arguments=arguments if isinstance(arguments, str) else json.dumps(arguments or {}),
            )
        )
    return tuple(calls)


def messages(raw: Any) -> tuple[ChatMessage, ...]:
    if not isinstance(raw, list) or not raw:
        raise BadRequest("“messages” must be a non-empty list.")
    out = []
    for m in raw:
        if not isinstance(m, dict):
            raise BadRequest("Each message must be an object.")
        role = m.get("role")
        if role == "developer":
            role = "system"
        if role not in ("system", "user", "assistant", "tool"):
            raise BadRequest(
                f"A message's role must be system, user, assistant or tool, not {role!r}."
            )
        text, images = _content(m.get("content"), role)
        out.append(
            ChatMessage(
                role=role,
                content=text,
                images=images,
                tool_calls=_tool_calls(m.get("tool_calls")) if role == "assistant" else (),
                tool_call_id=str(m.get("tool_call_id") or "") if role == "tool" else "",
                tool_name=str(m.get("name") or "") if role == "tool" else "",
            )
        )
    return tuple(out)


def tools(raw: Any) -> tuple[ToolSpec, ...]:
    if not raw:
        return ()
    if not isinstance(raw, list):
        raise BadRequest("“tools” must be a list.")
    specs = []
    for tool in raw:
        function = tool.get("function") if isinstance(tool, dict) else None
        if not isinstance(function, dict) or not isinstance(function.get("name"), str):
            raise BadRequest('Each tool must be {"type": "function", "function": {"name": …}}.')
        specs.append(
            ToolSpec(
                name=function["name"],
                description=str(function.get("description") or ""),
                parameters=function.get("parameters") or {"type": "object"},
            )
        )
    return tuple(specs)


def json_schema(raw: Any) -> dict | None:
    """response_format: {"type": "json_schema", "json_schema": {"name", "schema"}} → the schema
    wrapper; {"type": "json_object"} → any JSON object; "text" → None."""
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise BadRequest("“response_format” must be an object.")
    kind = raw.get("type")
    if kind in (None, "text"):
        return None
    if kind == "json_object":
        return {"name": "json_object", "schema": {"type": "object"}}
    if kind == "json_schema" and isinstance(raw.get("json_schema"), dict):
        wrapper = raw["json_schema"]
        if not isinstance(wrapper.get("schema", {}), dict):
            raise BadRequest("response_format.json_schema.schema must be a JSON Schema object.")
        return wrapper
    raise BadRequest("“response_format” must be text, json_object or json_schema.")


def _common(body: dict) -> dict[str, Any]:
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise BadRequest("“model” must name a model (GET /v1/models lists them).")
    max_tokens = number(body, "max_completion_tokens", int, low=1)
    if max_tokens is None:
        max_tokens = number(body, "max_tokens", int, low=1)
    return {
        "model": model,
        "temperature": number(body, "temperature", low=0),
        "top_p": number(body, "top_p", low=0),
        "max_tokens": max_tokens,
        "stop": stops(body.get("stop")),
        "seed": number(body, "seed", int),
    }


def chat_call(body: dict) -> ServeCall:
    choice, named = openai_tool_choice(body.get("tool_choice"))
    return ServeCall(
        messages=messages(body.get("messages")),
        json_schema=json_schema(body.get("response_format")),
        tools=offered_tools(tools(body.get("tools")), choice, named),
        tool_choice=choice,
        hearth=hearth_ask(body.get("hearth")),
        **_common(body),
    )


def completion_call(body: dict) -> ServeCall:
    prompt = body.get("prompt")
    if isinstance(prompt, list) and len(prompt) == 1 and isinstance(prompt[0], str):
        prompt = prompt[0]
    if not isinstance(prompt, str):
        raise BadRequest("“prompt” must be one text.")
    if body.get("hearth"):  # a raw prompt has no turn to put memories or passages in
        raise BadRequest(
            "The “hearth” field works with /v1/chat/completions and /v1/messages, "
            "not with /v1/completions."
        )
    return ServeCall(prompt=prompt, messages=(ChatMessage("user", prompt),), **_common(body))


def wants_usage(body: dict) -> bool:
    options = body.get("stream_options")
    return isinstance(options, dict) and bool(options.get("include_usage"))


def usage_json(usage: Usage | None) -> dict[str, int]:
    prompt = usage.input_tokens if usage else 0
    completion = usage.output_tokens if usage else 0
    out: dict[str, Any] = {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }
    if usage and usage.cached_tokens:
        out["prompt_tokens_details"] = {"cached_tokens": usage.cached_tokens}
    return out


def tool_call_json(call: ToolCall, index: int | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": call.id,
        "type": "function",
        "function": {"name": call.name, "arguments": call.arguments},
    }
    return out if index is None else {"index": index, **out}


def chunk(cid: str, created: int, model: str, delta: dict, finish: str | None = None) -> dict:
    return {
        "id": cid,
        "object": "chat.completion.chunk",
        "created": created,
        "model": model,
        "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
    }
