"""Each API's own error: the status code, and the JSON body its official SDK reads.

OpenAI: {"error": {"message", "type", "param", "code"}}. Anthropic: {"type": "error", "error":
{"type", "message"}}. The message is the plain-words HearthError text; never a traceback.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from app.core.embed_errors import CannotEmbed
from app.core.errors import HearthError, PromptTooLong
from app.core.provider_errors import Offline, OfflineModeBlocked, ProviderError, RateLimited
from app.services.serving_errors import (
    BadRequest,
    BudgetReached,
    ModelNotServed,
    NotForThisModel,
    QueueFull,
    SecretsInRequest,
    ServedOffline,
    TokenRequired,
)


class BodyTooLarge(HearthError):
    message = "The request body is too large for this server."
    action = "Send less text in one request."


class HostNotAllowed(HearthError):
    message = "This server answers only requests addressed to this computer."
    action = "Use http://127.0.0.1 or http://localhost as the address."


class OriginNotAllowed(HearthError):
    message = "Web pages may not call this server unless their origin is listed."
    action = "Add the page's origin in Hearth's Settings → Local server."


@dataclass(frozen=True, slots=True)
class Kind:
    status: int
    openai_type: str
    openai_code: str | None
    anthropic_type: str


# Most specific first.
_KINDS: list[tuple[type[BaseException], Kind]] = [
    (TokenRequired, Kind(401, "invalid_request_error", "invalid_api_key", "authentication_error")),
    (ModelNotServed, Kind(404, "invalid_request_error", "model_not_found", "not_found_error")),
    (BudgetReached, Kind(429, "insufficient_quota", "insufficient_quota", "rate_limit_error")),
    (QueueFull, Kind(429, "rate_limit_error", "rate_limit_exceeded", "rate_limit_error")),
    (RateLimited, Kind(429, "rate_limit_error", "rate_limit_exceeded", "rate_limit_error")),
    (ServedOffline, Kind(503, "service_unavailable", "offline", "overloaded_error")),
    (OfflineModeBlocked, Kind(503, "service_unavailable", "offline", "overloaded_error")),
    (Offline, Kind(503, "service_unavailable", "offline", "overloaded_error")),
    (SecretsInRequest, Kind(403, "invalid_request_error", "sensitive_content", "permission_error")),
    (HostNotAllowed, Kind(403, "invalid_request_error", "host_not_allowed", "permission_error")),
    (
        OriginNotAllowed,
        Kind(403, "invalid_request_error", "origin_not_allowed", "permission_error"),
    ),
    (BodyTooLarge, Kind(413, "invalid_request_error", "request_too_large", "request_too_large")),
    (BadRequest, Kind(400, "invalid_request_error", None, "invalid_request_error")),
    (NotForThisModel, Kind(400, "invalid_request_error", None, "invalid_request_error")),
    (CannotEmbed, Kind(400, "invalid_request_error", None, "invalid_request_error")),
    (
        PromptTooLong,
        Kind(400, "invalid_request_error", "context_length_exceeded", "invalid_request_error"),
    ),
    (ProviderError, Kind(502, "api_error", "upstream_error", "api_error")),
]
_OTHER = Kind(500, "server_error", None, "api_error")


def kind_of(err: BaseException) -> Kind:
    return next((kind for cls, kind in _KINDS if isinstance(err, cls)), _OTHER)


def message_of(err: BaseException) -> str:
    if isinstance(err, HearthError):
        return err.plain()
    return "The request failed unexpectedly. Hearth's log file has the details."


# A 503 (offline mode, also when a provider's own Offline error ends a reply) always says when
# to ask again: the SDKs otherwise retry at once, into the same refusal.
OFFLINE_RETRY_AFTER = 30.0


def retry_after(err: BaseException) -> float | None:
    value = getattr(err, "retry_after", None)
    if value:
        return float(value)
    return OFFLINE_RETRY_AFTER if kind_of(err).status == 503 else None


def openai_body(err: BaseException) -> dict:
    kind = kind_of(err)
    return {
        "error": {
            "message": message_of(err),
            "type": kind.openai_type,
            "param": None,
            "code": kind.openai_code,
        }
    }


def anthropic_body(err: BaseException) -> dict:
    return {
        "type": "error",
        "error": {"type": kind_of(err).anthropic_type, "message": message_of(err)},
    }


def is_anthropic(path: str) -> bool:
    return path.startswith("/v1/messages")


def error_parts(err: BaseException, path: str) -> tuple[int, bytes, list[tuple[bytes, bytes]]]:
    """(status, JSON body, extra headers) for `err` in the API that `path` belongs to."""
    body = anthropic_body(err) if is_anthropic(path) else openai_body(err)
    headers = [(b"content-type", b"application/json")]
    if (after := retry_after(err)) is not None:
        headers.append((b"retry-after", str(max(1, round(after))).encode()))
    return kind_of(err).status, json.dumps(body).encode(), headers
