"""The cost meter over a real SQLite file: totals, local-time days and months, unknown prices
counted apart, conversation totals, estimates, budget warnings and the hard stop, the dashboard,
"what would it have cost", CSV round trips and price refreshes."""

from __future__ import annotations

import asyncio
import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from app.core.chat import ModelInfo
from app.core.events import Usage
from app.core.money import InvalidPrice
from app.providers.prices import CACHE_FILE, PriceBook
from app.services.usage import EXPECTED_OUTPUT_TOKENS, UsageService
from app.services.usage_csv import NotAUsageExport, read_csv
from app.services.usage_records import InvalidMonth
from app.services.worker import DbWorker
from app.store import Store
from app.store import usage as store_usage
from app.store.settings import Settings
from app.store.usage import utc_text
from tests.providers.support import OPENROUTER_MODELS
from tests.wire_servers import WireServer, json_reply

D = Decimal
# Fixed rules (not the machine's): UTC-5 with no daylight saving, so boundaries are exact.
NEW_YORK_WINTER = ZoneInfo("Etc/GMT+5")
NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)  # 10:00 on Nov 23 in UTC-5
MINI = "openai:gpt-4o-mini"
LOCAL = "qwen2.5-0.5b-instruct-q4_k_m"


def stamp(text: str) -> str:
    """A UTC ISO string as the Store writes it, from "2026-11-23 15:00"."""
    return utc_text(datetime.fromisoformat(text).replace(tzinfo=UTC))


class Seeder:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.conversation = store.create_conversation("Costs").id

    def reply(
        self,
        created: str,
        *,
        model: str = MINI,
        provider: str = "openai",
        tokens: tuple[int, int] = (17, 11),
        cost: str | None = "0.00000915",
        status: str = "complete",
        conversation: int | None = None,
    ) -> int:
        local = provider == "local"
        return (
            self.store.db["messages"]
            .insert(
                {
                    "conversation_id": conversation or self.conversation,
                    "role": "assistant",
                    "content": "reply",
                    "status": status,
                    "model_id": model,
                    "provider": provider,
                    "destination": "on this computer" if local else "sent to OpenAI",
                    "input_tokens": tokens[0],
                    "output_tokens": tokens[1],
                    "cost_usd": cost,
                    "created": stamp(created),
                }
            )
            .last_pk
        )


@pytest.fixture
def seed(store):
    return Seeder(store)


# -- store queries --------------------------------------------------------------------------------


def test_totals_add_exactly_and_count_unknown_prices_apart(store, seed):
    for _ in range(3):
        seed.reply("2026-11-10 12:00")
    seed.reply("2026-11-10 12:00", model="openai:gpt-9", cost=None, tokens=(100, 50))
    seed.reply("2026-11-10 12:00", model=LOCAL, provider="local", cost="0", tokens=(40, 60))
    seed.reply("2026-11-10 12:00", status="streaming", cost=None, tokens=(0, 0))
    since, until = store_usage.month_range(2026, 11, NEW_YORK_WINTER)
    t = store_usage.totals(store.db, since, until)
    assert t.cost_usd == D("0.00002745")
    assert (t.replies, t.unknown_price_replies, t.local_replies) == (5, 1, 1)
    assert (t.input_tokens, t.output_tokens) == (17 * 3 + 100 + 40, 11 * 3 + 50 + 60)


def test_months_and_days_follow_the_local_time_zone(store, seed):
    seed.reply("2026-11-01 03:00")  # still Oct 31, 22:00 in UTC-5
    seed.reply("2026-11-01 05:00")  # Nov 1, 00:00 local: the first instant of November
    oct_range = store_usage.month_range(2026, 10, NEW_YORK_WINTER)
    nov_range = store_usage.month_range(2026, 11, NEW_YORK_WINTER)
    assert store_usage.totals(store.db, *oct_range).replies == 1
    assert store_usage.totals(store.db, *nov_range).replies == 1
    utc_nov = store_usage.month_range(2026, 11, UTC)
    assert store_usage.totals(store.db, *utc_nov).replies == 2


