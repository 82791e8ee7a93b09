"""Exact money arithmetic, display rules, model families, estimates and budget levels."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from app.core.events import Usage
from app.core.money import (
    InvalidPrice,
    Price,
    budget_state,
    cost_of,
    decimal_text,
    estimate_prompt_tokens,
    estimate_tokens,
    family_of,
    format_price,
    format_usd,
    parse_amount,
    would_exceed,
)

MINI = Price(Decimal("0.15"), Decimal("0.60"), cached_input=Decimal("0.075"))
D = Decimal


# -- cost ---------------------------------------------------------------------------------------


def test_the_issue_example_is_exact():
    cost = cost_of(Usage(input_tokens=17, output_tokens=11), MINI)
    assert cost == D("0.00000915")
    assert decimal_text(cost) == "0.00000915"


def test_cached_tokens_are_part_of_input_and_billed_at_the_cached_price():
    # 1,000 prompt tokens of which 600 cached; 200 output tokens.
    cost = cost_of(Usage(1000, 200, cached_tokens=600), MINI)
    assert cost == (400 * D("0.15") + 600 * D("0.075") + 200 * D("0.60")) / 1_000_000
    assert cost == D("0.000225")


def test_cached_tokens_cost_the_input_price_when_there_is_no_cached_price():
    plain = Price(D("3"), D("15"))
    assert cost_of(Usage(1000, 0, cached_tokens=1000), plain) == D("0.003")


def test_reasoning_tokens_are_part_of_output_and_use_their_own_price_when_given():
    grok_mini = Price(D("0.30"), D("0.50"), reasoning=D("4"))
    cost = cost_of(Usage(100, 300, reasoning_tokens=200), grok_mini)
    assert cost == (100 * D("0.30") + 100 * D("0.50") + 200 * D("4")) / 1_000_000
    without = Price(D("0.30"), D("0.50"))
    assert cost_of(Usage(100, 300, reasoning_tokens=200), without) == D("0.00018")


def test_counts_larger_than_their_totals_are_clamped():
    # A provider reporting more cached than prompt tokens must not produce a negative count.
    assert (
        cost_of(Usage(10, 10, cached_tokens=50, reasoning_tokens=50), MINI)
        == (10 * D("0.075") + 10 * D("0.60")) / 1_000_000
    )


def test_a_month_of_small_replies_adds_up_exactly():
    one = cost_of(Usage(17, 11), MINI)
    assert sum([one] * 100_000, D(0)) == D("0.915")


def test_long_prices_and_big_counts_are_not_rounded():
    # Decimal's default context keeps 28 digits; this product needs 37.
    long_price = D("0.1234567890123456789012345678")
    cost = cost_of(Usage(123_456_789, 0), Price(long_price, D(0)))
    assert Fraction(cost) == Fraction(123_456_789) * Fraction(long_price) / 1_000_000


def test_free_price():
    assert cost_of(Usage(10_000, 10_000), Price.free()) == 0
    assert Price.free().is_free and not MINI.is_free


# -- prices from text ---------------------------------------------------------------------------


def test_price_from_dict_is_exact_and_round_trips():
    price = Price.from_dict({"input": "0.15", "output": "0.60", "cached_input": "0.075"})
    assert price == MINI
    assert Price.from_dict(price.to_dict()) == price
    assert price.to_dict()["output"] == "0.6"


def test_a_float_from_a_hand_edited_file_is_taken_by_its_short_spelling():
    assert Price.from_dict({"input": 0.1, "output": 0.2}).input == D("0.1")


@pytest.mark.parametrize(
    "entry", [{"input": "abc", "output": "1"}, {"input": "-1", "output": "1"}, {"input": "1"}]
)
def test_bad_prices_raise_a_plain_error(entry):
    with pytest.raises(InvalidPrice) as info:
        Price.from_dict(entry)
    assert info.value.plain()


def test_parse_amount():
    assert parse_amount(None) is None and parse_amount("") is None
    assert parse_amount("0.00000915") == D("0.00000915")


def test_decimal_text_never_uses_exponents():
    assert decimal_text(D("2E-8")) == "0.00000002"
    assert decimal_text(D("1.50")) == "1.5"
    assert decimal_text(D("0")) == "0"
    assert decimal_text(D("10")) == "10"


# -- display ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "shown"),
    [
        (None, "price unknown"),
        ("0", "$0"),
        ("0.00000915", "< $0.0001"),
        ("0.0001", "$0.0001"),
        ("0.00123", "$0.0012"),
        ("0.00999", "$0.01"),
        ("0.0456", "$0.046"),
        ("0.5", "$0.50"),
        ("0.123", "$0.12"),
        ("1", "$1.00"),
        ("1234.565", "$1,234.57"),
    ],
)
def test_format_usd(amount, shown):
    assert format_usd(None if amount is None else D(amount)) == shown


def test_unknown_is_never_shown_as_zero():
    assert "$0" not in format_usd(None)
    assert format_usd(D("0.0012"), approximate=True) == "≈ $0.0012"


def test_format_price():
    assert format_price(MINI) == "$0.15 / $0.6 per 1M tokens"
    assert format_price(None) == "price unknown"
    assert format_price(Price.free()) == "free"


# -- families -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "family"),
    [
        ("gpt-4o-2024-08-06", "gpt-4o"),
        ("gpt-4o-mini-2024-07-18", "gpt-4o-mini"),
        ("claude-3-5-sonnet-20241022", "claude-3-5-sonnet"),
        ("claude-3-7-sonnet-latest", "claude-3-7-sonnet"),
        ("gpt-4-0613", "gpt-4"),
        ("gpt-3.5-turbo-0125", "gpt-3.5-turbo"),
        ("gemini-2.0-flash-001", "gemini-2.0-flash"),
        ("gemini-1.5-pro-002", "gemini-1.5-pro"),
        ("mistral-large-2411", "mistral-large"),
        ("gemini-2.5-flash-preview-09-2025", "gemini-2.5-flash-preview"),
        ("o3-mini-2025-01-31", "o3-mini"),
        ("gpt-4o", "gpt-4o"),
        ("llama-3.1-8b-instant", "llama-3.1-8b-instant"),
        ("meta-llama/Llama-3.3-70B-Instruct-Turbo", "meta-llama/Llama-3.3-70B-Instruct-Turbo"),
    ],
)
def test_family_of(name, family):
    assert family_of(name) == family


# -- estimates ----------------------------------------------------------------------------------


def test_estimate_tokens_is_characters_over_four_rounded_up():
    assert estimate_tokens("") == 0
    assert estimate_tokens("abcd") == 1
    assert estimate_tokens("abcde") == 2
    assert estimate_prompt_tokens(["abcd", "abcde"]) == 1 + 2 + 2 * 4


# -- budget -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spent", "level"),
    [("0", 0), ("4.99", 0), ("5", 50), ("7.99", 50), ("8", 80), ("9.99", 80), ("10", 100),
     ("12", 100)],
)  # fmt: skip
def test_budget_levels(spent, level):
    state = budget_state(D(spent), D("10"))
    assert state.level == level
    assert (state.message == "") == (level == 0)


def test_budget_message_and_tuple_shape():
    level, message = budget_state(D("8.5"), D("10"))
    assert level == 80
    assert message == "80% of this month's budget is used ($8.50 of $10.00)."
    assert budget_state(D("3"), None) == (0, "")


def test_would_exceed():
    assert would_exceed(D("9.99"), D("0.02"), D("10"))
    assert not would_exceed(D("9.98"), D("0.02"), D("10"))
    assert not would_exceed(D("100"), D("1"), None)
    # An unknown estimate only counts as over when the budget is already used up.
    assert not would_exceed(D("9"), None, D("10"))
    assert would_exceed(D("10"), None, D("10"))
