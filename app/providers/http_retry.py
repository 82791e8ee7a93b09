"""The retry policy shared by chat requests, model lists and downloads: 429, 500-504 and
529/overloaded are retried a few times with exponential backoff and jitter, honouring the
server's retry-after; each wait is announced with a `Retrying` event. `WireWatch` tells whether
a request's body started to leave this computer (what the "sent to" label needs)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass
from typing import Any

import httpx

from app.core.errors import HearthError
from app.core.events import Retrying
from app.core.provider_errors import MalformedResponse, ProviderError
from app.providers.http_errors import error_for_status, error_for_transport

log = logging.getLogger(__name__)

MAX_ERROR_BODY = 64 * 1024


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_attempts: int = 4  # the first try and three retries
    base_delay: float = 1.0
    max_delay: float = 20.0
    # A server asking for a longer wait than this gets a plain error instead of a frozen UI.
    max_retry_after: float = 60.0


DEFAULT_RETRY = RetryPolicy()


def backoff_delay(
    retry_number: int, policy: RetryPolicy, rand: Callable[[], float] = random.random
) -> float:
    """Exponential backoff with "equal jitter": half fixed, half random, capped."""
    ceiling = min(policy.max_delay, policy.base_delay * 2 ** (retry_number - 1))
    return ceiling / 2 + rand() * ceiling / 2


async def read_capped(response: httpx.Response, limit: int = MAX_ERROR_BODY) -> bytes:
    chunks, size = [], 0
    async for chunk in response.aiter_bytes():
        chunks.append(chunk)
        size += len(chunk)
        if size >= limit:
            break
    return b"".join(chunks)[:limit]


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
                body = await read_capped(response)
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


async def get_json_with_retries(
    client: httpx.AsyncClient,
    request: httpx.Request,
    *,
    provider: str,
    base_url: str,
    policy: RetryPolicy = DEFAULT_RETRY,
    secrets: Iterable[str] = (),
    local_server: bool | None = None,
) -> Any:
    """The JSON body of a request (a model list), retried like a chat request; typed errors."""
    response: httpx.Response | None = None
    attempts = send_with_retries(
        client,
        request,
        provider=provider,
        base_url=base_url,
        policy=policy,
        secrets=secrets,
        local_server=local_server,
    )
    try:
        async with contextlib.aclosing(attempts):
            async for item in attempts:
                if isinstance(item, httpx.Response):
                    response = item
        assert response is not None
        body = await response.aread()
    except httpx.TransportError as exc:
        raise error_for_transport(
            exc, provider=provider, base_url=base_url, local_server=local_server
        ) from None
    finally:
        if response is not None:
            await response.aclose()
    try:
        return json.loads(body)
    except ValueError:
        raise MalformedResponse(provider, detail="model list was not JSON") from None
