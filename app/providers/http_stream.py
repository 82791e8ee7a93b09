"""What every HTTP backend shares: the client, retries, error mapping and the SSE read loop.

A backend (openai_compat, anthropic, gemini) supplies three things: how to build the chat request,
a `StreamParser` that turns one server-sent event into stream events, and how to read its model
list. Everything else lives here so the three behave the same way:

- The client always verifies TLS, never follows redirects, has connect/read/write timeouts, and
  checks offline mode on every request before any DNS lookup or connect (app.netguard).
- 429, 500-504 and 529/overloaded are retried a few times with exponential backoff and jitter,
  honouring `retry-after-ms` and `retry-after` (seconds or an HTTP date); each wait is announced
  with a `Retrying` event. Once the reply has started nothing is retried: an error then keeps the
  partial reply and ends the stream with `Error(StreamInterrupted)`.
- Nothing raises out of `stream_chat`: every failure becomes an `Error` event with a typed,
  plain-words error. Provider messages are stripped of anything key-shaped first.
- Usage is what the server reported. When it reported none (llama.cpp's server, some Ollama
  versions), it is estimated as ceil(characters / 4) for the prompt and the reply, with
  `counted_locally=True`; there is no tokenizer for a remote model, and the estimate is only used
  for the context meter and tokens/second, never for cost.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import functools
import json
import logging
import math
import os
import random
import ssl
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import certifi
import httpx
from httpx_sse import EventSource, ServerSentEvent

from app.core.chat import ChatRequest, ModelInfo
from app.core.errors import HearthError, PromptTooLong
from app.core.events import (
    Done,
    Error,
    Notice,
    ReasoningDelta,
    RequestSent,
    Retrying,
    StreamEvent,
    TextDelta,
)
from app.core.events import Usage as UsageEvent
from app.core.privacy import redact_secrets
from app.core.provider_errors import (
    EmptyReply,
    InvalidKey,
    InvalidKeyCharacters,
    LocalServerNotRunning,
    MalformedResponse,
    ModelUnavailable,
    NoCredits,
    NoKey,
    Offline,
    Overloaded,
    ProviderError,
    ProviderUnavailable,
    RateLimited,
    RequestRejected,
    StreamInterrupted,
    TimedOut,
    key_has_bad_characters,
)
from app.netguard import ensure_connection_allowed, is_loopback_url

if TYPE_CHECKING:
    from app.providers.registry import ProviderSpec

log = logging.getLogger(__name__)

USER_AGENT = "Hearth/0.1"
# Reasoning models can think for a minute or two before the first byte of the reply.
CLOUD_TIMEOUT = httpx.Timeout(connect=10.0, read=180.0, write=30.0, pool=10.0)
# A server on this computer may be loading a model from disk before it answers.
LOCAL_TIMEOUT = httpx.Timeout(connect=3.0, read=600.0, write=30.0, pool=10.0)
LIST_TIMEOUT = httpx.Timeout(connect=5.0, read=20.0, write=10.0, pool=5.0)
MAX_ERROR_BODY = 64 * 1024


@dataclass(frozen=True, slots=True)
class StreamDeadline:
    """How long one reply may go on. httpx's read timeout is reset by every byte, so a server
    sending keep-alive comments forever (or tokens forever) would hold a reply open for good:
    `quiet` is the longest wait for the next words (comments do not count), `total` the longest
    a whole reply may take."""

    quiet: float
    total: float


# Reasoning models can think for minutes before their first words; a server on this computer may
# be loading a model from disk first. $HEARTH_REPLY_DEADLINE (seconds) caps both, e.g. for
# scripts that would rather fail fast.
CLOUD_DEADLINE = StreamDeadline(quiet=180.0, total=20 * 60.0)
LOCAL_DEADLINE = StreamDeadline(quiet=600.0, total=60 * 60.0)
DEADLINE_ENV = "HEARTH_REPLY_DEADLINE"


def stream_deadline(*, local_server: bool) -> StreamDeadline:
    base = LOCAL_DEADLINE if local_server else CLOUD_DEADLINE
    try:
        cap = float(os.environ.get(DEADLINE_ENV, ""))
    except ValueError:
        return base
    if not (cap > 0 and math.isfinite(cap)):
        return base
    return StreamDeadline(quiet=min(base.quiet, cap), total=min(base.total, cap))


def _seconds_text(seconds: float) -> str:
    if seconds >= 120:
        return f"{round(seconds / 60)} minutes"
    return f"{seconds:g} seconds" if seconds != 1 else "1 second"


# -- the client ----------------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def tls_context() -> ssl.SSLContext:
    """Built once (loading the CA bundle costs milliseconds per client). Verification stays on."""
    return ssl.create_default_context(cafile=certifi.where())


def make_client(
    base_url: str, *, provider: str, timeout: httpx.Timeout | None = None
) -> httpx.AsyncClient:
    """An AsyncClient that refuses non-loopback requests in offline mode, before connecting."""
    loopback = is_loopback_url(base_url)

    async def guard(request: httpx.Request) -> None:
        # Runs for every request, redirects included, before DNS or connect.
        ensure_connection_allowed(str(request.url), provider=provider)

    return httpx.AsyncClient(
        verify=tls_context(),
        timeout=timeout or (LOCAL_TIMEOUT if loopback else CLOUD_TIMEOUT),
        follow_redirects=False,
        # Proxy variables are for the internet; a server on this computer is reached directly.
        trust_env=not loopback,
        headers={"user-agent": USER_AGENT},
        event_hooks={"request": [guard]},
    )


# -- retries -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_attempts: int = 4  # the first try and three retries
    base_delay: float = 1.0
    max_delay: float = 20.0
    # A server asking for a longer wait than this gets a plain error instead of a frozen UI.
    max_retry_after: float = 60.0


DEFAULT_RETRY = RetryPolicy()


def parse_retry_after(headers: Mapping[str, str], *, now: datetime | None = None) -> float | None:
    """Seconds to wait from `retry-after-ms` or `retry-after` (seconds or HTTP date), if any."""
    lowered = {k.lower(): v for k, v in headers.items()}
    try:
        ms = float(lowered.get("retry-after-ms", ""))
        if ms >= 0 and math.isfinite(ms):
            return ms / 1000
    except ValueError:
        pass
    value = (lowered.get("retry-after") or "").strip()
    if not value:
        return None
    try:
        seconds = float(value)
        return seconds if seconds >= 0 and math.isfinite(seconds) else None
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def backoff_delay(
    retry_number: int, policy: RetryPolicy, rand: Callable[[], float] = random.random
) -> float:
    """Exponential backoff with "equal jitter": half fixed, half random, capped."""
    ceiling = min(policy.max_delay, policy.base_delay * 2 ** (retry_number - 1))
    return ceiling / 2 + rand() * ceiling / 2


# -- HTTP status and transport failures → typed errors --------------------------------------------


@dataclass(frozen=True, slots=True)
class ErrorInfo:
    """The interesting parts of an error body, whichever provider's shape it came in."""

    message: str = ""
    type: str = ""
    code: str = ""
    reason: str = ""  # Google's ErrorInfo.reason, e.g. API_KEY_INVALID
    retry_delay: float | None = None  # Google's RetryInfo.retryDelay


