"""scripts/build_prices.py, offline: small fixtures in the real shapes of models.dev's api.json and
LiteLLM's model_prices_and_context_window.json."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

from app.providers.prices import PriceBook

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "build_prices.py"


def model(model_id: str, cost: dict | None, context: int = 128_000) -> dict:
    """One model as models.dev's api.json lists it."""
    entry = {
        "id": model_id,
        "name": model_id,
        "attachment": False,
        "reasoning": False,
        "temperature": True,
        "tool_call": True,
        "release_date": "2024-07-18",
        "last_updated": "2024-07-18",
        "modalities": {"input": ["text"], "output": ["text"]},
        "open_weights": False,
        "limit": {"context": context, "output": 16_384},
    }
    if cost is not None:
        entry["cost"] = cost
    return entry


def provider(provider_id: str, *models: dict) -> dict:
    return {
        "id": provider_id,
        "env": [f"{provider_id.upper()}_API_KEY"],
        "npm": f"@ai-sdk/{provider_id}",
        "name": provider_id.title(),
        "doc": f"https://{provider_id}.example/docs",
        "models": {m["id"]: m for m in models},
    }


MODELS_DEV = {
    "openai": provider(
        "openai",
        model("gpt-4o-mini", {"input": 0.15, "output": 0.6, "cache_read": 0.075}),
        model("gpt-4.1-mini", {"input": 0.39999999999999997, "output": 1.5999999999999999}),
        model("gpt-4o-2024-05-13", {"input": 5, "output": 15}),
        model("whisper-1", None),  # no cost: left out (unknown, not free)
    ),
    "anthropic": provider(
        "anthropic",
        model(
            "claude-3-5-sonnet-20240620",
            {"input": 3, "output": 15, "cache_read": 0.3, "cache_write": 3.75},
            200_000,
        ),
        model(
            "claude-3-5-sonnet-20241022",
            {"input": 3, "output": 15, "cache_read": 0.3, "cache_write": 3.75},
            200_000,
        ),
        model("claude-opus-4-20250514", {"input": 15, "output": 75}, 200_000),
    ),  # fmt: skip
    "google": provider("google", model("gemini-2.0-flash", {"input": 0.1, "output": 0.4})),
    "togetherai": provider(
        "togetherai",
        model("meta-llama/Llama-3.3-70B-Instruct-Turbo", {"input": 0.88, "output": 0.88}),
    ),
    "fireworks-ai": provider(
        "fireworks-ai",
        model("accounts/fireworks/models/deepseek-v3p1", {"input": 0.56, "output": 1.68}),
    ),
    "xai": provider("xai", model("grok-3-mini", {"input": 0.3, "output": 0.5, "reasoning": 0.5})),
    "openrouter": provider(
        "openrouter",
        model("google/gemini-2.0-flash-001", {"input": 0.1, "output": 0.4}, 1_048_576),
    ),
    "amazon-bedrock": provider(  # not a Hearth provider: dropped
        "amazon-bedrock", model("amazon.nova-pro-v1:0", {"input": 0.8, "output": 3.2})
    ),
}

LITELLM = {
    "sample_spec": {"input_cost_per_token": 0.0, "litellm_provider": "one of ...", "mode": "..."},
    "gpt-4o-mini": {
        "input_cost_per_token": 1.5e-07, "output_cost_per_token": 6e-07,
        "cache_read_input_token_cost": 7.5e-08, "litellm_provider": "openai",
        "max_input_tokens": 128000, "max_output_tokens": 16384, "mode": "chat",
    },
    "groq/llama-3.1-8b-instant": {
        "input_cost_per_token": 5e-08, "output_cost_per_token": 8e-08,
        "litellm_provider": "groq", "max_input_tokens": 128000, "mode": "chat",
    },
    "together_ai/meta-llama/Llama-3.3-70B-Instruct-Turbo": {
        "input_cost_per_token": 8.8e-07, "output_cost_per_token": 8.8e-07,
        "litellm_provider": "together_ai", "mode": "chat",
    },
    "text-embedding-3-small": {
        "input_cost_per_token": 2e-08, "output_cost_per_token": 0.0,
        "litellm_provider": "openai", "mode": "embedding",
    },
    "anthropic.claude-3-haiku-20240307-v1:0": {
        "input_cost_per_token": 2.5e-07, "output_cost_per_token": 1.25e-06,
        "litellm_provider": "bedrock", "mode": "chat",
    },
}  # fmt: skip


