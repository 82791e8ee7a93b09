"""The price book: shipped table, aliases and families, provider prefixes, unknown prices, local
models at $0, user overrides, and OpenRouter's live prices from a loopback server."""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal

import pytest

from app.core.chat import ModelInfo
from app.core.events import Usage
from app.core.money import Price, cost_of
from app.core.provider_errors import MalformedResponse, OfflineModeBlocked, ProviderUnavailable
from app.paths import resource_path
from app.providers.openrouter_prices import (
    fetch_dataset_prices,
    fetch_openrouter_prices,
    parse_openrouter_models,
)
from app.providers.prices import (
    CACHE_FILE,
    PriceBook,
    PriceTable,
    derive_aliases,
    parse_overrides,
)
from tests.providers.support import OPENROUTER_MODELS
from tests.wire_servers import WireServer, json_reply

D = Decimal


@pytest.fixture(scope="module")
def shipped() -> PriceBook:
    return PriceBook.load()


def small_book(overrides=None) -> PriceBook:
    table = PriceTable.from_json(
        {
            "models": {
                "openai:gpt-4o": {"input": "2.5", "output": "10", "cached_input": "1.25"},
                "openai:gpt-4o-2024-05-13": {"input": "5", "output": "15"},
                "openai:gpt-4o-mini": {"input": "0.15", "output": "0.6", "context": 128000},
                "anthropic:claude-3-5-haiku-20241022": {"input": "0.8", "output": "4"},
                "mistral:mistral-small-latest": {"input": "0.1", "output": "0.3"},
                "openrouter:anthropic/claude-3.5-sonnet": {"input": "6", "output": "30"},
                "openrouter:meta-llama/llama-3.1-8b-instruct": {
                    "input": "0.02", "output": "0.05", "context": 16384},
            },
            "aliases": {"anthropic:claude-3-5-haiku": "anthropic:claude-3-5-haiku-20241022"},
        }
    )  # fmt: skip
    return PriceBook(table, parse_overrides(overrides))


# -- the shipped table ----------------------------------------------------------------------------


def test_shipped_table_records_its_source_and_prices_as_text():
    data = json.loads(resource_path("prices.json").read_text(encoding="utf-8"))
    assert "models.dev" in data["source"] and data["source_date"]
    assert data["unit"] == "USD per 1M tokens"
    assert data["models"]["openai:gpt-4o-mini"] == {
        "input": "0.15", "output": "0.6", "cached_input": "0.075", "reasoning": None,
        "context": 128000,
    }  # fmt: skip
    assert 60 <= len(data["models"]) <= 200
    for entry in data["models"].values():
        assert isinstance(entry["input"], str) and isinstance(entry["output"], str)


def test_the_issue_example_through_the_shipped_table(shipped):
    price = shipped.price_for("openai:gpt-4o-mini")
    assert cost_of(Usage(17, 11), price) == D("0.00000915")


@pytest.mark.parametrize(
    "model_id",
    [
        "openai:gpt-4o-mini", "openai:gpt-4o", "openai:gpt-4.1-mini", "openai:gpt-4.1",
        "openai:o4-mini", "anthropic:claude-3-5-haiku-latest", "anthropic:claude-3-7-sonnet-latest",
        "anthropic:claude-sonnet-4-20250514", "anthropic:claude-opus-4-20250514",
        "gemini:gemini-2.0-flash", "gemini:gemini-2.5-flash", "gemini:gemini-2.5-pro",
        "openrouter:openai/gpt-4o-mini", "openrouter:anthropic/claude-3.5-sonnet",
        "openrouter:google/gemini-2.0-flash-001", "openrouter:meta-llama/llama-3.1-8b-instruct",
        "groq:llama-3.1-8b-instant", "groq:llama-3.3-70b-versatile",
        "together:meta-llama/Llama-3.3-70B-Instruct-Turbo", "deepseek:deepseek-chat",
        "deepseek:deepseek-reasoner", "mistral:mistral-small-latest",
        "mistral:mistral-large-latest", "xai:grok-3-mini", "xai:grok-3",
    ],
)  # fmt: skip
def test_every_default_cloud_model_has_a_price(shipped, model_id):
    price = shipped.price_for(model_id)
    assert price is not None and price.input > 0 and price.output > 0


