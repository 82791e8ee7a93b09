"""HTTP status codes and transport failures mapped to Hearth's typed, plain-words errors.

Every provider's error body shape is read (`read_error_info`), key-shaped text is stripped from
what the provider said, and `retry-after-ms` / `retry-after` (seconds or an HTTP date) is read so
the retry policy (http_retry) can honour it."""

from __future__ import annotations

import email.utils
import json
import math
import ssl
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from app.core.errors import HearthError, PromptTooLong
from app.core.privacy import redact_secrets
from app.core.provider_errors import (
    InvalidKey,
    LocalServerNotRunning,
    ModelUnavailable,
    NoCredits,
    Offline,
    Overloaded,
    ProviderError,
    ProviderUnavailable,
    RateLimited,
    RequestRejected,
    StreamInterrupted,
    TimedOut,
)
from app.netguard import is_loopback_url


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