def build(tmp_path: Path, data: dict, *extra: str) -> subprocess.CompletedProcess:
    source = tmp_path / "input.json"
    source.write_text(json.dumps(data), encoding="utf-8")
    return subprocess.run(
        [sys.executable, str(SCRIPT), "--input", str(source), "--output",
         str(tmp_path / "prices.json"), *extra],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def test_models_dev_api_json_becomes_hearths_table(tmp_path):
    result = build(tmp_path, MODELS_DEV, "--source", "models.dev fixture", "--source-date",
                   "2026-11-23")  # fmt: skip
    assert result.returncode == 0, result.stderr
    table = json.loads((tmp_path / "prices.json").read_text(encoding="utf-8"))
    assert table["source"] == "models.dev fixture" and table["source_date"] == "2026-11-23"
    assert table["unit"] == "USD per 1M tokens" and table["license"] == "MIT"
    models = table["models"]
    assert models["openai:gpt-4o-mini"] == {
        "input": "0.15", "output": "0.6", "cached_input": "0.075", "reasoning": None,
        "context": 128000,
    }  # fmt: skip
    # Float noise from the dataset is rounded away, exactly.
    assert (models["openai:gpt-4.1-mini"]["input"], models["openai:gpt-4.1-mini"]["output"]) == (
        "0.4", "1.6",
    )  # fmt: skip
    assert models["xai:grok-3-mini"]["reasoning"] == "0.5"
    # Provider ids mapped to Hearth's
    assert "gemini:gemini-2.0-flash" in models
    assert "together:meta-llama/Llama-3.3-70B-Instruct-Turbo" in models
    assert "fireworks:accounts/fireworks/models/deepseek-v3p1" in models
    assert not any(k.startswith("amazon") for k in models)
    assert "openai:whisper-1" not in models
    assert table["aliases"]["anthropic:claude-3-5-sonnet"] == "anthropic:claude-3-5-sonnet-20241022"
    assert table["aliases"]["anthropic:claude-opus-4-0"] == "anthropic:claude-opus-4-20250514"
    assert table["aliases"]["openrouter:google/gemini-2.0-flash"] == (
        "openrouter:google/gemini-2.0-flash-001"
    )


def test_the_built_table_loads_into_a_price_book(tmp_path):
    assert build(tmp_path, MODELS_DEV).returncode == 0
    book = PriceBook.load(path=tmp_path / "prices.json")
    assert book.price_for("openai:gpt-4o-mini-2024-07-18").input == Decimal("0.15")
    assert book.price_for("openai:gpt-4o-2024-05-13").input == Decimal("5")
    assert book.price_for("anthropic:claude-3-5-sonnet-latest").output == Decimal("15")


def test_litellm_price_file_is_recognised_and_converted_per_million(tmp_path):
    result = build(tmp_path, LITELLM)
    assert result.returncode == 0, result.stderr
    table = json.loads((tmp_path / "prices.json").read_text(encoding="utf-8"))
    assert table["format"] == "litellm"
    assert table["models"]["openai:gpt-4o-mini"]["cached_input"] == "0.075"
    assert table["models"]["groq:llama-3.1-8b-instant"]["output"] == "0.08"
    assert table["models"]["together:meta-llama/Llama-3.3-70B-Instruct-Turbo"]["input"] == "0.88"
    assert set(table["models"]) == {
        "openai:gpt-4o-mini", "groq:llama-3.1-8b-instant",
        "together:meta-llama/Llama-3.3-70B-Instruct-Turbo",
    }  # fmt: skip


def test_the_source_defaults_to_the_file_and_the_date_to_today(tmp_path):
    assert build(tmp_path, MODELS_DEV).returncode == 0
    table = json.loads((tmp_path / "prices.json").read_text(encoding="utf-8"))
    assert table["source"] == "input.json" and len(table["source_date"]) == 10


def test_an_unknown_file_is_refused_and_nothing_is_written(tmp_path):
    result = build(tmp_path, {"hello": "world"})
    assert result.returncode == 1
    assert "neither models.dev" in result.stderr
    assert not (tmp_path / "prices.json").exists()
