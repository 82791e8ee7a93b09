"""What both import formats share: the plain-words failure, times, titles."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

from app.core.errors import HearthError
from app.services.chat import title_from
from app.store.trees import ImportedMessage

UNTITLED = "Imported chat"
NOTHING_IMPORTED = "Nothing was imported."


class ImportFailed(HearthError):
    action = NOTHING_IMPORTED


def damaged(index: int, what: str) -> ImportFailed:
    return ImportFailed(f"Conversation {index + 1} in this file is damaged: {what}.")


def epoch_to_iso(value: Any) -> str | None:
    """A ChatGPT time (seconds since 1970, or ISO text in some exports) as Hearth's UTC text."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str):
        try:
            stamp = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        stamp = stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)
        return stamp.astimezone(UTC).isoformat(timespec="microseconds")
    if isinstance(value, int | float) and math.isfinite(value) and 0 < value < 32_503_680_000:
        return datetime.fromtimestamp(value, UTC).isoformat(timespec="microseconds")
    return None


def title_from_messages(messages: list[ImportedMessage]) -> str:
    first = next((m.content for m in messages if m.role == "user" and m.content.strip()), "")
    return title_from(first) if first.strip() else UNTITLED


def int_or_none(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None
