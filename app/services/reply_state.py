"""The state of one streaming reply and what its final write holds."""

from __future__ import annotations

import concurrent.futures
import json
import logging
import time
from decimal import Decimal

from app.core.chat import ModelInfo
from app.core.errors import HearthError, StorageError
from app.core.events import Usage
from app.core.money import decimal_text
from app.core.records import Message
from app.core.where import also_sent, not_sent, sent_to

log = logging.getLogger(__name__)

# A reply is written while it streams, at most this many seconds behind the screen.
FLUSH_INTERVAL = 0.25


# What a finished reply writes (ReplyState.final_values and the cost), for Retry saving.
SAVED_FIELDS = (
    "content",
    "status",
    "error",
    "model_id",
    "provider",
    "destination",
    "ttft_ms",
    "input_tokens",
    "output_tokens",
    "tokens_per_second",
    "cost_usd",
    "sources",
    "tool_calls",
)


def added_to(before: Message, values: dict) -> dict:
    """A continued reply's tokens and cost: both requests', added (None when either's cost is
    unknown); its time to the first word stays the first request's."""
    added: dict = {"ttft_ms": before.ttft_ms}
    for key in ("input_tokens", "output_tokens"):
        if values.get(key) is not None or getattr(before, key) is not None:
            added[key] = (getattr(before, key) or 0) + (values.get(key) or 0)
    costs = (before.cost_usd, values.get("cost_usd"))
    added["cost_usd"] = (
        None if None in costs else decimal_text(sum((Decimal(c) for c in costs), Decimal(0)))
    )
    if values.get("tool_calls") and before.tool_calls:  # the calls before Stop stay listed
        calls = json.loads(before.tool_calls) + json.loads(values["tool_calls"])
        added["tool_calls"] = json.dumps(calls, ensure_ascii=False)
    elif "tool_calls" in values and before.tool_calls:
        added["tool_calls"] = before.tool_calls  # continued without calls: keep the old ones
    return added


def provider_name(model: ModelInfo) -> str:
    return model.provider_name or model.provider


def cloud_destination(model: ModelInfo, state: ReplyState) -> dict:
    """A cloud reply's final "where": sent, not sent and why, or also sent (the local fallback
    answered after the words had left). {} for a model on this computer."""
    if model.is_local:
        return {}
    if state.answered_by is None:
        sent = state.sent or state.parts
        where = (
            sent_to(provider_name(model)) if sent else not_sent(provider_name(model), state.error)
        )
        return {"destination": where}
    if state.sent:
        return {"destination": also_sent(state.answered_by.where, provider_name(model))}
    return {}


class ReplyState:
    """One streaming reply: its text so far, timings, usage, and how it ended."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.started = time.perf_counter()
        self.first_token_at: float | None = None
        self.last_flush = self.started
        self.usage: Usage | None = None
        self.finish_reason: str | None = None
        self.error: HearthError | None = None
        self.stop_requested = False
        self.answered_by: ModelInfo | None = None  # the fallback model, when one took over
        self.sent = False  # the request was written to a cloud provider (RequestSent)
        self.write_error: StorageError | None = None  # the last streamed write that failed

    def note_write(self, write: concurrent.futures.Future) -> None:
        """Called on the database worker when a streamed write ends: a failure is kept (the
        text is still in memory; the final write says whether the reply was saved)."""
        error = write.exception()
        if isinstance(error, StorageError):
            self.write_error = error
        elif error is not None:
            log.error("Streamed write failed", exc_info=error)

    @property
    def text(self) -> str:
        return "".join(self.parts)

    def add_text(self, text: str) -> None:
        if self.first_token_at is None:
            self.first_token_at = time.perf_counter()
        self.parts.append(text)

    def due_for_flush(self) -> bool:
        now = time.perf_counter()
        if now - self.last_flush >= FLUSH_INTERVAL:
            self.last_flush = now
            return True
        return False

    def final_values(self) -> dict:
        end = time.perf_counter()
        values: dict = {"content": self.text}
        stopped = self.stop_requested or (self.finish_reason is None and self.error is None)
        if self.answered_by is not None:
            m = self.answered_by
            values.update(model_id=m.id, provider=m.provider, destination=m.where)
        if self.error is not None:
            values.update(status="error", error=self.error.plain())
        elif stopped:
            values["status"] = "stopped"
        else:
            values["status"] = "complete"
        if self.first_token_at is not None:
            values["ttft_ms"] = round((self.first_token_at - self.started) * 1000, 1)
        if self.usage is not None:
            values.update(
                input_tokens=self.usage.input_tokens, output_tokens=self.usage.output_tokens
            )
            elapsed = end - (self.first_token_at or end)
            if self.usage.output_tokens > 1 and elapsed > 0:
                values["tokens_per_second"] = round((self.usage.output_tokens - 1) / elapsed, 2)
        return values