def read_error_info(body: Any) -> ErrorInfo:
    """OpenAI/Groq/OpenRouter {"error": {...}}, Anthropic {"type": "error", "error": {...}},
    Google {"error": {code, message, status, details}}, Ollama {"error": "..."},
    Mistral {"message": ...}, FastAPI {"detail": ...}."""
    if isinstance(body, (str, bytes)):
        try:
            body = json.loads(body)
        except ValueError:
            text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
            return ErrorInfo(message=text.strip()[:300])
    if isinstance(body, list) and body:  # Google sometimes wraps the error in a list
        body = body[0]
    if not isinstance(body, dict):
        return ErrorInfo()
    err = body.get("error", body)
    if isinstance(err, str):
        return ErrorInfo(message=err)
    if not isinstance(err, dict):
        return ErrorInfo()
    message = err.get("message") or err.get("detail") or body.get("detail") or ""
    reason, retry_delay = "", None
    for detail in err.get("details") or []:
        if isinstance(detail, dict):
            reason = reason or str(detail.get("reason") or "")
            if str(detail.get("retryDelay", "")).endswith("s"):
                try:
                    retry_delay = float(detail["retryDelay"][:-1])
                except ValueError:
                    pass
    return ErrorInfo(
        message=message if isinstance(message, str) else json.dumps(message)[:300],
        type=str(err.get("type") or err.get("status") or ""),
        code=str(err.get("code") or ""),
        reason=reason,
        retry_delay=retry_delay,
    )


