"""The Anthropic-compatible routes: POST /v1/messages (streaming and not) and
POST /v1/messages/count_tokens."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from app.core.events import Done, Error, TextDelta, Usage
from app.core.tools import ToolCall
from app.server import wire_anthropic as wire
from app.server.common import (
    SSE_HEADERS,
    error_response,
    meter_for,
    new_id,
    read_json,
    sse,
    unless_disconnected,
)
from app.server.errors import anthropic_body
from app.server.replies import gather
from app.services.serve_gateway import ServedReply

if TYPE_CHECKING:
    from app.services.serving import ServerService


def routes(service: ServerService) -> list[Route]:
    gateway = service.gateway

    async def create_message(request: Request) -> Response:
        meter = meter_for(request, "/v1/messages")
        try:
            body = await read_json(request)
            call = wire.call(body)
            reply = await gateway.open(call, meter)
        except Exception as err:
            if meter.status == "ok":
                await gateway.refuse(meter, err)
            return error_response(err, request.url.path)
        if body.get("stream"):
            meter.streamed = True
            return StreamingResponse(
                _stream(reply, call.model),
                media_type="text/event-stream",
                headers=SSE_HEADERS,
                background=BackgroundTask(reply.close),
            )
        got = await unless_disconnected(request, gather(reply))
        if got is None:
            await reply.close()
            return Response(status_code=499)
        if got.error is not None and not got.text and not got.tool_calls:
            return error_response(got.error, request.url.path)
        content: list[dict] = [{"type": "text", "text": got.text}] if got.text else []
        content += [wire.tool_use_block(c) for c in got.tool_calls]
        stop = "tool_use" if got.tool_calls else wire.STOP_REASON.get(got.finish, "end_turn")
        answer = wire.message_json(new_id("msg_"), call.model, content, stop, got.usage)
        if (info := reply.hearth_info()) is not None:
            answer["hearth"] = info
        return JSONResponse(answer)

    async def count_tokens(request: Request) -> Response:
        try:
            body = await read_json(request)
            call = wire.call(body, need_max_tokens=False)
            tokens = await gateway.count_tokens(call)
        except Exception as err:
            return error_response(err, request.url.path)
        return JSONResponse({"input_tokens": tokens})

    return [
        Route("/v1/messages", create_message, methods=["POST"]),
        Route("/v1/messages/count_tokens", count_tokens, methods=["POST"]),
    ]


async def _stream(reply: ServedReply, model: str) -> AsyncIterator[bytes]:
    mid = new_id("msg_")
    start = wire.message_json(mid, model, [], None, None)
    yield sse({"type": "message_start", "message": start}, "message_start")
    index, open_text, usage, finish, calls = 0, False, None, "stop", 0
    async for event in reply.events():
        if isinstance(event, TextDelta):
            if not open_text:
                block = {"type": "text", "text": ""}
                yield sse(
                    {"type": "content_block_start", "index": index, "content_block": block},
                    "content_block_start",
                )
                open_text = True
            delta = {"type": "text_delta", "text": event.text}
            yield sse(
                {"type": "content_block_delta", "index": index, "delta": delta},
                "content_block_delta",
            )
        elif isinstance(event, ToolCall):
            if open_text:
                yield sse({"type": "content_block_stop", "index": index}, "content_block_stop")
                index, open_text = index + 1, False
            block = wire.tool_use_block(event) | {"input": {}}
            yield sse(
                {"type": "content_block_start", "index": index, "content_block": block},
                "content_block_start",
            )
            delta = {"type": "input_json_delta", "partial_json": event.arguments or "{}"}
            yield sse(
                {"type": "content_block_delta", "index": index, "delta": delta},
                "content_block_delta",
            )
            yield sse({"type": "content_block_stop", "index": index}, "content_block_stop")
            index, calls = index + 1, calls + 1
        elif isinstance(event, Usage):
            usage = event
        elif isinstance(event, Done):
            finish = event.finish_reason
        elif isinstance(event, Error):
            yield sse(anthropic_body(event.error), "error")
            return
    if open_text:
        yield sse({"type": "content_block_stop", "index": index}, "content_block_stop")
    stop = "tool_use" if calls else wire.STOP_REASON.get(finish, "end_turn")
    delta = {
        "type": "message_delta",
        "delta": {"stop_reason": stop, "stop_sequence": None},
        "usage": wire.usage_json(usage),
    }
    if (info := reply.hearth_info()) is not None:
        delta["hearth"] = info  # the cited sources, known once the reply is complete
    yield sse(delta, "message_delta")
    yield sse({"type": "message_stop"}, "message_stop")