def test_a_model_missing_from_the_dataset_is_unknown_not_free(shipped):
    assert shipped.price_for("fireworks:accounts/fireworks/models/llama-v3p1-8b-instruct") is None


# -- lookup rules ---------------------------------------------------------------------------------


def test_dated_versions_find_their_family():
    book = small_book()
    match = book.match("openai:gpt-4o-2024-08-06")
    assert match.price.input == D("2.5") and match.entry == "openai:gpt-4o"
    assert match.note_for("openai:gpt-4o-2024-08-06") == "priced as openai:gpt-4o"


def test_an_exact_dated_entry_beats_the_family():
    assert small_book().price_for("openai:gpt-4o-2024-05-13").input == D("5")


def test_aliases_and_latest_names():
    book = small_book()
    assert book.match("anthropic:claude-3-5-haiku-latest").entry == (
        "anthropic:claude-3-5-haiku-20241022"
    )
    # mistral-small-2503 -> family mistral-small -> mistral-small-latest
    assert book.match("mistral:mistral-small-2503").entry == "mistral:mistral-small-latest"


def test_lookup_ignores_case_as_a_last_resort():
    assert small_book().price_for("openai:GPT-4o-mini").input == D("0.15")


def test_openrouter_uses_its_own_price_first_then_the_vendors():
    book = small_book()
    own = book.match("openrouter:anthropic/claude-3.5-sonnet")
    assert own.price.input == D("6") and own.how == "table"
    vendor = book.match("openrouter:openai/gpt-4o")
    assert vendor.how == "vendor price" and vendor.entry == "openai:gpt-4o"
    # OpenRouter writes claude-3.5-haiku where Anthropic writes claude-3-5-haiku
    assert book.match("openrouter:anthropic/claude-3.5-haiku").entry == (
        "anthropic:claude-3-5-haiku-20241022"
    )


def test_openrouter_free_variants_cost_nothing_and_keep_the_context():
    match = small_book().match("openrouter:meta-llama/llama-3.1-8b-instruct:free")
    assert match.how == "free tier" and match.price.is_free


def test_unknown_models_and_providers_are_none():
    book = small_book()
    assert book.price_for("openai:gpt-9-turbo") is None
    assert book.price_for("openrouter:someone/new-model") is None
    assert book.price_for("groq:llama-3.1-8b-instant") is None  # not in this small table


@pytest.mark.parametrize(
    "model",
    [
        "my-model-q4_k_m",  # a GGUF name
        "ollama:llama3.2:latest",
        "lmstudio:qwen2.5-7b-instruct",
        "custom:whatever",
        ModelInfo(id="tiny", provider="local", display_name="tiny"),
        ModelInfo(id="openai:gpt-4o", provider="openai", display_name="x", on_this_computer=True),
    ],
)
def test_models_on_this_computer_cost_zero(model):
    match = small_book().match(model)
    assert match.price.is_free and match.how == "on this computer"


def test_model_info_is_looked_up_by_its_id():
    model = ModelInfo(id="openai:gpt-4o-mini", provider="openai", display_name="gpt-4o-mini")
    assert small_book().price_for(model).output == D("0.6")


# -- overrides ------------------------------------------------------------------------------------


def test_user_overrides_win_and_cover_dated_versions():
    book = small_book({"openai:gpt-4o": {"input": "1.0", "output": "2.0"}})
    assert book.price_for("openai:gpt-4o") == Price(D("1.0"), D("2.0"))
    assert book.match("openai:gpt-4o-2024-11-20").how == "override"
    assert book.price_for("openai:gpt-4o-mini").input == D("0.15")  # others unchanged


def test_overrides_can_price_an_unknown_model():
    book = small_book({"fireworks:my-model": {"input": "0.2", "output": "0.2"}})
    assert book.price_for("fireworks:my-model").output == D("0.2")


def test_a_bad_override_is_skipped_not_fatal():
    book = small_book({"openai:gpt-4o": {"input": "lots", "output": "2"}})
    assert book.price_for("openai:gpt-4o").input == D("2.5")


# -- loading --------------------------------------------------------------------------------------