_TOO_LONG_HINTS = ("context_length_exceeded", "maximum context length", "prompt is too long",
                   "context window", "too many tokens", "input is too long")  # fmt: skip
_NO_CREDIT_HINTS = ("insufficient_quota", "billing_error", "credit balance is too low",
                    "insufficient balance", "insufficient credits")  # fmt: skip


def error_for_status(
    status: int,
    body: Any,
    headers: Mapping[str, str] | None = None,
    *,
    provider: str,
    secrets: Iterable[str] = (),
) -> HearthError:
    """The typed error for an HTTP error response (or an error event carrying a status)."""
    info = read_error_info(body)
    detail = redact_secrets(info.message, known=tuple(s for s in secrets if s))
    hints = " ".join((info.message, info.type, info.code, info.reason)).lower()
    retry_after = parse_retry_after(headers or {})
    if retry_after is None:
        retry_after = info.retry_delay
    kw = {"detail": detail or None, "status": status}

    if info.reason == "API_KEY_INVALID" or "api key not valid" in hints or status == 401:
        return InvalidKey(provider, **kw)
    if status == 403:
        if "flagged" in hints or "moderation" in hints:
            return RequestRejected(provider, message=f"{provider} refused the message: {detail}")
        return InvalidKey(provider, **kw)
    if status == 402 or any(h in hints for h in _NO_CREDIT_HINTS):
        return NoCredits(provider, **kw)
    if status in (400, 413, 422) and any(h in hints for h in _TOO_LONG_HINTS):
        return PromptTooLong()
    if status == 404:
        return ModelUnavailable(provider, **kw)
    if status == 429:
        return RateLimited(provider, retry_after=retry_after, **kw)
    if status == 529 or "overloaded" in hints:
        return Overloaded(provider, retry_after=retry_after, **kw)
    if status == 408:
        return TimedOut(provider, **kw)
    if status >= 500:
        return ProviderUnavailable(provider, retry_after=retry_after, **kw)
    if 300 <= status < 400:
        return RequestRejected(
            provider,
            message=f"{provider} answered with a redirect instead of a reply.",
            action="Check the address (base URL) in Settings → Providers.",
            **kw,
        )
    words = f": {detail[:200]}" if detail else "."
    return RequestRejected(provider, message=f"{provider} refused the request{words}", **kw)


def _is_tls_failure(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLError) or "CERTIFICATE_VERIFY_FAILED" in str(seen):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def error_for_transport(
    exc: httpx.TransportError,
    *,
    provider: str,
    base_url: str,
    started: bool = False,
    local_server: bool | None = None,
) -> ProviderError:
    """The typed error for a failure below HTTP: no network, refused, timed out, cut off.

    `local_server` (a preset for Ollama, LM Studio, a LAN box) decides between "nothing is
    answering there" and "you appear to be offline"; by default a loopback URL means local.
    """
    if started:
        what = "stopped answering" if isinstance(exc, httpx.TimeoutException) else "lost"
        return StreamInterrupted(
            provider,
            message=f"The connection to {provider} was {what} part-way through the reply. "
            "What arrived so far is kept.",
            detail=type(exc).__name__,
        )
    if isinstance(exc, httpx.UnsupportedProtocol):
        return bad_address(provider)
    loopback = is_loopback_url(base_url)
    local = loopback if local_server is None else local_server
    if isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout)):
        if local and loopback:
            return LocalServerNotRunning(provider, detail=base_url)
        if local:
            host = httpx.URL(base_url).host
            return LocalServerNotRunning(
                provider, message=f"Nothing is answering for {provider} at {host}."
            )
        if _is_tls_failure(exc):
            return ProviderError(
                provider,
                message=f"The secure connection to {provider} could not be verified.",
                action="Check the computer's date and time, and any proxy or network filter.",
            )
        if isinstance(exc, httpx.ConnectTimeout):
            return TimedOut(provider, message=f"{provider} could not be reached in time.")
        return Offline(provider, detail=type(exc).__name__)
    if isinstance(exc, httpx.TimeoutException):
        return TimedOut(provider, detail=type(exc).__name__)
    return ProviderUnavailable(
        provider, message=f"{provider} closed the connection without answering."
    )


def bad_address(provider: str) -> ProviderError:
    return ProviderError(
        provider,
        message=f"The address set for {provider} is not a valid http:// or https:// URL.",
        action="Check the address (base URL) in Settings → Providers.",
    )