def test_december_rolls_into_the_next_year():
    since, until = store_usage.month_range(2026, 12, UTC)
    assert (since.date(), until.date()) == (date(2026, 12, 1), date(2027, 1, 1))


def test_per_day_lists_every_day_oldest_first(store, seed):
    seed.reply("2026-11-23 14:00")  # Nov 23 local
    seed.reply("2026-11-23 04:00")  # Nov 22, 23:00 local
    seed.reply("2026-10-20 12:00")  # outside the 30 days
    days = store_usage.per_day(store.db, days=30, today=date(2026, 11, 23), tz=NEW_YORK_WINTER)
    assert len(days) == 30
    assert days[0].day == date(2026, 10, 25) and days[-1].day == date(2026, 11, 23)
    counts = {d.day: d.totals.replies for d in days if d.totals.replies}
    assert counts == {date(2026, 11, 22): 1, date(2026, 11, 23): 1}


def test_by_model_and_provider_dearest_first(store, seed):
    seed.reply("2026-11-05 12:00", model="openai:gpt-4o", cost="0.002", tokens=(500, 100))
    seed.reply("2026-11-05 12:00")
    seed.reply("2026-11-05 12:00", model=LOCAL, provider="local", cost="0", tokens=(9, 9))
    models = store_usage.by_model(store.db, None, None)
    assert [m.model_id for m in models] == ["openai:gpt-4o", MINI, LOCAL]
    assert models[2].is_local and models[2].provider == "local"
    providers = store_usage.by_provider(store.db, None, None)
    assert [(p.provider, p.totals.cost_usd) for p in providers] == [
        ("openai", D("0.00200915")),
        ("local", D("0")),
    ]


def test_conversation_total_counts_every_branch(store, seed):
    other = store.create_conversation("Other").id
    seed.reply("2026-11-05 12:00")
    seed.reply("2026-11-05 12:01")  # a regenerated sibling: paid for too
    seed.reply("2026-11-05 12:02", conversation=other, cost="1")
    t = store_usage.conversation_total(store.db, seed.conversation)
    assert (t.replies, t.cost_usd) == (2, D("0.0000183"))


def test_local_vs_cloud(store, seed):
    seed.reply("2026-11-05 12:00")
    seed.reply("2026-11-05 12:00", model=LOCAL, provider="local", cost="0")
    seed.reply("2026-11-05 12:00", model=LOCAL, provider="local", cost="0")
    split = store_usage.local_vs_cloud(store.db, None, None)
    assert (split.local.replies, split.cloud.replies) == (2, 1)
    assert split.local_share == pytest.approx(2 / 3)


def test_a_damaged_stored_cost_is_unknown_not_zero(store, seed):
    seed.reply("2026-11-05 12:00", cost="n/a")
    t = store_usage.totals(store.db, None, None)
    assert t.unknown_price_replies == 1 and t.cost_usd == 0


# -- the service ----------------------------------------------------------------------------------


@pytest.fixture
def worker(tmp_path):
    w = DbWorker(tmp_path / "hearth.db")
    yield w
    w.close()


@pytest.fixture
def settings(tmp_path):
    return Settings(tmp_path / "settings.json")


@pytest.fixture
def service(worker, settings, tmp_path):
    return UsageService(
        worker,
        settings,
        PriceBook.load(),
        data_dir=tmp_path,
        tz=NEW_YORK_WINTER,
        clock=lambda: NOW,
    )


def seed_with(worker: DbWorker, fill) -> None:
    worker.call_sync(lambda store: fill(Seeder(store)))


def run(coro):
    return asyncio.run(coro)


def test_cost_for_reply(service):
    assert service.cost_for_reply(model=MINI, usage=Usage(17, 11)) == D("0.00000915")
    assert service.cost_for_reply(model=LOCAL, usage=Usage(17, 11)) == 0
    assert service.cost_for_reply(model="ollama:llama3.2", usage=None) == 0
    assert service.cost_for_reply(model="openai:gpt-9", usage=Usage(17, 11)) is None
    assert service.cost_for_reply(model=MINI, usage=None) is None
    # A tokenizer-free estimate is never billed as if it were the provider's count.
    assert service.cost_for_reply(model=MINI, usage=Usage(17, 11, counted_locally=True)) is None


