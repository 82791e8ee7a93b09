"""What the cost meter answers with (budget status, send check, month report, dashboard, what-if,
price refresh), month and model-name helpers, and the small pure helpers of app.services.usage."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from app.core.errors import HearthError
from app.core.money import ZERO, InvalidPrice, Price, format_usd, parse_amount
from app.providers.prices import PriceTable, derive_aliases
from app.store.usage import DayTotals, LocalVsCloud, ModelTotals, ProviderTotals, Totals

log = logging.getLogger(__name__)

SETTINGS_DEFAULTS: dict[str, Any] = {
    "monthly_budget_usd": None,
    "budget_hard_stop": False,
    "reference_model": "openai:gpt-4o",
    "price_overrides": {},
}
# The few popular models the dashboard compares this month's tokens against.
WHAT_IF_MODELS = (
    "openai:gpt-4o",
    "openai:gpt-4o-mini",
    "anthropic:claude-sonnet-4-20250514",
    "gemini:gemini-2.5-flash",
    "deepseek:deepseek-chat",
)
# A reply's length is unknown before it is written: assume a typical chat answer until the
# user's own recent replies from that model say otherwise (typical_output_tokens).
EXPECTED_OUTPUT_TOKENS = 500
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class InvalidMonth(HearthError):
    action = "Give the month as YYYY-MM, e.g. 2026-11."


# -- results --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BudgetStatus:
    budget: Decimal | None  # None: no monthly budget set
    spent: Decimal  # this month, replies with a known price
    level: int  # 0, 50, 80 or 100
    message: str  # "" below 50%
    hard_stop: bool
    unknown_price_replies: int

    @property
    def fraction(self) -> float | None:
        """For a progress bar only (a float is fine for drawing, never for money)."""
        return float(self.spent / self.budget) if self.budget else None

    @property
    def remaining(self) -> Decimal | None:
        return None if self.budget is None else max(self.budget - self.spent, ZERO)


@dataclass(frozen=True, slots=True)
class SendCheck:
    """Before a message goes to a cloud model: its estimate and whether to ask first."""

    estimate: Decimal | None
    budget: BudgetStatus
    needs_confirmation: bool  # the hard stop is on and this would go over the budget
    message: str  # the question to ask, or ""


@dataclass(frozen=True, slots=True)
class WhatIf:
    model_id: str
    cost: Decimal | None  # None: that model's price is unknown
    input_tokens: int
    output_tokens: int


@dataclass(frozen=True, slots=True)
class MonthReport:
    month: str  # "2026-11"
    totals: Totals
    by_model: list[ModelTotals]
    by_provider: list[ProviderTotals]


@dataclass(frozen=True, slots=True)
class Dashboard:
    days: list[DayTotals]  # oldest first, every day present
    today: Totals
    month: MonthReport
    local_vs_cloud: LocalVsCloud  # this month
    budget: BudgetStatus
    what_if: list[WhatIf]  # this month's tokens on a few popular models


@dataclass(frozen=True, slots=True)
class PriceRefresh:
    dataset_models: int
    openrouter_models: int
    problems: list[str]  # plain-words reasons a part could not be refreshed


def parse_month(text: str) -> tuple[int, int]:
    found = _MONTH.match(text.strip())
    if not found or not 1 <= int(found[2]) <= 12:
        raise InvalidMonth(f"“{text}” is not a month.")
    return int(found[1]), int(found[2])


def short_name(model_id: str) -> str:
    """ "gpt-4o" for "openai:gpt-4o": how the reference model is named under a reply."""
    return model_id.partition(":")[2] or model_id


def stored_amount(text: str | None) -> Decimal | None:
    try:
        return parse_amount(text)
    except InvalidPrice:
        return None


def over_budget_question(estimate: Decimal | None, budget: BudgetStatus) -> str:
    cost = "an unknown amount" if estimate is None else f"about {format_usd(estimate)}"
    limit = format_usd(budget.budget)
    return (
        f"This message may cost {cost} and would take this month's spending "
        f"({format_usd(budget.spent)}) over your budget of {limit}. Send it anyway?"
    )


def dataset_table(current: PriceTable, fetched: Mapping[str, Price], day: str) -> PriceTable:
    """A freshly fetched dataset, keeping hand-made aliases whose target still exists."""
    kept = {a: t for a, t in current.aliases.items() if t in fetched and a not in fetched}
    return PriceTable(
        models=dict(fetched),
        aliases={**kept, **derive_aliases(fetched)},
        source="models.dev api.json (https://models.dev/api.json, MIT)",
        source_date=day,
    )


def settings_copy(raw: Any) -> Any:
    """A deep-enough copy to notice later edits of the Settings dict in place."""
    if isinstance(raw, Mapping):
        return {k: settings_copy(v) for k, v in raw.items()}
    return raw
