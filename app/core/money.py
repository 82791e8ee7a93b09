"""Money, prices and budgets: pure and exact.

Every amount is a Decimal, never a float: $0.15 per million tokens is not a binary fraction, and
a month of small replies adds up rounding errors a user can see. Amounts are kept exact (a
gpt-4o-mini reply of 17 input and 11 output tokens at $0.15 / $0.60 per million costs exactly
$0.00000915) and rounded only when shown, by `format_usd`.

Token convention (OpenAI's, applied to every provider by the backends): `cached_tokens` is part of
`input_tokens`, and `reasoning_tokens` is part of `output_tokens`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext
from typing import Any, NamedTuple

from app.core.errors import HearthError
from app.core.events import Usage

PER_MILLION = Decimal(1_000_000)
ZERO = Decimal(0)
SMALLEST_SHOWN = Decimal("0.0001")
UNKNOWN_PRICE = "price unknown"


class InvalidPrice(HearthError):
    message = "That price is not a number Hearth can use."
    action = "Enter dollars per million tokens, e.g. 0.15."


# -- prices -----------------------------------------------------------------------------------


def to_decimal(value: Any) -> Decimal:
    """A price or amount from text, an int, a Decimal (or, from a hand-edited JSON file, a float
    taken by its shortest repr so 0.1 stays 0.1). Raises InvalidPrice."""
    if isinstance(value, bool) or value is None:
        raise InvalidPrice()
    try:
        amount = Decimal(str(value).strip()) if not isinstance(value, Decimal) else value
    except (InvalidOperation, ValueError):
        raise InvalidPrice(f"“{value}” is not a price.") from None
    if not amount.is_finite() or amount < 0:
        raise InvalidPrice(f"“{value}” is not a price.")
    return amount


def _optional_decimal(value: Any) -> Decimal | None:
    return None if value in (None, "") else to_decimal(value)


@dataclass(frozen=True, slots=True)
class Price:
    """USD per million tokens. cached_input / reasoning are None where the provider has no
    separate price (cached tokens then cost the input price, reasoning tokens the output price)."""

    input: Decimal
    output: Decimal
    cached_input: Decimal | None = None
    reasoning: Decimal | None = None
    context: int | None = None

    @classmethod
    def free(cls, context: int | None = None) -> Price:
        return cls(ZERO, ZERO, context=context)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Price:
        """From the prices.json / Settings shape: {"input": "0.15", "output": "0.60", ...}."""
        try:
            input_price, output_price = data["input"], data["output"]
        except (KeyError, TypeError):
            raise InvalidPrice(
                "A price needs both an input and an output price.",
                action="Enter dollars per million tokens for input and output.",
            ) from None
        context = data.get("context")
        return cls(
            input=to_decimal(input_price),
            output=to_decimal(output_price),
            cached_input=_optional_decimal(data.get("cached_input")),
            reasoning=_optional_decimal(data.get("reasoning")),
            context=int(context) if context else None,
        )

    def to_dict(self) -> dict[str, Any]:
        """Prices as text, so they survive JSON exactly."""
        return {
            "input": decimal_text(self.input),
            "output": decimal_text(self.output),
            "cached_input": None if self.cached_input is None else decimal_text(self.cached_input),
            "reasoning": None if self.reasoning is None else decimal_text(self.reasoning),
            "context": self.context,
        }

    @property
    def is_free(self) -> bool:
        return self.input == 0 and self.output == 0 and not self.cached_input and not self.reasoning


def cost_of(usage: Usage, price: Price) -> Decimal:
    """What one reply cost, exactly. Cached input tokens are billed at the cached price when the
    provider has one, reasoning tokens at the reasoning price when it has one."""
    cached = min(max(usage.cached_tokens, 0), usage.input_tokens)
    reasoning = min(max(usage.reasoning_tokens, 0), usage.output_tokens)
    cached_price = price.input if price.cached_input is None else price.cached_input
    reasoning_price = price.output if price.reasoning is None else price.reasoning
    # Token counts times prices with a few decimals stay far inside 60 digits, so nothing here
    # is ever rounded (the default context keeps 28).
    with localcontext() as ctx:
        ctx.prec = 60
        per_million = (
            (usage.input_tokens - cached) * price.input
            + cached * cached_price
            + (usage.output_tokens - reasoning) * price.output
            + reasoning * reasoning_price
        )
        return per_million / PER_MILLION


def decimal_text(amount: Decimal) -> str:
    """Plain digits for storage and export ("0.00000915", never "9.15E-6"), exact."""
    text = format(amount, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


def parse_amount(text: str | None) -> Decimal | None:
    """A stored cost_usd back to a Decimal; None (unknown) stays None."""
    if text is None or str(text).strip() == "":
        return None
    return to_decimal(text)


# -- showing money ----------------------------------------------------------------------------


def format_usd(amount: Decimal | None, *, approximate: bool = False) -> str:
    """Money for people: "$0", "< $0.0001", "$0.0012", "$0.50", "$1,234.56", "price unknown".

    Under a dollar, two significant digits (enough to compare replies, not noise); from a dollar
    up, cents. `approximate` prefixes "≈ " for estimates.
    """
    if amount is None:
        return UNKNOWN_PRICE
    prefix = "≈ " if approximate else ""
    if amount == 0:
        return f"{prefix}$0"
    if amount < SMALLEST_SHOWN:
        return f"{prefix}< $0.0001"
    if amount < 1:
        return f"{prefix}${_two_significant(amount)}"
    return f"{prefix}${amount.quantize(Decimal('0.01'), ROUND_HALF_UP):,.2f}"


def _two_significant(amount: Decimal) -> str:
    places = max(2, 1 - amount.adjusted())
    text = format(amount.quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP), "f")
    whole, _, decimals = text.partition(".")
    # 0.00999 rounds to 0.0100: drop the zeros the carry left behind, but keep cents.
    decimals = decimals.rstrip("0").ljust(2, "0")
    return f"{whole}.{decimals}"


def format_price(price: Price | None) -> str:
    """ "$0.15 / $0.60 per 1M tokens" for a model picker or a settings row."""
    if price is None:
        return UNKNOWN_PRICE
    if price.is_free:
        return "free"
    return f"${decimal_text(price.input)} / ${decimal_text(price.output)} per 1M tokens"


# -- model families ---------------------------------------------------------------------------

# Dated or versioned snapshots share their family's price unless the table lists them itself
# (gpt-4o-2024-05-13 is dearer than gpt-4o, so an exact entry always wins over the family).
_VERSION_SUFFIXES = (
    re.compile(r"-\d{4}-\d{2}-\d{2}$"),  # gpt-4o-2024-08-06
    re.compile(r"-\d{8}$"),  # claude-3-5-sonnet-20241022
    re.compile(r"-\d{2}-\d{4}$"),  # gemini-2.5-flash-preview-09-2025 -> ...-preview
    re.compile(r"-\d{2}-\d{2}$"),  # gemini-2.5-pro-preview-05-06 -> ...-preview
    re.compile(r"-\d{4}$"),  # gpt-4-0613, mistral-large-2411, grok-4-0709
    re.compile(r"-\d{3}$"),  # gemini-2.0-flash-001
    re.compile(r"-latest$"),  # claude-3-7-sonnet-latest, mistral-small-latest
    re.compile(r"@\d{8}$"),  # claude-3-5-sonnet-v2@20241022 (Vertex spelling)
)


def family_of(model_name: str) -> str:
    """The model's family name with dated-version suffixes removed, e.g. gpt-4o-2024-08-06 ->
    gpt-4o, claude-3-5-haiku-20241022 -> claude-3-5-haiku, gemini-2.0-flash-001 ->
    gemini-2.0-flash. Provider prefixes are the caller's business (see the price book)."""
    name = model_name.strip()
    changed = True
    while changed:
        changed = False
        for pattern in _VERSION_SUFFIXES:
            shorter = pattern.sub("", name)
            if shorter != name and shorter:
                name, changed = shorter, True
    return name


