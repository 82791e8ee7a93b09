"""`hearth usage` through a real subprocess, on a data folder prepared with the Store."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from app.cli.usage import report_json, report_table
from app.paths import db_path
from app.providers.prices import PriceBook
from app.services.usage import MonthReport, UsageService
from app.services.worker import DbWorker
from app.store import Store
from app.store.settings import Settings
from app.store.store import now

ROOT = Path(__file__).resolve().parents[2]
ENTRY = "app"


def hearth(*args: str, data_dir: Path, check: bool = True) -> subprocess.CompletedProcess:
    env = {**os.environ, "HEARTH_DATA_DIR": str(data_dir), "TZ": "UTC"}
    result = subprocess.run(
        [sys.executable, "-m", ENTRY, *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"hearth {args} failed: {result.stderr}")
    return result


def reply(store: Store, cid: int, created: str, model: str, provider: str, tokens, cost):
    store.db["messages"].insert(
        {
            "conversation_id": cid,
            "role": "assistant",
            "content": "reply",
            "status": "complete",
            "model_id": model,
            "provider": provider,
            "destination": "on this computer" if provider == "local" else f"sent to {provider}",
            "input_tokens": tokens[0],
            "output_tokens": tokens[1],
            "cost_usd": cost,
            "created": created,
        }
    )


@pytest.fixture
def seeded(data_dir):
    store = Store(db_path(data_dir))
    cid = store.create_conversation("Costs").id
    nov = "2026-11-10T12:00:00.000000+00:00"
    reply(store, cid, nov, "openai:gpt-4o-mini", "openai", (17, 11), "0.00000915")
    reply(store, cid, nov, "openai:gpt-4o-mini", "openai", (17, 11), "0.00000915")
    reply(store, cid, nov, "anthropic:claude-9", "anthropic", (100, 20), None)
    reply(store, cid, nov, "qwen2.5-0.5b", "local", (300, 200), "0")
    reply(store, cid, "2026-10-10T12:00:00.000000+00:00", "openai:gpt-4o", "openai", (1, 1), "5")
    store.close()
    return data_dir


def test_usage_json_for_a_month(seeded):
    out = json.loads(hearth("usage", "--month", "2026-11", "--json", data_dir=seeded).stdout)
    assert (out["month"], out["total_usd"]) == ("2026-11", "0.0000183")
    assert (out["input_tokens"], out["output_tokens"]) == (34 + 100 + 300, 22 + 20 + 200)
    assert (out["replies"], out["unknown_price_replies"], out["local_replies"]) == (4, 1, 1)
    by_model = {m["model"]: m for m in out["by_model"]}
    mini = by_model["openai:gpt-4o-mini"]
    assert mini == {
        "model": "openai:gpt-4o-mini", "provider": "openai", "local": False,
        "total_usd": "0.0000183", "input_tokens": 34, "output_tokens": 22, "replies": 2,
        "unknown_price_replies": 0,
    }  # fmt: skip
    assert by_model["anthropic:claude-9"]["total_usd"] is None  # unknown, not "0"
    assert by_model["qwen2.5-0.5b"]["total_usd"] == "0" and by_model["qwen2.5-0.5b"]["local"]


def test_usage_defaults_to_this_month_as_a_table(seeded):
    store = Store(db_path(seeded))
    reply(store, 1, now(), "openai:gpt-4o", "openai", (1000, 500), "0.0075")
    store.close()
    text = hearth("usage", data_dir=seeded).stdout
    assert text.startswith("Usage for ")
    assert "openai:gpt-4o" in text and "$0.0075" in text
    assert "MODEL" in text and "COST" in text


def test_a_bad_month_is_a_plain_error(seeded):
    result = hearth("usage", "--month", "2026-13", data_dir=seeded, check=False)
    assert result.returncode == 2
    assert "is not a month" in result.stderr and "Traceback" not in result.stderr


# -- the same report in-process (fast) --------------------------------------------------------


def month_report(data_dir: Path, month: str) -> MonthReport:
    worker = DbWorker(db_path(data_dir))
    try:
        service = UsageService(worker, Settings(data_dir / "settings.json"), PriceBook.load())
        return asyncio.run(service.month_report(month))
    finally:
        worker.close()


def test_report_json_round_trips_exactly(seeded):
    out = json.loads(json.dumps(report_json(month_report(seeded, "2026-10"))))
    assert out == {
        "month": "2026-10", "total_usd": "5", "input_tokens": 1, "output_tokens": 1,
        "replies": 1, "unknown_price_replies": 0, "local_replies": 0,
        "by_model": [{"model": "openai:gpt-4o", "provider": "openai", "local": False,
                      "total_usd": "5", "input_tokens": 1, "output_tokens": 1, "replies": 1,
                      "unknown_price_replies": 0}],
        "by_provider": [{"provider": "openai", "total_usd": "5", "input_tokens": 1,
                         "output_tokens": 1, "replies": 1, "unknown_price_replies": 0}],
    }  # fmt: skip
    assert Decimal(out["total_usd"]) == sum(Decimal(m["total_usd"]) for m in out["by_model"])


def test_report_table_leaves_unknown_prices_out_and_says_so(seeded):
    text = report_table(month_report(seeded, "2026-11"))
    assert "price unknown" in text
    assert "1 reply with unknown price not in the total." in text
    total = next(line for line in text.splitlines() if line.startswith("Total"))
    assert total.endswith("< $0.0001") and " 4 " in total


def test_an_empty_month(seeded):
    assert "No replies this month." in report_table(month_report(seeded, "2020-01"))
