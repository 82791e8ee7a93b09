"""The cost meter: what each reply cost, what the next message may cost, totals, the monthly
budget, the usage dashboard, "what would this month have cost on X", and CSV export
(written by app.services.usage_csv).

Money is Decimal throughout and is rounded only by app.core.money.format_usd when shown. An
unknown price is None ("price unknown"), never $0; models on this computer cost exactly $0.

Settings keys (defaults in SETTINGS_DEFAULTS): monthly_budget_usd (text or number, None = no
budget), budget_hard_stop, reference_model (what a local reply "would have cost" on),
price_overrides ({"openai:gpt-4o": {"input": "2.5", "output": "10"}}, USD per 1M tokens).
"""

from __future__ import annotations

import logging
import statistics
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, tzinfo
from decimal import Decimal
from pathlib import Path
from typing import Any, TextIO

from app.core.chat import ModelInfo
from app.core.errors import HearthError
from app.core.events import Usage
from app.core.image_cost import images_tokens
from app.core.money import (
    ZERO,
    BudgetState,
    InvalidPrice,
    Price,
    budget_state,
    cost_of,
    decimal_text,
    estimate_prompt_tokens,
    format_usd,
    to_decimal,
    would_exceed,
)
from app.core.provider_errors import MalformedResponse
from app.core.records import Message
from app.providers.openrouter_prices import (
    DATASET,
    MODELS_DEV_URL,
    fetch_dataset_prices,
    fetch_openrouter_prices,
)
from app.providers.prices import CACHE_FILE, PriceBook, PriceMatch, PriceTable
from app.providers.registry import wire_of
from app.services.usage_csv import write_csv
from app.services.usage_records import (
    EXPECTED_OUTPUT_TOKENS,
    WHAT_IF_MODELS,
    BudgetStatus,
    Dashboard,
    MonthReport,
    PriceRefresh,
    SendCheck,
    WhatIf,
    dataset_table,
    over_budget_question,
    parse_month,
    settings_copy,
    short_name,
    stored_amount,
)
from app.services.worker import DbWorker
from app.store import usage as store_usage
from app.store.settings import Settings
from app.store.usage import ModelTotals, Totals

log = logging.getLogger(__name__)

SETTINGS_DEFAULTS: dict[str, Any] = {
    "monthly_budget_usd": None,
    "budget_hard_stop": False,
    "reference_model": "openai:gpt-4o",
    "price_overrides": {},
}
# The few popular models the dashboard compares this month's tokens against.
# -- the service ------------------------------------------------------------------------------