# -- sending with retries --------------------------------------------------------------------------


async def _read_capped(response: httpx.Response, limit: int = MAX_ERROR_BODY) -> bytes:
    chunks, size = [], 0
    async for chunk in response.aiter_bytes():
        chunks.append(chunk)
        size += len(chunk)
        if size >= limit:
            break
    return b"".join(chunks)[:limit]


async def send_with_retries(
    client: httpx.AsyncClient,
    request: httpx.Request,
    *,
    provider: str,
    base_url: str,
    policy: RetryPolicy = DEFAULT_RETRY,
    secrets: Iterable[str] = (),
    local_server: bool | None = None,
) -> AsyncIterator[Retrying | httpx.Response]:
    """Yield a Retrying event before each wait, then the open 2xx response (the caller closes
    it). Raises the typed error once retrying is pointless or the attempts are used up."""
    secrets = tuple(secrets)
    for attempt in range(1, policy.max_attempts + 1):
        try:
            response = await client.send(request, stream=True)
        except httpx.TransportError as exc:
            error: HearthError = error_for_transport(
                exc, provider=provider, base_url=base_url, local_server=local_server
            )
        else:
            if response.status_code < 300:
                yield response
                return
            try:
                body = await _read_capped(response)
            except httpx.TransportError:
                body = b""
            finally:
                await response.aclose()
            error = error_for_status(
                response.status_code, body, response.headers, provider=provider, secrets=secrets
            )
            log.info("%s: HTTP %s, %s", provider, response.status_code, type(error).__name__)
        retryable = isinstance(error, ProviderError) and error.retryable
        if not retryable or attempt == policy.max_attempts:
            raise error
        retry_after = getattr(error, "retry_after", None)
        delay = retry_after if retry_after is not None else backoff_delay(attempt, policy)
        if delay > policy.max_retry_after:
            raise error
        yield Retrying(attempt=attempt, delay=delay, reason=error.message)
        await asyncio.sleep(delay)


# -- turning events into stream events ----------------------------------------------------------


def estimate_tokens(chars: int) -> int:
    """The tokenizer-free estimate used when a server reports no usage: ~4 characters a token."""
    return math.ceil(chars / 4)


def normalise_finish(reason: str | None) -> tuple[str, str | None]:
    """("stop" | "length", why-it-stopped-early or None) from any provider's finish reason."""
    value = (reason or "").lower()
    if value in ("length", "max_tokens", "model_length"):
        return "length", None
    if value in ("", "stop", "end_turn", "stop_sequence", "eos", "tool_calls", "tool_use",
                 "function_call", "finish_reason_unspecified", "pause_turn"):  # fmt: skip
        return "stop", None
    return "stop", value  # content_filter, safety, recitation, refusal, ...


class StreamParser:
    """Turns one wire format's server-sent events into stream events; one per reply.

    Subclasses implement `feed`, setting `terminal_seen` at an end marker ([DONE], message_stop;
    formats without one are read to EOF) and `finish` at a finish reason. Helpers count what was
    produced so usage can be estimated, and `stream_error` maps an error event to the right typed
    error for the moment it arrives.
    """

    # A finished stream without a word is an error for formats where that never means success.
    empty_is_error = False

    def __init__(self, provider: str, secrets: Iterable[str] = ()) -> None:
        self.provider = provider
        self.secrets = tuple(secrets)
        self.finish_reason: str | None = None
        self.stopped_early: str | None = None
        self.terminal_seen = False
        self.usage: UsageEvent | None = None
        self.output_chars = 0

    def feed(self, sse: ServerSentEvent) -> list[StreamEvent]:
        raise NotImplementedError

    @property
    def complete(self) -> bool:
        return self.terminal_seen or self.finish_reason is not None

    @property
    def started(self) -> bool:
        return self.output_chars > 0

    # helpers for subclasses

    def load(self, data: str) -> Any:
        try:
            return json.loads(data)
        except ValueError:
            raise self.malformed("an event was not valid JSON") from None

    def malformed(self, detail: str) -> HearthError:
        if self.started:
            return StreamInterrupted(
                self.provider,
                message=f"{self.provider} sent data Hearth could not read part-way through the "
                "reply. What arrived so far is kept.",
                detail=detail,
            )
        return MalformedResponse(self.provider, detail=detail)

    def text(self, value: str) -> TextDelta:
        self.output_chars += len(value)
        return TextDelta(value)

    def reasoning(self, value: str) -> ReasoningDelta:
        self.output_chars += len(value)
        return ReasoningDelta(value)

    def finish(self, reason: str | None) -> None:
        self.finish_reason, self.stopped_early = normalise_finish(reason)

    def empty_reply(self) -> HearthError:
        why = f" ({self.stopped_early.replace('_', ' ').lower()})" if self.stopped_early else ""
        return EmptyReply(
            self.provider, message=f"{self.provider} finished without writing anything{why}."
        )

    def stream_error(self, status: int, body: Any) -> HearthError:
        """An error event: the plain HTTP-style error before any words, else 'cut off'."""
        error = error_for_status(status, body, provider=self.provider, secrets=self.secrets)
        if not self.started:
            return error
        why = {
            Overloaded: "it became overloaded",
            RateLimited: "a rate limit was reached",
            TimedOut: "it timed out",
        }.get(type(error), "it reported an error")
        return StreamInterrupted(
            self.provider,
            message=f"{self.provider} stopped part-way through the reply ({why}). "
            "What arrived so far is kept.",
            detail=getattr(error, "detail", None),
            status=status,
        )


