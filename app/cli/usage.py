"""`hearth usage`: what was spent, per model and provider, for one month. No Qt here.

    hearth usage                    # this month, as a table
    hearth usage --month 2026-10    # another month (local time)
    hearth usage --json             # {"month", "total_usd", "input_tokens", "output_tokens",
                                    #  "unknown_price_replies", "by_model": [...]}

Amounts in the JSON are strings, so they round-trip exactly as Decimals.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

from app.core.errors import HearthError
from app.core.money import decimal_text, format_usd

# The usage service (prices, httpx) is imported when `hearth usage` runs, not with the parser.
if TYPE_CHECKING:
    from app.services.usage import MonthReport, UsageService
    from app.store.usage import ModelTotals, Totals


def add_usage_parser(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    usage = sub.add_parser(
        "usage", parents=[common], help="spending and tokens per model for a month"
    )
    usage.add_argument(
        "--month", metavar="YYYY-MM", type=_month, help="the month (default: this month)"
    )
    usage.add_argument("--json", action="store_true", help="print JSON (amounts as strings)")


def _month(text: str) -> str:
    from app.services.usage import parse_month

    try:
        year, month = parse_month(text)
    except HearthError as err:  # argparse shows the message and exits with status 2
        raise argparse.ArgumentTypeError(err.plain()) from None
    return f"{year:04d}-{month:02d}"


def _usage(services) -> UsageService:
    """The container's UsageService, or one made here until services/__init__ wires it in."""
    existing = getattr(services, "usage", None)
    if existing is not None:
        return existing
    from app.providers.prices import PriceBook
    from app.services.usage import UsageService

    prices = PriceBook.load(
        services.settings.get("price_overrides") or {}, data_dir=services.data_dir
    )
    return UsageService(services.db, services.settings, prices, data_dir=services.data_dir)


async def cmd_usage(services, args: argparse.Namespace) -> int:
    report = await _usage(services).month_report(args.month)
    if args.json:
        print(json.dumps(report_json(report), indent=2))
    else:
        sys.stdout.write(report_table(report))
    return 0


def report_json(report: MonthReport) -> dict[str, Any]:
    t = report.totals
    return {
        "month": report.month,
        "total_usd": decimal_text(t.cost_usd),
        "input_tokens": t.input_tokens,
        "output_tokens": t.output_tokens,
        "replies": t.replies,
        "unknown_price_replies": t.unknown_price_replies,
        "local_replies": t.local_replies,
        "by_model": [_model_json(m) for m in report.by_model],
        "by_provider": [
            {"provider": p.provider, "total_usd": _total_text(p.totals), **_counts(p.totals)}
            for p in report.by_provider
        ],
    }


def _model_json(m: ModelTotals) -> dict[str, Any]:
    return {
        "model": m.model_id,
        "provider": m.provider,
        "local": m.is_local,
        "total_usd": _total_text(m.totals),
        **_counts(m.totals),
    }


def _counts(t: Totals) -> dict[str, int]:
    return {
        "input_tokens": t.input_tokens,
        "output_tokens": t.output_tokens,
        "replies": t.replies,
        "unknown_price_replies": t.unknown_price_replies,
    }


def _total_text(t: Totals) -> str | None:
    """None (JSON null) when no reply of this group had a known price: unknown is not $0."""
    return decimal_text(t.cost_usd) if t.cost_known else None


def report_table(report: MonthReport) -> str:
    header = ("MODEL", "PROVIDER", "REPLIES", "IN", "OUT", "COST")
    lines = [
        (m.model_id, m.provider, str(m.totals.replies), f"{m.totals.input_tokens:,}",
         f"{m.totals.output_tokens:,}", _cost_text(m.totals))
        for m in report.by_model
    ]  # fmt: skip
    t = report.totals
    total = ("Total", "", str(t.replies), f"{t.input_tokens:,}", f"{t.output_tokens:,}",
             format_usd(t.cost_usd))  # fmt: skip
    out = [f"Usage for {report.month} (local time)", ""]
    if not lines:
        return "\n".join([*out, "No replies this month.", ""])
    out += _columns([header, *lines, total])
    if t.unknown_price_replies:
        n = t.unknown_price_replies
        out.append(f"{n} {'reply' if n == 1 else 'replies'} with unknown price not in the total.")
    return "\n".join(out) + "\n"


def _cost_text(t: Totals) -> str:
    return format_usd(t.cost_usd if t.cost_known else None)


def _columns(rows: list[tuple[str, ...]]) -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    numeric = {2, 3, 4, 5}
    return [
        "  ".join(
            cell.rjust(widths[i]) if i in numeric else cell.ljust(widths[i])
            for i, cell in enumerate(row)
        ).rstrip()
        for row in rows
    ]
