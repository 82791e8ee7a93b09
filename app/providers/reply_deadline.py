"""How long one reply may go on, and the plain words when it went on too long."""

from __future__ import annotations

from dataclasses import dataclass

from app.core.errors import HearthError
from app.core.provider_errors import StreamInterrupted, TimedOut


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


def _seconds_text(seconds: float) -> str:
    if seconds >= 120:
        return f"{round(seconds / 60)} minutes"
    return f"{seconds:g} seconds" if seconds != 1 else "1 second"


def deadline_error(
    name: str, deadline: StreamDeadline, *, started: bool, quiet_for: float
) -> HearthError:
    """The error for a reply stopped at its deadline: nothing new for `quiet`, or past `total`."""
    if quiet_for >= deadline.quiet - 0.05:
        message = (
            f"{name} sent nothing for {_seconds_text(deadline.quiet)}, so Hearth stopped waiting."
        )
    else:
        message = (
            f"The reply from {name} went on for more than {_seconds_text(deadline.total)}, "
            "so Hearth stopped it."
        )
    if started:
        return StreamInterrupted(name, message=f"{message} What arrived so far is kept.")
    return TimedOut(name, message=message)