class UsageService:
    def __init__(
        self,
        db: DbWorker,
        settings: Settings,
        prices: PriceBook,
        *,
        data_dir: Path | None = None,
        tz: tzinfo | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self._db = db
        self._settings = settings
        self._book = prices
        self._data_dir = data_dir
        self._tz = tz  # None: the computer's time zone
        self._clock = clock or (lambda: datetime.now(UTC))
        self._overrides_seen: Any = object()

    # -- prices ----------------------------------------------------------------------------------

    @property
    def prices(self) -> PriceBook:
        """The book with the current Settings overrides (re-read when they change)."""
        raw = self._settings.get("price_overrides") or {}
        if raw != self._overrides_seen:
            self._book = self._book.with_overrides(raw)
            self._overrides_seen = settings_copy(raw)
        return self._book

    def price_for(self, model: ModelInfo | str) -> Price | None:
        return self.prices.price_for(model)

    def price_match(self, model: ModelInfo | str) -> PriceMatch | None:
        return self.prices.match(model)

    def set_price_override(
        self,
        *,
        model_id: str,
        input: Any,
        output: Any,
        cached_input: Any = None,
        reasoning: Any = None,
    ) -> Price:
        """Save the user's own price for a model (USD per 1M tokens). Raises InvalidPrice."""
        entry = {"input": input, "output": output}
        optional = (("cached_input", cached_input), ("reasoning", reasoning))
        entry |= {k: v for k, v in optional if v not in (None, "")}
        price = Price.from_dict(entry)
        overrides = dict(self._settings.get("price_overrides") or {})
        overrides[model_id] = {k: v for k, v in price.to_dict().items() if v is not None}
        self._settings.set("price_overrides", overrides)
        return price

    def clear_price_override(self, *, model_id: str) -> None:
        overrides = dict(self._settings.get("price_overrides") or {})
        if overrides.pop(model_id, None) is not None:
            self._settings.set("price_overrides", overrides)

    async def refresh_prices(
        self, *, include_dataset: bool = True, dataset_url: str | None = None
    ) -> PriceRefresh:
        """When online: the dataset for every provider, then OpenRouter's live prices on top.
        What cannot be fetched keeps its current prices; the result is saved in the data folder
        so the next start uses it."""
        table, problems, dataset_count, live_count = self.prices.table, [], 0, 0
        if include_dataset:
            try:
                fetched = await fetch_dataset_prices(url=dataset_url or MODELS_DEV_URL)
                if not fetched:  # an empty answer must not wipe every known price
                    raise MalformedResponse(DATASET, detail="no prices for Hearth's providers")
                table = dataset_table(table, fetched, self._today().isoformat())
                dataset_count = len(fetched)
            except HearthError as err:
                problems.append(err.plain())
        try:
            live = await fetch_openrouter_prices(
                base_url_overrides=self._settings.get("base_urls") or {}
            )
            table = table.merged(live, note=f"OpenRouter live prices {self._today().isoformat()}")
            live_count = len(live)
        except HearthError as err:
            problems.append(err.plain())
        if dataset_count or live_count:
            self._book = self._book.with_table(table)
            self._save(table)
        return PriceRefresh(dataset_count, live_count, problems)

    def _save(self, table: PriceTable) -> None:
        if self._data_dir is None:
            return
        try:
            table.write(self._data_dir / CACHE_FILE)
        except OSError:
            log.exception("Could not save the refreshed prices")

    # -- one reply -------------------------------------------------------------------------------

    def cost_for_reply(self, *, model: ModelInfo | str, usage: Usage | None) -> Decimal | None:
        """What a finished reply cost: exact; $0 on this computer; None when unknown (no price,
        no usage reported, or token counts that were only estimated on this computer)."""
        match = self.prices.match(model)
        if match is not None and match.price.is_free:
            return ZERO
        if match is None or usage is None or usage.counted_locally:
            return None
        return cost_of(usage, match.price)

    def cost_text_for_reply(
        self, *, model: ModelInfo | str, usage: Usage | None, failed: bool = False
    ) -> str | None:
        """The messages.cost_usd value for a finished reply: exact text, or None (unknown). A
        request that failed without any usage costs "0": providers do not bill refused
        requests."""
        amount = self.cost_for_reply(model=model, usage=usage)
        if amount is None and usage is None and failed:
            return "0"
        return None if amount is None else decimal_text(amount)

    @property
    def reference_model_id(self) -> str:
        return self._settings.get("reference_model") or SETTINGS_DEFAULTS["reference_model"]

    def would_have_cost(
        self, *, usage: Usage, reference_model_id: str | None = None
    ) -> Decimal | None:
        """A local reply's tokens priced on the reference model (Settings; default gpt-4o)."""
        price = self.price_for(reference_model_id or self.reference_model_id)
        return None if price is None else cost_of(usage, price)

    def reply_cost_line(self, message: Message) -> str:
        """The line under a reply: "31 tokens in · 120 out · $0.0012", or for a local reply
        "… · $0 — would have cost $0.0003 on gpt-4o"."""
        tokens = f"{message.input_tokens or 0} tokens in · {message.output_tokens or 0} out"
        if message.is_local:
            usage = Usage(message.input_tokens or 0, message.output_tokens or 0)
            other = self.would_have_cost(usage=usage)
            if other is None or not (usage.input_tokens or usage.output_tokens):
                return f"{tokens} · $0"
            reference = short_name(self.reference_model_id)
            return f"{tokens} · $0 — would have cost {format_usd(other)} on {reference}"
        return f"{tokens} · {format_usd(stored_amount(message.cost_usd))}"

    # -- before sending ---------------------------------------------------------------------------

    def estimate_next(
        self,
        *,
        model: ModelInfo | str,
        history_texts: Iterable[str],
        draft: str,
        expected_output_tokens: int | None = None,
        image_sizes: Iterable[tuple[int, int]] = (),
    ) -> Decimal | None:
        """≈ cost of sending `draft` now: the whole history and the draft as input at the input
        price, plus a typical reply at the output price. Cheap enough to call on every key.
        `image_sizes`: (width, height) of the pictures sent with it, by the provider's rule."""
        match = self.prices.match(model)
        if match is None:
            return None
        if match.price.is_free:
            return ZERO
        prompt = estimate_prompt_tokens([*history_texts, draft])
        model_id = model.id if isinstance(model, ModelInfo) else model
        prompt += images_tokens(wire_of(model_id), image_sizes)
        output = (
            EXPECTED_OUTPUT_TOKENS if expected_output_tokens is None else expected_output_tokens
        )
        return cost_of(Usage(prompt, max(output, 0)), match.price)

    async def typical_output_tokens(self, *, model_id: str) -> int:
        """The median length of this model's recent replies here, else EXPECTED_OUTPUT_TOKENS.
        Fetch once when the model changes, then pass it to estimate_next while typing."""
        recent = await self._db.call(
            lambda store: store_usage.recent_output_tokens(store.db, model_id)
        )
        return int(statistics.median(recent)) if recent else EXPECTED_OUTPUT_TOKENS

    async def check_send(
        self,
        *,
        model: ModelInfo | str,
        history_texts: Iterable[str],
        draft: str,
        expected_output_tokens: int | None = None,
    ) -> SendCheck:
        """The estimate plus the budget: with the hard stop on, ask before going over."""
        estimate = self.estimate_next(
            model=model,
            history_texts=history_texts,
            draft=draft,
            expected_output_tokens=expected_output_tokens,
        )
        budget = await self.budget_status()
        over = estimate != 0 and would_exceed(budget.spent, estimate, budget.budget)
        ask = budget.hard_stop and over
        return SendCheck(
            estimate, budget, ask, over_budget_question(estimate, budget) if ask else ""
        )

    # -- totals ----------------------------------------------------------------------------------

    async def today(self) -> Totals:
        since, until = store_usage.day_range(self._today(), self._tz)
        return await self._totals(since, until)

    async def this_month(self) -> Totals:
        today = self._today()
        return await self._totals(*store_usage.month_range(today.year, today.month, self._tz))

    async def month(self, yyyy_mm: str) -> Totals:
        return await self._totals(*self._month_range(yyyy_mm))

    async def month_report(self, yyyy_mm: str | None = None) -> MonthReport:
        """One month's totals, per model and per provider (the CLI's `hearth usage`)."""
        label = yyyy_mm or self._today().strftime("%Y-%m")
        since, until = self._month_range(label)

        found = await self._db.call(lambda store: store_usage.rows(store.db, since, until))
        return MonthReport(
            label,
            store_usage.summarise(found),
            store_usage.group_by_model(found),
            store_usage.group_by_provider(found),
        )

    async def conversation_total(self, *, conversation_id: int) -> Totals:
        return await self._db.call(
            lambda store: store_usage.conversation_total(store.db, conversation_id)
        )

    async def _totals(self, since: datetime, until: datetime) -> Totals:
        return await self._db.call(lambda store: store_usage.totals(store.db, since, until))

    # -- budget ----------------------------------------------------------------------------------

    @property
    def monthly_budget(self) -> Decimal | None:
        raw = self._settings.get("monthly_budget_usd")
        if raw in (None, "", 0, "0"):
            return None
        try:
            return to_decimal(raw)
        except InvalidPrice:
            log.warning("Ignoring an unreadable monthly budget: %r", raw)
            return None

    async def budget_status(self) -> BudgetStatus:
        month = await self.this_month()
        state: BudgetState = budget_state(month.cost_usd, self.monthly_budget)
        return BudgetStatus(
            budget=self.monthly_budget,
            spent=month.cost_usd,
            level=state.level,
            message=state.message,
            hard_stop=bool(self._settings.get("budget_hard_stop")),
            unknown_price_replies=month.unknown_price_replies,
        )

    # -- dashboard ---------------------------------------------------------------------------------

    async def dashboard(self, *, days: int = 30) -> Dashboard:
        today = self._today()
        month_since, month_until = store_usage.month_range(today.year, today.month, self._tz)
        per_day = await self._db.call(
            lambda store: store_usage.per_day(store.db, days=days, today=today, tz=self._tz)
        )
        split = await self._db.call(
            lambda store: store_usage.local_vs_cloud(store.db, month_since, month_until)
        )
        report = await self.month_report(today.strftime("%Y-%m"))
        return Dashboard(
            days=per_day,
            today=per_day[-1].totals if per_day else await self.today(),
            month=report,
            local_vs_cloud=split,
            budget=await self.budget_status(),
            what_if=self._what_if(report.by_model, WHAT_IF_MODELS),
        )

    async def what_if(
        self, *, month: str | None = None, model_ids: Iterable[str] | None = None
    ) -> list[WhatIf]:
        """The month's tokens (every reply, local and cloud) priced on each model. Cached-token
        discounts are left out: only input and output counts are stored per reply."""
        report = await self.month_report(month)
        return self._what_if(report.by_model, tuple(model_ids or WHAT_IF_MODELS))

    def _what_if(self, by_model: list[ModelTotals], model_ids: Iterable[str]) -> list[WhatIf]:
        tokens_in = sum(m.totals.input_tokens for m in by_model)
        tokens_out = sum(m.totals.output_tokens for m in by_model)
        result = []
        for model_id in model_ids:
            price = self.price_for(model_id)
            cost = None if price is None else cost_of(Usage(tokens_in, tokens_out), price)
            result.append(WhatIf(model_id, cost, tokens_in, tokens_out))
        return result

    # -- CSV ---------------------------------------------------------------------------------------

    async def export_csv(
        self,
        target: Path | TextIO,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> int:
        """Every reply's tokens and cost as CSV (UTF-8; cost exact, empty when unknown)."""
        found = await self._db.call(lambda store: store_usage.rows(store.db, since, until))
        if isinstance(target, Path):
            with target.open("w", encoding="utf-8", newline="") as stream:
                write_csv(stream, found)
        else:
            write_csv(target, found)
        return len(found)

    # -- time ------------------------------------------------------------------------------------

    def _today(self) -> date:
        return self._clock().astimezone(self._tz).date()

    def _month_range(self, yyyy_mm: str) -> tuple[datetime, datetime]:
        year, month = parse_month(yyyy_mm)
        return store_usage.month_range(year, month, self._tz)