def int_field(mapping: Any, *path: str) -> int:
    """mapping[path[0]][path[1]]... as an int, 0 where missing or null."""
    value = mapping
    for key in path:
        if not isinstance(value, dict):
            return 0
        value = value.get(key)
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


class WireWatch:
    """Learns from httpcore's trace whether the request body started to leave this computer.

    Offline mode, a refused connection or a failed TLS handshake all fail before that moment;
    a reset after it, an HTTP error or a reply all come after it."""

    def __init__(self) -> None:
        self.sent = False
        self._told = False

    async def trace(self, name: str, info: dict) -> None:
        # "http11.send_request_body.started" / "http2.send_request_body.started": the words go.
        if name.endswith("send_request_body.started"):
            self.sent = True

    def newly_sent(self) -> bool:
        """True once, the first time it is asked after the body started to go out."""
        if self.sent and not self._told:
            self._told = True
            return True
        return False


# -- the shared backend ---------------------------------------------------------------------------


class HttpBackend:
    """Base of the HTTP chat backends: constructed with (spec, model, base_url, api_key)."""

    def __init__(
        self,
        spec: ProviderSpec,
        model: str,
        base_url: str,
        api_key: str | None,
        *,
        retry_policy: RetryPolicy = DEFAULT_RETRY,
        timeout: httpx.Timeout | None = None,
    ) -> None:
        self.spec = spec
        self.model = model
        self.base_url = base_url.rstrip("/")
        self._api_key = api_key or None
        self.retry_policy = retry_policy
        self.timeout = timeout

    def __repr__(self) -> str:  # never show the key, even in a debugger or a log line
        return f"{type(self).__name__}({self.spec.id}:{self.model} at {self.base_url})"

    @property
    def provider_name(self) -> str:
        return self.spec.display_name

    async def close(self) -> None:
        """Nothing to release: each request opens and closes its own client. Kept for parity
        with the local engine, so the services can close any backend the same way."""

    @property
    def model_info(self) -> ModelInfo:
        return self.info(self.model)

    # what subclasses provide

    def auth_headers(self) -> dict[str, str]:
        raise NotImplementedError

    def chat_request(self, request: ChatRequest) -> tuple[str, dict[str, Any], dict[str, str]]:
        """(url, json body, extra params) for a streaming chat request."""
        raise NotImplementedError

    def new_parser(self) -> StreamParser:
        raise NotImplementedError

    def parse_models(self, body: Any) -> tuple[list[ModelInfo], dict[str, str] | None]:
        """The models on one page, and the query params for the next page (None when done)."""
        raise NotImplementedError

    models_path = "/models"
    models_params: dict[str, str] = {}

    # the streaming contract

    async def stream_chat(self, request: ChatRequest) -> AsyncIterator[StreamEvent]:
        # Nested generators are closed explicitly (aclosing) so that Stop, which closes or
        # cancels this one, closes the HTTP response now rather than at garbage collection.
        try:
            ensure_connection_allowed(self.base_url, provider=self.provider_name)
            if self.spec.needs_key and not self._api_key:
                raise NoKey(self.provider_name)
            if self._api_key and key_has_bad_characters(self._api_key):
                raise InvalidKeyCharacters()  # from the environment or an old keychain entry
            async with contextlib.aclosing(self._stream(request)) as events:
                async for event in events:
                    yield event
        except HearthError as err:
            yield Error(err)
        except httpx.InvalidURL:
            yield Error(bad_address(self.provider_name))
        except Exception:  # a bug or a shape no parser expected: a message, never a crash
            log.exception("Unexpected failure streaming from %s", self.provider_name)
            yield Error(MalformedResponse(self.provider_name, detail="unexpected failure"))

    async def _stream(self, request: ChatRequest) -> AsyncIterator[StreamEvent]:
        """The exchange, with RequestSent put in as soon as the body started to go out (before
        the event, or the error, that followed it)."""
        wire = WireWatch()
        try:
            async with contextlib.aclosing(self._exchange(request, wire)) as events:
                async for event in events:
                    if wire.newly_sent():
                        yield RequestSent()
                    yield event
        except Exception:
            if wire.newly_sent():
                yield RequestSent()
            raise
        if wire.newly_sent():
            yield RequestSent()

    async def _exchange(self, request: ChatRequest, wire: WireWatch) -> AsyncIterator[StreamEvent]:
        url, body, params = self.chat_request(request)
        headers = {**self.auth_headers(), "accept": "text/event-stream"}
        async with make_client(
            self.base_url, provider=self.provider_name, timeout=self.timeout
        ) as client:
            http_request = client.build_request(
                "POST", url, json=body, params=params, headers=headers
            )
            http_request.extensions["trace"] = wire.trace
            response: httpx.Response | None = None
            try:
                async with contextlib.aclosing(self._send(client, http_request)) as attempts:
                    async for item in attempts:
                        if isinstance(item, Retrying):
                            yield item
                        else:
                            response = item
                assert response is not None
                async with contextlib.aclosing(self._read_reply(response, request)) as events:
                    async for event in events:
                        yield event
            finally:
                if response is not None:
                    await response.aclose()  # also on cancellation: frees the connection

    async def _read_reply(
        self, response: httpx.Response, request: ChatRequest
    ) -> AsyncIterator[StreamEvent]:
        content_type = response.headers.get("content-type", "")
        if "text/event-stream" not in content_type:
            raise await self._not_a_stream(response, content_type)
        parser = self.new_parser()
        failure: HearthError | None = None
        deadline = stream_deadline(local_server=self.spec.is_local_server)
        # The server may ignore max_tokens (or count differently): it is enforced here too, one
        # text or reasoning chunk counted as one token.
        limit = request.max_tokens
        chunks = 0
        loop = asyncio.get_running_loop()
        started = loop.time()
        words_at = started
        try:
            async with contextlib.aclosing(EventSource(response).aiter_sse()) as events:
                while True:
                    # The timeout covers only the wait for the next event, never the caller's
                    # time between events (a timeout across a yield would cancel the caller).
                    wake = min(words_at + deadline.quiet, started + deadline.total)
                    async with asyncio.timeout_at(wake):
                        sse = await anext(events, None)
                    if sse is None:
                        break
                    for event in parser.feed(sse):
                        if isinstance(event, (TextDelta, ReasoningDelta)):
                            chunks += 1
                            words_at = loop.time()
                        yield event
                    if parser.terminal_seen:
                        break
                    if limit and chunks >= limit and not parser.complete:
                        parser.finish("length")  # as if the server had stopped at the limit
                        break
        except TimeoutError:
            failure = self._deadline_error(parser, deadline, quiet_for=loop.time() - words_at)
        except HearthError as err:
            failure = err
        except httpx.TransportError as exc:
            failure = error_for_transport(
                exc,
                provider=self.provider_name,
                base_url=self.base_url,
                started=parser.started,
                local_server=self.spec.is_local_server,
            )
        if failure is None and parser.complete and not parser.started and parser.empty_is_error:
            failure = parser.empty_reply()
        if failure is None and not parser.complete:
            failure = parser.malformed("the stream ended without its closing event")
            if parser.started:
                failure = StreamInterrupted(
                    self.provider_name,
                    message=f"The reply from {self.provider_name} ended before it was complete. "
                    "What arrived so far is kept.",
                )
        # A failed request that produced nothing has no usage worth recording.
        if parser.usage or parser.started or failure is None:
            yield parser.usage or self._local_usage(request, parser)
        if failure is not None:
            yield Error(failure)
            return
        if parser.stopped_early:
            why = parser.stopped_early.replace("_", " ")
            yield Notice("stopped_by_provider", f"{self.provider_name} ended the reply ({why}).")
        yield Done(parser.finish_reason or "stop")

    def _deadline_error(
        self, parser: StreamParser, deadline: StreamDeadline, *, quiet_for: float
    ) -> HearthError:
        name = self.provider_name
        if quiet_for >= deadline.quiet - 0.05:
            message = (
                f"{name} sent nothing for {_seconds_text(deadline.quiet)}, so Hearth stopped "
                "waiting."
            )
        else:
            message = (
                f"The reply from {name} went on for more than {_seconds_text(deadline.total)}, "
                "so Hearth stopped it."
            )
        if parser.started:
            return StreamInterrupted(name, message=f"{message} What arrived so far is kept.")
        return TimedOut(name, message=message)

    async def _not_a_stream(self, response: httpx.Response, content_type: str) -> HearthError:
        body = await _read_capped(response)
        info = read_error_info(body)
        if info.message:
            return error_for_status(502, body, provider=self.provider_name, secrets=self._secrets())
        return MalformedResponse(
            self.provider_name, detail=f"expected an event stream, got {content_type or 'none'}"
        )

    def _local_usage(self, request: ChatRequest, parser: StreamParser) -> UsageEvent:
        prompt_chars = sum(len(m.content) for m in request.messages)
        return UsageEvent(
            input_tokens=estimate_tokens(prompt_chars),
            output_tokens=estimate_tokens(parser.output_chars),
            counted_locally=True,
        )

    def _secrets(self) -> tuple[str, ...]:
        return (self._api_key,) if self._api_key else ()

    def _send(
        self, client: httpx.AsyncClient, request: httpx.Request
    ) -> AsyncIterator[Retrying | httpx.Response]:
        return send_with_retries(
            client,
            request,
            provider=self.provider_name,
            base_url=self.base_url,
            policy=self.retry_policy,
            secrets=self._secrets(),
            local_server=self.spec.is_local_server,
        )

    # model lists

    async def list_models(self) -> list[ModelInfo]:
        """The provider's models (ModelInfo.id = "provider:model"). Raises typed errors; the
        caller falls back to registry.default_model_infos(spec) when it cannot be reached."""
        ensure_connection_allowed(self.base_url, provider=self.provider_name)
        models: list[ModelInfo] = []
        params: dict[str, str] | None = dict(self.models_params)
        pages = 0
        try:
            while params is not None and pages < 10:  # a runaway cursor must not loop forever
                page, params = self.parse_models(await self.get_json(self.models_path, params))
                models += page
                pages += 1
        except httpx.InvalidURL:
            raise bad_address(self.provider_name) from None
        except (KeyError, TypeError, ValueError, AttributeError):
            log.exception("Unreadable model list from %s", self.provider_name)
            raise MalformedResponse(self.provider_name, detail="unreadable model list") from None
        return sorted({m.id: m for m in models}.values(), key=lambda m: m.id)

    async def get_json(self, path: str, params: Mapping[str, str] | None = None) -> Any:
        async with make_client(
            self.base_url, provider=self.provider_name, timeout=LIST_TIMEOUT
        ) as client:
            request = client.build_request(
                "GET", self.base_url + path, params=params, headers=self.auth_headers()
            )
            response: httpx.Response | None = None
            try:
                async with contextlib.aclosing(self._send(client, request)) as attempts:
                    async for item in attempts:
                        if isinstance(item, httpx.Response):
                            response = item
                assert response is not None
                body = await response.aread()
            except httpx.TransportError as exc:
                raise error_for_transport(
                    exc,
                    provider=self.provider_name,
                    base_url=self.base_url,
                    local_server=self.spec.is_local_server,
                ) from None
            finally:
                if response is not None:
                    await response.aclose()
        try:
            return json.loads(body)
        except ValueError:
            raise MalformedResponse(self.provider_name, detail="model list was not JSON") from None

    def info(
        self, name: str, display_name: str | None = None, context_length: int | None = None
    ) -> ModelInfo:
        return ModelInfo(
            id=self.spec.model_id(name),
            provider=self.spec.id,
            display_name=display_name or name,
            context_length=context_length or None,
        )


def request_options(request: ChatRequest) -> dict[str, Any]:
    """Provider-specific request fields the caller asked for (request.extra["provider_options"])."""
    options = request.extra.get("provider_options") if request.extra else None
    return dict(options) if isinstance(options, dict) else {}