# -- estimates ----------------------------------------------------------------------------------

CHARS_PER_TOKEN = 4
# Chat formats wrap every message in a few tokens of role markers (OpenAI documents ~3-4).
MESSAGE_OVERHEAD_TOKENS = 4


def estimate_tokens(text: str) -> int:
    """≈ characters / 4, rounded up: OpenAI's rule of thumb for English. There is no tokenizer
    for a cloud model on this computer; this reads high for code and low for Chinese or Japanese,
    which is why anything computed from it is shown as an estimate ("≈")."""
    return math.ceil(len(text) / CHARS_PER_TOKEN) if text else 0


def estimate_prompt_tokens(texts: Iterable[str]) -> int:
    """The whole prompt: each message's text plus its few tokens of chat formatting."""
    return sum(estimate_tokens(t) + MESSAGE_OVERHEAD_TOKENS for t in texts)


# -- budgets ------------------------------------------------------------------------------------

BUDGET_LEVELS = (100, 80, 50)


class BudgetState(NamedTuple):
    level: int  # 0, 50, 80 or 100: the highest warning reached
    message: str  # plain words for a banner; "" below 50%


def budget_state(spent: Decimal, budget: Decimal | None) -> BudgetState:
    """Which warning the monthly budget has reached (50%, 80%, 100%) and what to say."""
    if budget is None or budget <= 0:
        return BudgetState(0, "")
    ratio = spent / budget
    level = next((lv for lv in BUDGET_LEVELS if ratio * 100 >= lv), 0)
    used = f"{format_usd(spent)} of {format_usd(budget)}"
    if level == 100:
        return BudgetState(100, f"This month's budget is used up ({used}).")
    if level == 80:
        return BudgetState(80, f"80% of this month's budget is used ({used}).")
    if level == 50:
        return BudgetState(50, f"Half of this month's budget is used ({used}).")
    return BudgetState(0, "")


def would_exceed(spent: Decimal, estimate: Decimal | None, budget: Decimal | None) -> bool:
    """Would sending this message go over the monthly budget? With no budget, never. With an
    unknown estimate only when the budget is already used up (any cloud reply then goes over)."""
    if budget is None or budget <= 0:
        return False
    if estimate is None:
        return spent >= budget
    return spent + estimate > budget
