"""Loopback HTTP/1.1 servers that speak each provider's wire format byte for byte.

Written on raw `asyncio.start_server` rather than a web framework so a test controls every byte
and every TCP write: events split across writes, a multi-byte UTF-8 character split between two
chunks, CRLF line endings, `: keep-alive` comments, a connection dropped mid-stream. Each reply
chunk is one HTTP chunk and one TCP write (TCP_NODELAY, optional pause), so the client really
receives the pieces separately.

The server runs in a background thread with its own event loop, so tests drive the client side
with plain `asyncio.run`. Replies are scripted per path and consumed in order; the last one
repeats. Error bodies below are the shapes each provider documents.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.loopback import LoopbackServers

# -- replies ---------------------------------------------------------------------------------


@dataclass
class Reply:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""  # sent with Content-Length when `chunks` is None
    # Chunked transfer: one HTTP chunk (and TCP write) per item. A callable makes them lazily,
    # so a chunk can carry the time it was written (the latency bench).
    chunks: Sequence[bytes] | Callable[[], AsyncIterator[bytes]] | None = None
    pause: float = 0.0  # seconds between chunk writes
    drop_after: int | None = None  # close the socket after this many chunks, mid-body
    hold_open: bool = False  # after the chunks, keep the body open (a stalled server)


def json_reply(status: int, payload: Any, headers: dict[str, str] | None = None) -> Reply:
    return Reply(
        status=status,
        headers={"content-type": "application/json", **(headers or {})},
        body=json.dumps(payload).encode(),
    )


def sse_reply(chunks: Sequence[bytes] | Callable[[], AsyncIterator[bytes]], **kw: Any) -> Reply:
    headers = {"content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache"}
    return Reply(status=200, headers={**headers, **kw.pop("headers", {})}, chunks=chunks, **kw)


# -- SSE bodies --------------------------------------------------------------------------------

SseEvent = tuple[str | None, Any]  # (event name or None, data: str or JSON-able)


def encode_sse(
    events: Iterable[SseEvent], *, newline: str = "\n", keepalive: bool = False
) -> bytes:
    """Events as an SSE body. keepalive=True puts a `: keep-alive` comment before each event."""
    out = []
    for name, data in events:
        if keepalive:
            out.append(f": keep-alive{newline}{newline}")
        text = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
        lines = [f"event: {name}"] if name else []
        lines += [f"data: {line}" for line in text.split("\n")]
        out.append(newline.join(lines) + newline + newline)
    return "".join(out).encode("utf-8")


def split_every(data: bytes, size: int) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


def split_inside_utf8(data: bytes) -> list[bytes]:
    """Cut the body in the middle of every multi-byte UTF-8 character (and between events)."""
    cuts = [i + 1 for i, byte in enumerate(data[:-1]) if byte >= 0xC0]  # after a lead byte
    cuts += [i for i in range(0, len(data), 37)]  # and at arbitrary points, across events
    cuts = sorted({c for c in cuts if 0 < c < len(data)})
    return [data[a:b] for a, b in zip([0, *cuts], [*cuts, len(data)], strict=True)]


# OpenAI Chat Completions ------------------------------------------------------------------------


def openai_events(
    texts: Sequence[str],
    *,
    model: str = "gpt-4o-mini",
    usage: dict | None = None,
    reasoning: Sequence[str] = (),
    reasoning_field: str = "reasoning_content",
    finish: str = "stop",
    done: bool = True,
) -> list[SseEvent]:
    """A stream as OpenAI sends it: a role chunk, content chunks, a finish chunk, the
    usage-only chunk (empty choices) when `usage` is given, then [DONE]."""

    def chunk(delta: dict, finish_reason: str | None = None, **extra: Any) -> SseEvent:
        choices = [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}]
        body = {
            "id": "chatcmpl-test",
            "object": "chat.completion.chunk",
            "created": 1700000000,
            "model": model,
            "system_fingerprint": "fp_test",
            "choices": choices,
        }
        body.update(extra)
        return (None, body)

    events = [chunk({"role": "assistant", "content": "", "refusal": None}, usage=None)]
    events += [chunk({reasoning_field: r}, usage=None) for r in reasoning]
    events += [chunk({"content": t}, usage=None) for t in texts]
    events.append(chunk({}, finish, usage=None))
    if usage is not None:
        final = {
            "id": "chatcmpl-test",
            "object": "chat.completion.chunk",
            "created": 1700000000,
            "model": model,
            "choices": [],
            "usage": usage,
        }
        events.append((None, final))
    if done:
        events.append((None, "[DONE]"))
    return events


def openai_usage(prompt: int, completion: int, cached: int = 0, reasoning: int = 0) -> dict:
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
        "prompt_tokens_details": {"cached_tokens": cached, "audio_tokens": 0},
        "completion_tokens_details": {
            "reasoning_tokens": reasoning,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
    }


OPENAI_401 = {
    "error": {
        "message": "Incorrect API key provided: sk-test-*********************wxyz. You can find "
        "your API key at https://platform.openai.com/account/api-keys.",
        "type": "invalid_request_error",
        "param": None,
        "code": "invalid_api_key",
    }
}
OPENAI_429 = {
    "error": {
        "message": "Rate limit reached for gpt-4o-mini in organization org-test on requests per "
        "min (RPM): Limit 3, Used 3, Requested 1. Please try again in 20s.",
        "type": "requests",
        "param": None,
        "code": "rate_limit_exceeded",
    }
}
OPENAI_QUOTA = {
    "error": {
        "message": "You exceeded your current quota, please check your plan and billing details.",
        "type": "insufficient_quota",
        "param": None,
        "code": "insufficient_quota",
    }
}
OPENAI_500 = {
    "error": {
        "message": "The server had an error while processing your request. Sorry about that!",
        "type": "server_error",
        "param": None,
        "code": None,
    }
}
OPENAI_MIDSTREAM_ERROR = {
    "error": {
        "message": "The server had an error while processing your request. Sorry about that!",
        "type": "server_error",
    }
}
OPENROUTER_402 = {
    "error": {
        "code": 402,
        "message": "Insufficient credits. Add more using https://openrouter.ai/credits",
    }
}

# Anthropic Messages -----------------------------------------------------------------------------


def anthropic_events(
    texts: Sequence[str],
    *,
    model: str = "claude-3-5-haiku-latest",
    input_tokens: int = 25,
    output_tokens: int = 15,
    cache_read: int | None = None,
    thinking: Sequence[str] = (),
    stop_reason: str = "end_turn",
    ping: bool = True,
    stop: bool = True,
) -> list[SseEvent]:
    """message_start, ping, (thinking block), text block, message_delta, message_stop."""
    usage = {"input_tokens": input_tokens, "output_tokens": 1}
    if cache_read is not None:
        usage.update(cache_creation_input_tokens=0, cache_read_input_tokens=cache_read)
    message = {
        "id": "msg_test",
        "type": "message",
        "role": "assistant",
        "content": [],
        "model": model,
        "stop_reason": None,
        "stop_sequence": None,
        "usage": usage,
    }
    events: list[SseEvent] = [("message_start", {"type": "message_start", "message": message})]
    if ping:
        events.append(("ping", {"type": "ping"}))
    index = 0
    if thinking:
        events.append(block_start(index, {"type": "thinking", "thinking": ""}))
        events += [block_delta(index, {"type": "thinking_delta", "thinking": t}) for t in thinking]
        events.append(block_delta(index, {"type": "signature_delta", "signature": "EqQBCgIYAh"}))
        events.append(("content_block_stop", {"type": "content_block_stop", "index": index}))
        index += 1
    events.append(block_start(index, {"type": "text", "text": ""}))
    for i, text in enumerate(texts):
        events.append(block_delta(index, {"type": "text_delta", "text": text}))
        if ping and i == 1:
            events.append(("ping", {"type": "ping"}))
    events.append(("content_block_stop", {"type": "content_block_stop", "index": index}))
    delta = {
        "type": "message_delta",
        "delta": {"stop_reason": stop_reason, "stop_sequence": None},
        "usage": {"output_tokens": output_tokens},
    }
    events.append(("message_delta", delta))
    if stop:
        events.append(("message_stop", {"type": "message_stop"}))
    return events


def block_start(index: int, block: dict) -> SseEvent:
    return (
        "content_block_start",
        {"type": "content_block_start", "index": index, "content_block": block},
    )


def block_delta(index: int, delta: dict) -> SseEvent:
    return ("content_block_delta", {"type": "content_block_delta", "index": index, "delta": delta})


def anthropic_error(kind: str, message: str) -> dict:
    return {
        "type": "error",
        "error": {"type": kind, "message": message},
        "request_id": "req_011CTestRequestId",
    }


ANTHROPIC_401 = anthropic_error("authentication_error", "invalid x-api-key")
ANTHROPIC_529 = anthropic_error("overloaded_error", "Overloaded")
ANTHROPIC_429 = anthropic_error(
    "rate_limit_error", "This request would exceed the rate limit for your organization."
)
ANTHROPIC_LOW_CREDIT = anthropic_error(
    "invalid_request_error",
    "Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing "
    "to upgrade or purchase credits.",
)

# Google Gemini ----------------------------------------------------------------------------------


def gemini_events(
    texts: Sequence[str],
    *,
    prompt_tokens: int = 12,
    output_tokens: int = 9,
    thoughts: Sequence[str] = (),
    thoughts_tokens: int | None = None,
    cached_tokens: int | None = None,
    finish: str | None = "STOP",
    model_version: str = "gemini-2.0-flash",
) -> list[SseEvent]:
    """One GenerateContentResponse per event; usageMetadata on each, finishReason on the last."""

    def usage(done: bool) -> dict:
        meta = {
            "promptTokenCount": prompt_tokens,
            "candidatesTokenCount": output_tokens if done else 1,
            "totalTokenCount": prompt_tokens + (output_tokens if done else 1),
        }
        if cached_tokens is not None:
            meta["cachedContentTokenCount"] = cached_tokens
        if thoughts_tokens is not None:
            meta["thoughtsTokenCount"] = thoughts_tokens
            meta["totalTokenCount"] += thoughts_tokens
        return meta

    parts = [{"text": t, "thought": True} for t in thoughts] + [{"text": t} for t in texts]
    events: list[SseEvent] = []
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        candidate: dict[str, Any] = {"content": {"parts": [part], "role": "model"}, "index": 0}
        if last and finish:
            candidate["finishReason"] = finish
        events.append(
            (
                None,
                {
                    "candidates": [candidate],
                    "usageMetadata": usage(last),
                    "modelVersion": model_version,
                    "responseId": "resp-test",
                },
            )
        )
    return events


GEMINI_400_BAD_KEY = {
    "error": {
        "code": 400,
        "message": "API key not valid. Please pass a valid API key.",
        "status": "INVALID_ARGUMENT",
        "details": [
            {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": "API_KEY_INVALID",
                "domain": "googleapis.com",
                "metadata": {"service": "generativelanguage.googleapis.com"},
            },
            {
                "@type": "type.googleapis.com/google.rpc.LocalizedMessage",
                "locale": "en-US",
                "message": "API key not valid. Please pass a valid API key.",
            },
        ],
    }
}


def gemini_429(retry_delay: str = "0.01s") -> dict:
    return {
        "error": {
            "code": 429,
            "message": "You exceeded your current quota, please check your plan and billing "
            "details.",
            "status": "RESOURCE_EXHAUSTED",
            "details": [
                {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": retry_delay}
            ],
        }
    }


GEMINI_500 = {
    "error": {
        "code": 500,
        "message": "An internal error has occurred. Please retry "
        "or report in https://developers.generativeai.google/guide/troubleshooting",
        "status": "INTERNAL",
    }
}


# -- the server --------------------------------------------------------------------------------


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


_REASONS = {
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    402: "Payment Required",
    403: "Forbidden",
    404: "Not Found",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
    529: "Overloaded",
}


class WireServer(LoopbackServers):
    """Scripted loopback HTTP server in a background thread. Use as a context manager."""

    thread_name = "wire-server"

    def __init__(self) -> None:
        super().__init__()
        self.requests: list[Recorded] = []
        self.client_closed: list[str] = []  # paths whose client hung up mid-reply
        self._scripts: dict[tuple[str, str], list[Reply]] = defaultdict(list)
        self._lock = threading.Lock()

    # lifecycle

    def handlers(self) -> list:
        return [self._handle]

    @property
    def port(self) -> int:
        return self.ports[0]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # scripting

    def script(self, method: str, path: str, *replies: Reply) -> None:
        """Replies for `method path`, used in order; the last one repeats."""
        with self._lock:
            self._scripts[(method.upper(), path)].extend(replies)

    def wait_for_hangup(self, timeout: float = 5.0) -> bool:
        """True once a client has hung up in the middle of a reply."""
        deadline = time.monotonic() + timeout
        while not self.client_closed and time.monotonic() < deadline:
            time.sleep(0.01)
        return bool(self.client_closed)

    def _next_reply(self, method: str, path: str) -> Reply:
        with self._lock:
            queue = self._scripts.get((method, path))
            if not queue:
                return json_reply(404, {"error": {"message": f"no script for {method} {path}"}})
            return queue.pop(0) if len(queue) > 1 else queue[0]

    # HTTP

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        sock = writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            while True:
                request = await self._read_request(reader)
                if request is None:
                    break
                self.requests.append(request)
                reply = self._next_reply(request.method, request.path)
                if not await self._send(reply, reader, writer, request.path):
                    break
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    async def _read_request(self, reader: asyncio.StreamReader) -> Recorded | None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, ConnectionError):
            return None
        lines = head.decode("latin-1").split("\r\n")
        method, target, _ = lines[0].split(" ", 2)
        headers = {}
        for line in lines[1:]:
            if ":" in line:
                name, value = line.split(":", 1)
                headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0"))
        body = await reader.readexactly(length) if length else b""
        url = urlsplit(target)
        return Recorded(method, url.path, parse_qs(url.query), headers, body)

    async def _send(
        self, reply: Reply, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, path: str
    ) -> bool:
        """Write the reply; False when the connection must close afterwards."""
        reason = _REASONS.get(reply.status, "Status")
        head = [f"HTTP/1.1 {reply.status} {reason}"]
        head += [f"{k}: {v}" for k, v in reply.headers.items()]
        if reply.chunks is None:
            head.append(f"content-length: {len(reply.body)}")
            writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + reply.body)
            await writer.drain()
            return True
        # A streamed reply ends its connection: the hang-up watcher below reads from the socket,
        # and must never swallow the first byte of a next request on a kept-alive connection.
        head += ["transfer-encoding: chunked", "connection: close"]
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode())
        await writer.drain()
        hangup = asyncio.ensure_future(reader.read(1))  # completes when the client hangs up
        try:
            await self._send_chunks(reply, writer, hangup, path)
        finally:
            hangup.cancel()
            await asyncio.gather(hangup, return_exceptions=True)
        return False

    async def _send_chunks(
        self, reply: Reply, writer: asyncio.StreamWriter, hangup: asyncio.Future, path: str
    ) -> None:
        chunks = reply.chunks() if callable(reply.chunks) else _aiter(reply.chunks)
        sent = 0
        async for chunk in chunks:
            if hangup.done():
                self.client_closed.append(path)
                return
            if reply.drop_after is not None and sent >= reply.drop_after:
                writer.transport.abort()  # no terminating chunk: a dropped connection
                return
            writer.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            await writer.drain()
            sent += 1
            if reply.pause:
                await asyncio.wait([hangup], timeout=reply.pause)
        if reply.hold_open:
            await hangup
            self.client_closed.append(path)
            return
        writer.write(b"0\r\n\r\n")
        await writer.drain()


async def _aiter(items: Iterable[bytes]) -> AsyncIterator[bytes]:
    for item in items:
        yield item


# -- the client side -----------------------------------------------------------------------------


def chat(*turns: str, system: str | None = None, **kw: Any):
    """A ChatRequest alternating user/assistant turns, starting with the user."""
    from app.core.chat import ChatMessage, ChatRequest

    messages = [ChatMessage("system", system)] if system else []
    roles = ("user", "assistant")
    messages += [ChatMessage(roles[i % 2], text) for i, text in enumerate(turns)]
    return ChatRequest(messages=tuple(messages), **kw)


def collect(backend: Any, request: Any = None, *, with_sent: bool = False) -> list:
    """Every event of one stream_chat, driven by a fresh event loop. RequestSent (when the
    request was written) is left out unless asked for: most tests are about the wire format."""
    from app.core.events import RequestSent

    async def run() -> list:
        events = [event async for event in backend.stream_chat(request or chat("Hello"))]
        return [e for e in events if with_sent or not isinstance(e, RequestSent)]

    return asyncio.run(run())


def text_of(events: Iterable[Any]) -> str:
    from app.core.events import TextDelta

    return "".join(e.text for e in events if isinstance(e, TextDelta))


def fast_retry(max_attempts: int = 3):
    """Real backoff shape, milliseconds instead of seconds."""
    from app.providers.http_retry import RetryPolicy

    return RetryPolicy(max_attempts=max_attempts, base_delay=0.01, max_delay=0.05)
