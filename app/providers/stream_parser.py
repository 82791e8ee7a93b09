"""Turning one wire format's server-sent events into Hearth's stream events: the base
`StreamParser` each backend (openai_compat, anthropic, gemini) subclasses, and small helpers
for reading their JSON."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from typing import Any

from httpx_sse import ServerSentEvent

from app.core.chat import ChatRequest
from app.core.errors import HearthError
from app.core.events import ReasoningDelta, StreamEvent, TextDelta
from app.core.events import Usage as UsageEvent
from app.core.image_cost import images_tokens
from app.core.provider_errors import (
    EmptyReply,
    MalformedResponse,
    Overloaded,
    RateLimited,
    StreamInterrupted,
    TimedOut,
)
from app.providers.http_errors import error_for_status


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


def estimated_usage(request: ChatRequest, parser: StreamParser, wire: str = "openai") -> UsageEvent:
    """Usage counted here, for a server that reported none (never used for cost); pictures by
    their provider's published rule (app.core.image_cost)."""
    prompt_chars = sum(len(m.content) for m in request.messages)
    sizes = [(i.width, i.height) for m in request.messages for i in m.images]
    return UsageEvent(
        input_tokens=estimate_tokens(prompt_chars) + images_tokens(wire, sizes),
        output_tokens=estimate_tokens(parser.output_chars),
        counted_locally=True,
    )


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


def request_options(request: ChatRequest) -> dict[str, Any]:
    """Provider-specific request fields the caller asked for (request.extra["provider_options"])."""
    options = request.extra.get("provider_options") if request.extra else None
    return dict(options) if isinstance(options, dict) else {}
