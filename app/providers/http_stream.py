"""What every HTTP backend shares: the client, the reply deadlines and the SSE read loop.

A backend (openai_compat, anthropic, gemini) supplies three things: how to build the chat request,
a `StreamParser` (stream_parser) that turns one server-sent event into stream events, and how to
read its model list. Everything else is shared so the three behave the same way; retries are in
http_retry, the mapping of failures to typed errors in http_errors:

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
import functools
import json
import logging
import math
import os
import ssl
from collections.abc import AsyncIterator, Mapping
from typing import TYPE_CHECKING, Any

import certifi
import httpx
from httpx_sse import EventSource

from app.core.chat import ChatRequest, ModelInfo
from app.core.errors import HearthError
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
from app.core.provider_errors import (
    InvalidKeyCharacters,
    MalformedResponse,
    NoKey,
    StreamInterrupted,
    key_has_bad_characters,
)
from app.netguard import ensure_connection_allowed, is_loopback_url
from app.providers.http_errors import (
    bad_address,
    error_for_status,
    error_for_transport,
    read_error_info,
)
from app.providers.http_retry import (
    DEFAULT_RETRY,
    RetryPolicy,
    WireWatch,
    get_json_with_retries,
    read_capped,
    send_with_retries,
)
from app.providers.reply_deadline import (
    CLOUD_DEADLINE,
    LOCAL_DEADLINE,
    StreamDeadline,
    deadline_error,
)
from app.providers.stream_parser import StreamParser, estimated_usage

if TYPE_CHECKING:
    from app.providers.registry import ProviderSpec

log = logging.getLogger(__name__)

USER_AGENT = "Hearth/0.1"
# Reasoning models can think for a minute or two before the first byte of the reply.
CLOUD_TIMEOUT = httpx.Timeout(connect=10.0, read=180.0, write=30.0, pool=10.0)
# A server on this computer may be loading a model from disk before it answers.
LOCAL_TIMEOUT = httpx.Timeout(connect=3.0, read=600.0, write=30.0, pool=10.0)
LIST_TIMEOUT = httpx.Timeout(connect=5.0, read=20.0, write=10.0, pool=5.0)


# $HEARTH_REPLY_DEADLINE (seconds) caps both reply deadlines (app.providers.reply_deadline),
# e.g. for scripts that would rather fail fast.
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

    def _encoded_request(self, request: ChatRequest) -> tuple[str, bytes, dict[str, str]]:
        """chat_request with the body as the bytes httpx's `json=` would send (any thread)."""
        url, body, params = self.chat_request(request)
        text = json.dumps(body, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        return url, text.encode("utf-8"), params

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
        headers = {**self.auth_headers(), "accept": "text/event-stream"}
        if any(m.images for m in request.messages):
            # A photo's base64 and the JSON around it take tens of milliseconds (a 3 MB body
            # for Gemini's 3072 px): built on a worker thread, so the window never stutters.
            url, content, params = await asyncio.to_thread(self._encoded_request, request)
            payload: dict[str, Any] = {"content": content}
            headers["content-type"] = "application/json"
        else:
            url, body, params = self.chat_request(request)
            payload = {"json": body}
        async with make_client(
            self.base_url, provider=self.provider_name, timeout=self.timeout
        ) as client:
            http_request = client.build_request(
                "POST", url, params=params, headers=headers, **payload
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
            failure = deadline_error(
                self.provider_name,
                deadline,
                started=parser.started,
                quiet_for=loop.time() - words_at,
            )
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
            yield parser.usage or estimated_usage(request, parser, self.spec.wire)
        if failure is not None:
            yield Error(failure)
            return
        if parser.stopped_early:
            why = parser.stopped_early.replace("_", " ")
            yield Notice("stopped_by_provider", f"{self.provider_name} ended the reply ({why}).")
        yield Done(parser.finish_reason or "stop")

    async def _not_a_stream(self, response: httpx.Response, content_type: str) -> HearthError:
        body = await read_capped(response)
        info = read_error_info(body)
        if info.message:
            return error_for_status(502, body, provider=self.provider_name, secrets=self._secrets())
        return MalformedResponse(
            self.provider_name, detail=f"expected an event stream, got {content_type or 'none'}"
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
            return await get_json_with_retries(
                client,
                request,
                provider=self.provider_name,
                base_url=self.base_url,
                policy=self.retry_policy,
                secrets=self._secrets(),
                local_server=self.spec.is_local_server,
            )

    def info(
        self, name: str, display_name: str | None = None, context_length: int | None = None
    ) -> ModelInfo:
        return ModelInfo(
            id=self.spec.model_id(name),
            provider=self.spec.id,
            display_name=display_name or name,
            context_length=context_length or None,
        )
