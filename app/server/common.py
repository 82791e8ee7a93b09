"""What both APIs' routes share: reading a JSON body, the request's meter, answering an error in
the right shape, and noticing a client that left."""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections.abc import Awaitable
from typing import Any, TypeVar

from starlette.requests import Request
from starlette.responses import Response

from app.core.errors import HearthError
from app.server.errors import BodyTooLarge, error_parts
from app.services.serve_records import RequestMeter
from app.services.serving_errors import BadRequest

log = logging.getLogger(__name__)
T = TypeVar("T")


async def read_json(request: Request) -> dict[str, Any]:
    try:
        raw = await request.body()
    except BodyTooLarge:
        raise
    try:
        body = json.loads(raw or b"null")
    except (ValueError, UnicodeDecodeError):
        raise BadRequest("The request body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise BadRequest("The request body must be a JSON object.")
    return body


def meter_for(request: Request, endpoint: str) -> RequestMeter:
    return RequestMeter(client=request.scope.get("state", {}).get("client") or "unknown app",
                        endpoint=endpoint)  # fmt: skip


def error_response(err: BaseException, path: str) -> Response:
    if not isinstance(err, HearthError):
        log.error("A served request failed", exc_info=err)
    status, body, headers = error_parts(err, path)
    response = Response(body, status_code=status, media_type="application/json")
    for key, value in headers[1:]:
        response.headers[key.decode()] = value.decode()
    return response


async def until_disconnected(request: Request) -> None:
    """Returns when the client closes its connection (the body must have been read already)."""
    while True:
        message = await request.receive()
        if message["type"] == "http.disconnect":
            return


async def unless_disconnected(request: Request, work: Awaitable[T]) -> T | None:
    """`work`'s result, or None (work cancelled) when the client leaves first."""
    task = asyncio.ensure_future(work)
    watch = asyncio.ensure_future(until_disconnected(request))
    try:
        await asyncio.wait({task, watch}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        watch.cancel()
        if not task.done():
            task.cancel()
    if task.cancelled():
        return None
    return task.result()


def sse(data: Any, event: str | None = None) -> bytes:
    text = data if isinstance(data, str) else json.dumps(data, separators=(",", ":"))
    head = f"event: {event}\n" if event else ""
    return f"{head}data: {text}\n\n".encode()


def new_id(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:24]}"


def now() -> int:
    return int(time.time())


SSE_HEADERS = {"cache-control": "no-cache", "x-accel-buffering": "no"}


def number(body: dict, key: str, kind: type = float, *, low: float | None = None) -> Any:
    """An optional number from the body, or BadRequest in plain words."""
    value = body.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise BadRequest(f"“{key}” must be a number.")
    if kind is int and value != int(value):
        raise BadRequest(f"“{key}” must be a whole number.")
    if low is not None and value < low:
        raise BadRequest(f"“{key}” must be at least {low:g}.")
    return kind(value)


def stops(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(s, str) for s in value):
        return tuple(value[:8])
    raise BadRequest("“stop” must be a text or a list of texts.")