def test_cost_text_for_reply_is_what_chat_stores(service):
    assert service.cost_text_for_reply(model=MINI, usage=Usage(17, 11)) == "0.00000915"
    assert service.cost_text_for_reply(model=LOCAL, usage=None) == "0"
    assert service.cost_text_for_reply(model="openai:gpt-9", usage=Usage(1, 1)) is None
    assert service.cost_text_for_reply(model=MINI, usage=None) is None  # stopped: unknown
    assert service.cost_text_for_reply(model=MINI, usage=None, failed=True) == "0"


def test_estimate_next(service):
    # "abcd" = 1 token, "abcdefgh" = 2 tokens, each message +4 for chat formatting = 11 tokens.
    estimate = service.estimate_next(
        model=MINI, history_texts=["abcd"], draft="abcdefgh", expected_output_tokens=100
    )
    assert estimate == (11 * D("0.15") + 100 * D("0.6")) / 1_000_000
    default = service.estimate_next(model=MINI, history_texts=[], draft="hi")
    assert default == (5 * D("0.15") + EXPECTED_OUTPUT_TOKENS * D("0.6")) / 1_000_000
    assert service.estimate_next(model=LOCAL, history_texts=["x"], draft="y") == 0
    assert service.estimate_next(model="openai:gpt-9", history_texts=[], draft="y") is None


def test_typical_output_tokens_uses_recent_replies(service, worker):
    assert run(service.typical_output_tokens(model_id=MINI)) == EXPECTED_OUTPUT_TOKENS
    seed_with(worker, lambda s: [s.reply("2026-11-05 12:00", tokens=(5, n)) for n in (10, 30, 20)])
    assert run(service.typical_output_tokens(model_id=MINI)) == 20


def test_would_have_cost_and_the_line_under_a_local_reply(service, settings, worker):
    usage = Usage(1000, 500)
    assert service.would_have_cost(usage=usage) == (1000 * D("2.5") + 500 * D("10")) / 1_000_000
    reply_id = worker.call_sync(
        lambda store: Seeder(store).reply(
            "2026-11-05 12:00", model=LOCAL, provider="local", cost="0", tokens=(1000, 500)
        )
    )
    message = worker.call_sync(Store.message, reply_id)
    assert service.reply_cost_line(message) == (
        "1000 tokens in · 500 out · $0 — would have cost $0.0075 on gpt-4o"
    )
    settings.set("reference_model", MINI)
    assert service.reply_cost_line(message).endswith("would have cost $0.00045 on gpt-4o-mini")


def test_the_line_under_a_cloud_reply_says_price_unknown(service, worker):
    reply_id = worker.call_sync(
        lambda store: Seeder(store).reply("2026-11-05 12:00", model="openai:gpt-9", cost=None)
    )
    message = worker.call_sync(Store.message, reply_id)
    assert service.reply_cost_line(message) == "17 tokens in · 11 out · price unknown"


def test_today_this_month_and_named_months(service, worker):
    def fill(s: Seeder) -> None:
        s.reply("2026-11-23 14:00", cost="0.01")  # today (local)
        s.reply("2026-11-23 04:00", cost="0.02")  # yesterday, local
        s.reply("2026-10-15 12:00", cost="0.04")

    seed_with(worker, fill)
    assert run(service.today()).cost_usd == D("0.01")
    assert run(service.this_month()).cost_usd == D("0.03")
    assert run(service.month("2026-10")).cost_usd == D("0.04")
    with pytest.raises(InvalidMonth):
        run(service.month("2026-13"))


