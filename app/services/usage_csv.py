"""Usage as CSV: one line per reply, cost exact (empty when the price was unknown); read back
exactly, and anything else refused in plain words."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from typing import TextIO

from app.core.errors import HearthError
from app.core.money import InvalidPrice, decimal_text, parse_amount
from app.store.usage import UsageRow

CSV_COLUMNS = (
    "message_id",
    "conversation_id",
    "created_utc",
    "model",
    "provider",
    "where",
    "status",
    "input_tokens",
    "output_tokens",
    "cost_usd",
)


class NotAUsageExport(HearthError):
    message = "That file is not a Hearth usage export."
    action = "Choose a CSV file exported from the usage dashboard."


def write_csv(stream: TextIO, found: Iterable[UsageRow]) -> None:
    writer = csv.writer(stream)
    writer.writerow(CSV_COLUMNS)
    for r in found:
        cost = "" if r.cost_usd is None else decimal_text(r.cost_usd)
        writer.writerow(
            [r.message_id, r.conversation_id, r.created, r.model_id or "", r.provider or "",
             r.destination or "", r.status, r.input_tokens, r.output_tokens, cost]
        )  # fmt: skip


def read_csv(stream: TextIO | str) -> list[UsageRow]:
    """Rows back from write_csv's output (an open file, or the CSV text itself); the round trip
    is exact. Raises NotAUsageExport for any other file."""
    reader = csv.DictReader(io.StringIO(stream) if isinstance(stream, str) else stream)
    if tuple(reader.fieldnames or ()) != CSV_COLUMNS:
        raise NotAUsageExport()
    try:
        return [_csv_row(line) for line in reader]
    except (ValueError, InvalidPrice) as exc:
        raise NotAUsageExport(f"That usage export has a damaged line ({exc}).") from exc


def _csv_row(line: Mapping[str, str]) -> UsageRow:
    return UsageRow(
        message_id=int(line["message_id"]),
        conversation_id=int(line["conversation_id"]),
        created=line["created_utc"],
        model_id=line["model"] or None,
        provider=line["provider"] or None,
        destination=line["where"] or None,
        status=line["status"],
        input_tokens=int(line["input_tokens"]),
        output_tokens=int(line["output_tokens"]),
        cost_usd=parse_amount(line["cost_usd"]),
    )
