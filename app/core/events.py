"""The one streaming contract: every chat backend yields these, and only these."""

from __future__ import annotations

from dataclasses import dataclass

from app.core.errors import HearthError
from app.core.tools import ToolCall


@dataclass(frozen=True, slots=True)
class TextDelta:
    text: str


@dataclass(frozen=True, slots=True)
class ReasoningDelta:
    text: str


@dataclass(frozen=True, slots=True)
class Usage:
    """Token counts, as the backend reported them or as counted locally."""

    input_tokens: int
    output_tokens: int
    cached_tokens: int = 0
    reasoning_tokens: int = 0
    counted_locally: bool = False


@dataclass(frozen=True, slots=True)
class Notice:
    """A quiet note for the user, e.g. that old turns were left out of the prompt."""

    kind: str
    text: str


@dataclass(frozen=True, slots=True)
class Retrying:
    """A cloud request failed in a way worth retrying; the next try starts in `delay` seconds."""

    attempt: int
    delay: float
    reason: str


@dataclass(frozen=True, slots=True)
class RequestSent:
    """The request (and so the user's words) was written to the provider's connection.

    Yielded once, by backends that send words away, as soon as they know it. Before it, a failed
    reply was never sent: its label says "not sent", not "sent to <provider>"."""


@dataclass(frozen=True, slots=True)
class Done:
    """The stream ended. finish_reason: "stop", "length" or "stopped" (the user pressed Stop)."""

    finish_reason: str


@dataclass(frozen=True, slots=True)
class Error:
    error: HearthError


# ToolCall (app.core.tools): the model asks to run a tool; yielded once per call, whole (its
# streamed argument fragments already assembled), before Done.
StreamEvent = (
    TextDelta | ReasoningDelta | ToolCall | Usage | Notice | Retrying | RequestSent | Done | Error
)