def test_a_refreshed_copy_in_the_data_folder_is_preferred(tmp_path):
    table = PriceTable(models={"openai:gpt-4o-mini": Price(D("0.1"), D("0.2"))})
    table.write(tmp_path / CACHE_FILE)
    assert PriceBook.load(data_dir=tmp_path).price_for("openai:gpt-4o-mini").input == D("0.1")


def test_a_damaged_table_falls_back_and_never_crashes(tmp_path):
    (tmp_path / CACHE_FILE).write_text("{not json", encoding="utf-8")
    assert PriceBook.load(data_dir=tmp_path).price_for("openai:gpt-4o-mini").input == D("0.15")
    broken = tmp_path / "broken.json"
    broken.write_text("[]", encoding="utf-8")
    assert PriceBook.load(path=broken).price_for("openai:gpt-4o-mini") is None


def test_derived_aliases_point_a_family_at_its_newest_or_latest_entry():
    aliases = derive_aliases(
        ["anthropic:claude-3-5-sonnet-20240620", "anthropic:claude-3-5-sonnet-20241022",
         "mistral:mistral-large-2411", "mistral:mistral-large-latest", "openai:gpt-4o",
         "openai:gpt-4o-2024-05-13"]
    )  # fmt: skip
    assert aliases == {
        "anthropic:claude-3-5-sonnet": "anthropic:claude-3-5-sonnet-20241022",
        "mistral:mistral-large": "mistral:mistral-large-latest",
    }


# -- OpenRouter live prices ---------------------------------------------------------------------


def test_parse_openrouter_models_converts_per_token_strings_exactly():
    prices = parse_openrouter_models(OPENROUTER_MODELS)
    assert prices["openrouter:openai/gpt-4o-mini"] == Price(
        D("0.15"), D("0.6"), cached_input=D("0.075"), context=128000
    )
    assert prices["openrouter:x-ai/grok-4.3"].reasoning == D("2.5")
    assert prices["openrouter:inclusionai/ring-2.6-1t:free"].is_free
    assert "openrouter:openrouter/auto" not in prices  # variable price: unknown, not free
    assert "openrouter:broken/no-pricing" not in prices


def test_parse_openrouter_models_rejects_a_body_without_data():
    with pytest.raises(MalformedResponse):
        parse_openrouter_models({"error": "nope"})


def test_fetch_openrouter_prices_from_a_loopback_server():
    with WireServer() as server:
        server.script("GET", "/api/v1/models", json_reply(200, OPENROUTER_MODELS))
        prices = asyncio.run(fetch_openrouter_prices(base_url=server.base_url + "/api/v1"))
        assert server.requests[0].path.startswith("/api/v1/models")
    assert prices["openrouter:openai/gpt-4o-mini"].input == D("0.15")


def test_fetch_openrouter_prices_reports_server_errors_in_plain_words():
    with WireServer() as server:
        server.script("GET", "/api/v1/models", json_reply(503, {"error": {"message": "down"}}))
        with pytest.raises(ProviderUnavailable) as info:
            asyncio.run(fetch_openrouter_prices(base_url=server.base_url + "/api/v1"))
    assert "OpenRouter" in info.value.plain()


def test_offline_mode_blocks_the_refresh_before_connecting(monkeypatch):
    monkeypatch.setenv("HEARTH_OFFLINE", "1")
    with pytest.raises(OfflineModeBlocked):
        asyncio.run(fetch_openrouter_prices(base_url="https://openrouter.ai/api/v1"))


def test_fetch_dataset_prices_from_a_loopback_server():
    api = {"openai": {"id": "openai", "models": {"gpt-4o-mini": {
        "id": "gpt-4o-mini", "cost": {"input": 0.15, "output": 0.6, "cache_read": 0.075},
        "limit": {"context": 128000, "output": 16384}}}}}  # fmt: skip
    with WireServer() as server:
        server.script("GET", "/api.json", json_reply(200, api))
        prices = asyncio.run(fetch_dataset_prices(url=server.base_url + "/api.json"))
    assert prices == {"openai:gpt-4o-mini": Price(D("0.15"), D("0.6"), D("0.075"), None, 128000)}