def test_conversation_total_through_the_service(service, worker):
    cid = worker.call_sync(lambda store: Seeder(store).conversation)
    worker.call_sync(lambda store: store.db["messages"].insert(
        {"conversation_id": cid, "role": "assistant", "content": "x", "status": "complete",
         "model_id": MINI, "provider": "openai", "cost_usd": "0.5", "input_tokens": 1,
         "output_tokens": 1, "created": stamp("2026-11-05 12:00")}))  # fmt: skip
    assert run(service.conversation_total(conversation_id=cid)).cost_usd == D("0.5")


@pytest.mark.parametrize(
    ("spent", "level"), [("4", 0), ("5", 50), ("8.5", 80), ("10", 100), ("11", 100)]
)
def test_budget_warnings(service, settings, worker, spent, level):
    settings.set("monthly_budget_usd", "10")
    seed_with(worker, lambda s: s.reply("2026-11-20 12:00", cost=spent))
    status = run(service.budget_status())
    assert (status.level, status.spent, status.budget) == (level, D(spent), D("10"))
    assert bool(status.message) == (level > 0)


def test_no_budget_no_warning(service, worker):
    seed_with(worker, lambda s: s.reply("2026-11-20 12:00", cost="1000"))
    status = run(service.budget_status())
    assert (status.level, status.budget, status.fraction) == (0, None, None)


def test_hard_stop_asks_before_going_over(service, settings, worker):
    settings.set("monthly_budget_usd", "1.00")
    seed_with(worker, lambda s: s.reply("2026-11-20 12:00", cost="0.9999"))
    big_draft = "x" * 4000  # ~1000 tokens

    soft = run(service.check_send(model="openai:o1", history_texts=[], draft=big_draft))
    assert soft.estimate > D("0.0001") and not soft.needs_confirmation  # no hard stop yet

    settings.set("budget_hard_stop", True)
    hard = run(service.check_send(model="openai:o1", history_texts=[], draft=big_draft))
    assert hard.needs_confirmation
    assert "over your budget of $1.00" in hard.message and "Send it anyway?" in hard.message

    local = run(service.check_send(model=LOCAL, history_texts=[], draft=big_draft))
    assert not local.needs_confirmation and local.estimate == 0


def test_hard_stop_with_an_unknown_price_asks_only_once_the_budget_is_used(
    service, settings, worker
):
    settings.set("monthly_budget_usd", "1")
    settings.set("budget_hard_stop", True)
    seed_with(worker, lambda s: s.reply("2026-11-20 12:00", cost="0.5"))
    check = run(service.check_send(model="openai:gpt-9", history_texts=[], draft="hi"))
    assert check.estimate is None and not check.needs_confirmation
    seed_with(worker, lambda s: s.reply("2026-11-21 12:00", cost="0.5"))
    check = run(service.check_send(model="openai:gpt-9", history_texts=[], draft="hi"))
    assert check.needs_confirmation and "an unknown amount" in check.message


def test_dashboard_and_what_if(service, worker):
    def fill(s: Seeder) -> None:
        s.reply("2026-11-23 14:00", tokens=(600_000, 100_000), cost="0.15")
        s.reply("2026-11-02 12:00", model=LOCAL, provider="local", cost="0",
                tokens=(400_000, 100_000))  # fmt: skip

    seed_with(worker, fill)
    board = run(service.dashboard(days=30))
    assert len(board.days) == 30 and board.days[-1].day == date(2026, 11, 23)
    assert board.today.cost_usd == D("0.15")
    assert board.month.totals.replies == 2 and board.month.month == "2026-11"
    assert board.local_vs_cloud.local_share == 0.5
    what_if = {w.model_id: w.cost for w in board.what_if}
    # 1M input and 200k output tokens this month, priced on each model.
    assert what_if["openai:gpt-4o"] == D("2.5") + D("2")
    assert what_if["openai:gpt-4o-mini"] == D("0.15") + D("0.12")
    custom = run(service.what_if(month="2026-11", model_ids=["openai:gpt-9"]))
    assert custom[0].cost is None and custom[0].input_tokens == 1_000_000


