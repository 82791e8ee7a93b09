"""The cost meter's words: a reply's cost line, totals, the budget pill, the estimate's tooltip.

No Qt here: plain functions over the usage service's values, easy to read and to test alone.
Money is only ever shown through format_usd, so an unknown price reads "price unknown", not $0.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from app.core.events import Usage
from app.core.money import (
    SMALLEST_SHOWN,
    UNKNOWN_PRICE,
    InvalidPrice,
    Price,
    decimal_text,
    format_price,
    format_usd,
    parse_amount,
)
from app.core.records import Message
from app.services.usage import BudgetStatus, UsageService, short_name
from app.store.usage import Totals

SETTINGS_COSTS = "Settings → Costs"


@dataclass(frozen=True, slots=True)
class CostNote:
    line: str  # the figures: "1,000 tokens in · 500 out · $0.00045"
    tip: str = ""  # the exact amount and the price it came from
    plain: str = ""  # for the footer's one line: "costs about $0.00045"; "" for nothing to pay


def plain_cost(amount: Decimal | None) -> str:
    """What a reply cost, in words: "costs about $0.0012", "costs less than $0.0001", "price
    unknown"; "" when it cost nothing."""
    if amount is None:
        return UNKNOWN_PRICE
    if amount == 0:
        return ""
    if amount < SMALLEST_SHOWN:
        return f"costs less than {format_usd(SMALLEST_SHOWN)}"
    return f"costs about {format_usd(amount)}"


def tokens_text(input_tokens: int | None, output_tokens: int | None) -> str:
    return f"{input_tokens or 0:,} tokens in · {output_tokens or 0:,} out"


def reply_cost(usage: UsageService, message: Message) -> CostNote | None:
    """Under a finished reply: its tokens and cost; for a local reply, what it would have cost
    on the reference model. None while it streams, or when nothing was counted."""
    if message.role != "assistant" or message.status == "streaming":
        return None
    if message.input_tokens is None and message.output_tokens is None:
        return None
    tokens = tokens_text(message.input_tokens, message.output_tokens)
    if message.is_local:
        return _local_cost(usage, message, tokens)
    cost = _stored(message.cost_usd)
    price = usage.price_for(message.model_id) if message.model_id else None
    name = short_name(message.model_id or "")
    if cost is None:
        tip = (
            f"Hearth does not know what {name} costs. You can enter its price in {SETTINGS_COSTS}."
        )
        return CostNote(f"{tokens} · {UNKNOWN_PRICE}", tip, UNKNOWN_PRICE)
    tip = f"Exactly ${decimal_text(cost)}"
    if price is not None and not price.is_free:
        tip += f" ({name} at {format_price(price)})"
    return CostNote(f"{tokens} · {format_usd(cost)}", tip + ".", plain_cost(cost))


def _local_cost(usage: UsageService, message: Message, tokens: str) -> CostNote:
    counted = Usage(message.input_tokens or 0, message.output_tokens or 0)
    other = usage.would_have_cost(usage=counted)
    reference = short_name(usage.reference_model_id)
    free = "Free: this reply was written on this computer."
    if other is None or not (counted.input_tokens or counted.output_tokens):
        return CostNote(f"{tokens} · $0", free)
    line = f"{tokens} · $0 — would have cost {format_usd(other)} on {reference}"
    tip = f"{free} The same tokens on {reference} would have cost ${decimal_text(other)}."
    return CostNote(line, f"{tip} You can choose the model compared with in {SETTINGS_COSTS}.")


def _stored(text: str | None) -> Decimal | None:
    try:
        return parse_amount(text)
    except InvalidPrice:  # a damaged stored value reads as unknown, never as $0
        return None


def amount_text(totals: Totals) -> str:
    """A total for people: "$1.20"; "at least $1.20" when some replies' prices are unknown;
    "price unknown" when none is known."""
    if totals.unknown_price_replies and not totals.cost_known:
        return UNKNOWN_PRICE
    if totals.unknown_price_replies:
        return f"at least {format_usd(totals.cost_usd)}"
    return format_usd(totals.cost_usd)


def totals_tip(totals: Totals, what: str) -> str:
    """ "This chat so far: 6 replies, 12,345 tokens in · 3,210 out." plus what is left out."""
    replies = f"{totals.replies} repl{'y' if totals.replies == 1 else 'ies'}"
    tip = f"{what}: {replies}, {tokens_text(totals.input_tokens, totals.output_tokens)}."
    if totals.local_replies:
        tip += f" {totals.local_replies} written on this computer, for free."
    if totals.unknown_price_replies:
        n = totals.unknown_price_replies
        tip += (
            f" {n} repl{'y' if n == 1 else 'ies'} used a model whose price Hearth does not know "
            f"and {'is' if n == 1 else 'are'} not in the total (you can enter prices in "
            f"{SETTINGS_COSTS})."
        )
    return tip


def budget_pill_text(status: BudgetStatus) -> str:
    """ "12% of $10 budget"; empty without a budget."""
    if status.budget is None or status.fraction is None:
        return ""
    percent = int(status.fraction * 100)  # rounded down: 99.6% is not yet "100%"
    return f"{percent}% of {format_usd(status.budget)} budget"


def budget_tip(status: BudgetStatus) -> str:
    if status.budget is None:
        return ""
    said = status.message or (
        f"{format_usd(status.spent)} of your {format_usd(status.budget)} monthly budget is used."
    )
    left = status.remaining
    if left:
        said += f" {format_usd(left)} left this month."
    if status.hard_stop:
        said += " Hearth asks before a message would go over it."
    return f"{said} Click to change the budget."


def estimate_text(amount: Decimal | None) -> str:
    """ "≈ $0.0004" next to Send; "price unknown" when the model's price is unknown."""
    if amount is None:
        return UNKNOWN_PRICE
    if 0 < amount < SMALLEST_SHOWN:
        return "< $0.0001"
    return format_usd(amount, approximate=True)


def estimate_tip(
    *, model_name: str, price: Price | None, prompt_tokens: int, output_tokens: int
) -> str:
    if price is None:
        return (
            f"Hearth does not know what {model_name} costs, so it cannot estimate this message. "
            f"You can enter its price in {SETTINGS_COSTS}."
        )
    return (
        f"About what sending this would cost on {model_name}: the chat so far and your message "
        f"(≈ {prompt_tokens:,} tokens in) plus a typical reply (≈ {output_tokens:,} tokens out), "
        f"at {format_price(price)}. The exact cost appears under the reply."
    )


def price_cell(price: Price | None) -> str:
    """ "$0.15 / $0.60" per million input / output tokens, for a narrow column."""
    if price is None:
        return UNKNOWN_PRICE
    if price.is_free:
        return "free"
    return f"{per_million(price.input)} / {per_million(price.output)}"


def per_million(value: Decimal) -> str:
    """A price per million tokens: "$0.15", "$2.50", "$0.0375" (every digit it has)."""
    return f"${_money(value)}"


def _money(value: Decimal) -> str:
    text = decimal_text(value)
    whole, _, decimals = text.partition(".")
    return f"{whole}.{decimals.ljust(2, '0')}"
