"""The OpenAI-compatible routes: models, chat completions, completions, embeddings."""

from __future__ import annotations

import base64
import struct
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from app.core.context import estimate_tokens
from app.core.events import Done, Error, TextDelta, Usage
from app.core.tools import ToolCall
from app.server import wire_openai as wire
from app.server.common import (
    SSE_HEADERS,
    error_response,
    meter_for,
    new_id,
    now,
    read_json,
    sse,
    unless_disconnected,
)
from app.server.errors import openai_body
from app.server.replies import gather
from app.services.serve_gateway import ServedReply
from app.services.serving_errors import BadRequest, NotForThisModel

if TYPE_CHECKING:
    from app.services.serving import ServerService


def routes(service: ServerService) -> list[Route]:
    gateway = service.gateway

    async def list_models(request: Request) -> Response:
        created = now()
        models = await gateway.offered() + await gateway.embedding_models()
        data = [
            {"id": m.id, "object": "model", "created": created, "owned_by": m.provider}
            for m in models
        ]
        return JSONResponse({"object": "list", "data": data})

    async def chat_completions(request: Request) -> Response:
        meter = meter_for(request, "/v1/chat/completions")
        try:
            body = await read_json(request)
            call = wire.chat_call(body)
            reply = await gateway.open(call, meter)
        except Exception as err:
            await _refused(gateway, meter, err)
            return error_response(err, request.url.path)
        headers = _budget_header(reply)
        if body.get("stream"):
            meter.streamed = True
            stream = _chat_stream(reply, call.model, include_usage=wire.wants_usage(body))
            return StreamingResponse(
                stream,
                media_type="text/event-stream",
                headers=SSE_HEADERS | headers,
                background=BackgroundTask(reply.close),  # also when the stream never started
            )
        got = await unless_disconnected(request, gather(reply))
        if got is None:
            await reply.close()
            return Response(status_code=499)
        if got.error is not None and not got.text and not got.tool_calls:
            return error_response(got.error, request.url.path)
        message: dict = {"role": "assistant", "content": got.text or None, "refusal": None}
        if got.tool_calls:
            message["tool_calls"] = [wire.tool_call_json(c) for c in got.tool_calls]
        finish = "tool_calls" if got.tool_calls else wire.FINISH.get(got.finish, "stop")
        answer = {
            "id": new_id("chatcmpl-"),
            "object": "chat.completion",
            "created": now(),
            "model": call.model,
            "choices": [
                {"index": 0, "message": message, "logprobs": None, "finish_reason": finish}
            ],
            "usage": wire.usage_json(got.usage),
        }
        if (info := reply.hearth_info()) is not None:
            answer["hearth"] = info
        return JSONResponse(answer, headers=headers)

    async def completions(request: Request) -> Response:
        meter = meter_for(request, "/v1/completions")
        try:
            body = await read_json(request)
            call = wire.completion_call(body)
            model = await gateway.resolve(call.model)
            if model.provider != "local":
                raise NotForThisModel(
                    "/v1/completions is for models on this computer; use /v1/chat/completions "
                    "for cloud models."
                )
            reply = await gateway.open(call, meter)
        except Exception as err:
            await _refused(gateway, meter, err)
            return error_response(err, request.url.path)
        if body.get("stream"):
            meter.streamed = True
            stream = _completion_stream(reply, call.model, include_usage=wire.wants_usage(body))
            return StreamingResponse(
                stream,
                media_type="text/event-stream",
                headers=SSE_HEADERS,
                background=BackgroundTask(reply.close),
            )
        got = await unless_disconnected(request, gather(reply))
        if got is None:
            await reply.close()
            return Response(status_code=499)
        if got.error is not None and not got.text:
            return error_response(got.error, request.url.path)
        return JSONResponse(
            {
                "id": new_id("cmpl-"),
                "object": "text_completion",
                "created": now(),
                "model": call.model,
                "choices": [
                    {
                        "index": 0,
                        "text": got.text,
                        "logprobs": None,
                        "finish_reason": wire.FINISH.get(got.finish, "stop"),
                    }
                ],
                "usage": wire.usage_json(got.usage),
            }
        )

    async def embeddings(request: Request) -> Response:
        meter = meter_for(request, "/v1/embeddings")
        try:
            body = await read_json(request)
            texts = _embedding_inputs(body.get("input"))
            name = body.get("model")
            if not isinstance(name, str):
                raise BadRequest("“model” must name an embedding model.")
            meter.model = name
            vectors = await gateway.embed(name, texts)
        except Exception as err:
            await _refused(gateway, meter, err)
            return error_response(err, request.url.path)
        tokens = sum(estimate_tokens(t) for t in texts)
        meter.input_tokens = tokens
        await gateway.embedded(meter)
        as_base64 = body.get("encoding_format") == "base64"  # the OpenAI SDK's default
        data = [
            {"object": "embedding", "index": i, "embedding": _vector(v, as_base64)}
            for i, v in enumerate(vectors)
        ]
        return JSONResponse(
            {
                "object": "list",
                "data": data,
                "model": name,
                "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
            }
        )

    return [
        Route("/v1/models", list_models, methods=["GET"]),
        Route("/v1/chat/completions", chat_completions, methods=["POST"]),
        Route("/v1/completions", completions, methods=["POST"]),
        Route("/v1/embeddings", embeddings, methods=["POST"]),
    ]