def test_csv_export_round_trips_exactly(service, worker, tmp_path):
    def fill(s: Seeder) -> None:
        s.reply("2026-11-05 12:00")
        s.reply("2026-11-06 12:00", model="openai:gpt-9", cost=None)
        s.reply("2026-11-07 12:00", model=LOCAL, provider="local", cost="0")
        s.reply("2026-11-08 12:00", cost="0.00000002")

    seed_with(worker, fill)
    target = tmp_path / "usage.csv"
    assert run(service.export_csv(target)) == 4
    back = read_csv(target.read_text(encoding="utf-8"))
    original = worker.call_sync(lambda store: store_usage.rows(store.db))
    assert back == original
    assert [r.cost_usd for r in back] == [D("0.00000915"), None, D("0"), D("0.00000002")]
    assert "2E-8" not in target.read_text(encoding="utf-8")
    assert store_usage.summarise(back) == store_usage.summarise(original)


def test_csv_export_of_a_range_to_a_stream(service, worker):
    seed_with(worker, lambda s: [s.reply("2026-11-05 12:00"), s.reply("2026-10-05 12:00")])
    stream = io.StringIO()
    since = datetime(2026, 11, 1, tzinfo=UTC)
    assert run(service.export_csv(stream, since=since, until=since + timedelta(days=30))) == 1
    assert len(read_csv(stream.getvalue())) == 1


def test_reading_something_else_is_a_plain_error():
    with pytest.raises(NotAUsageExport):
        read_csv("name,amount\nx,1\n")


def test_price_overrides_from_settings_apply_at_once(service, settings):
    service.set_price_override(model_id=MINI, input="1", output="2")
    assert settings.get("price_overrides") == {MINI: {"input": "1", "output": "2"}}
    assert service.cost_for_reply(model=MINI, usage=Usage(1_000_000, 0)) == D("1")
    service.clear_price_override(model_id=MINI)
    assert service.cost_for_reply(model=MINI, usage=Usage(1_000_000, 0)) == D("0.15")
    with pytest.raises(InvalidPrice):
        service.set_price_override(model_id=MINI, input="cheap", output="2")


def test_model_info_objects_work_as_well_as_ids(service):
    model = ModelInfo(id="ollama:llama3.2", provider="ollama", display_name="llama3.2",
                      on_this_computer=True)  # fmt: skip
    assert service.cost_for_reply(model=model, usage=Usage(10, 10)) == 0


def test_refresh_prices_from_openrouter_and_keep_them(service, monkeypatch, tmp_path):
    with WireServer() as server:
        server.script("GET", "/api/v1/models", json_reply(200, OPENROUTER_MODELS))
        monkeypatch.setenv("HEARTH_OPENROUTER_BASE_URL", server.base_url + "/api/v1")
        result = run(service.refresh_prices(include_dataset=False))
    assert (result.openrouter_models, result.problems) == (3, [])
    assert service.price_for("openrouter:x-ai/grok-4.3").input == D("1.25")
    assert service.price_for(MINI).input == D("0.15")  # the rest is unchanged
    saved = PriceBook.load(data_dir=tmp_path)
    assert saved.price_for("openrouter:x-ai/grok-4.3").output == D("2.5")
    assert (tmp_path / CACHE_FILE).exists()


def test_a_failed_refresh_keeps_the_prices_and_says_why(service, monkeypatch, tmp_path):
    with WireServer() as server:
        server.script("GET", "/api/v1/models", json_reply(500, {"error": {"message": "boom"}}))
        server.script("GET", "/api.json", json_reply(200, {"nothing": "here"}))
        monkeypatch.setenv("HEARTH_OPENROUTER_BASE_URL", server.base_url + "/api/v1")
        result = run(service.refresh_prices(dataset_url=server.base_url + "/api.json"))
    assert result.openrouter_models == 0 and result.dataset_models == 0
    assert any("OpenRouter" in p for p in result.problems)
    assert any("models.dev" in p for p in result.problems)
    assert service.price_for(MINI).input == D("0.15")
    assert not (tmp_path / CACHE_FILE).exists()