async def _refused(gateway, meter, err: BaseException) -> None:
    if meter.status == "ok":  # not yet recorded by gateway.open
        await gateway.refuse(meter, err)


def _budget_header(reply: ServedReply) -> dict[str, str]:
    return {"x-hearth-budget": reply.budget_warning} if reply.budget_warning else {}


def _vector(values, as_base64: bool) -> list[float] | str:
    """Floats, or OpenAI's base64 of little-endian float32 (a quarter of the bytes)."""
    floats = [float(x) for x in values]
    if not as_base64:
        return floats
    return base64.b64encode(struct.pack(f"<{len(floats)}f", *floats)).decode("ascii")


def _embedding_inputs(raw) -> list[str]:
    if isinstance(raw, str):
        return [raw]
    if isinstance(raw, list) and raw and all(isinstance(t, str) for t in raw):
        return raw
    raise BadRequest("“input” must be a text or a list of texts (token arrays are not served).")


async def _chat_stream(
    reply: ServedReply, model: str, *, include_usage: bool
) -> AsyncIterator[bytes]:
    cid, created = new_id("chatcmpl-"), now()
    yield sse(wire.chunk(cid, created, model, {"role": "assistant", "content": ""}))
    usage, finish, calls = None, "stop", 0
    async for event in reply.events():
        if isinstance(event, TextDelta):
            yield sse(wire.chunk(cid, created, model, {"content": event.text}))
        elif isinstance(event, ToolCall):
            delta = {"tool_calls": [wire.tool_call_json(event, calls)]}
            calls += 1
            yield sse(wire.chunk(cid, created, model, delta))
        elif isinstance(event, Usage):
            usage = event
        elif isinstance(event, Done):
            finish = wire.FINISH.get(event.finish_reason, "stop")
        elif isinstance(event, Error):
            yield sse(openai_body(event.error))
            return
    last_chunk = wire.chunk(cid, created, model, {}, "tool_calls" if calls else finish)
    if (info := reply.hearth_info()) is not None:
        last_chunk["hearth"] = info  # the cited sources, known once the reply is complete
    yield sse(last_chunk)
    if include_usage:
        last = wire.chunk(cid, created, model, {})
        last["choices"], last["usage"] = [], wire.usage_json(usage)
        yield sse(last)
    yield sse("[DONE]")


async def _completion_stream(
    reply: ServedReply, model: str, *, include_usage: bool
) -> AsyncIterator[bytes]:
    cid, created = new_id("cmpl-"), now()

    def piece(text: str, finish: str | None) -> dict:
        return {
            "id": cid,
            "object": "text_completion",
            "created": created,
            "model": model,
            "choices": [{"index": 0, "text": text, "logprobs": None, "finish_reason": finish}],
        }

    usage, finish = None, "stop"
    async for event in reply.events():
        if isinstance(event, TextDelta):
            yield sse(piece(event.text, None))
        elif isinstance(event, Usage):
            usage = event
        elif isinstance(event, Done):
            finish = wire.FINISH.get(event.finish_reason, "stop")
        elif isinstance(event, Error):
            yield sse(openai_body(event.error))
            return
    yield sse(piece("", finish))
    if include_usage:
        last = piece("", None)
        last["choices"], last["usage"] = [], wire.usage_json(usage)
        yield sse(last)
    yield sse("[DONE]")
