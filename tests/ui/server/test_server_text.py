"""The local server's words: the status line, sample code, and a request's row."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from app.services.serve_records import ServedRequest
from app.ui.server.server_text import (
    curl_snippet,
    port_of,
    python_snippet,
    request_cells,
    status_line,
)


def test_status_line_counts_requests():
    assert status_line(8745, 0) == "Local server on :8745 — 0 requests"
    assert status_line(8745, 1) == "Local server on :8745 — 1 request"


def test_snippets_use_the_address_and_the_token_only_when_needed():
    curl = curl_snippet("http://127.0.0.1:8745", "tiny")
    assert curl.startswith("curl http://127.0.0.1:8745/v1/chat/completions")
    assert '"model": "tiny"' in curl and "Authorization" not in curl
    assert "Authorization: Bearer YOUR-TOKEN" in curl_snippet("http://x:1", "m", token=True)
    python = python_snippet("http://127.0.0.1:8745", "tiny")
    assert 'base_url="http://127.0.0.1:8745/v1"' in python and 'model="tiny"' in python
    compile(python, "snippet", "exec")  # what the user pastes runs as it is
    assert port_of("http://127.0.0.1:8745") == 8745 and port_of(None) is None


def test_a_refused_request_reads_in_words():
    done = ServedRequest(
        time=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        client="Obsidian",
        model="openai:gpt-4o",
        endpoint="/v1/chat/completions",
        input_tokens=12,
        output_tokens=3,
        cost_usd=Decimal("0.0012"),
        status="BudgetReached",
    )
    _time, app, model, tokens, cost, status = request_cells(done)
    assert (app, model, tokens, cost) == ("Obsidian", "openai:gpt-4o", "12 in · 3 out", "$0.0012")
    assert status == "Budget reached"
    ok = ServedRequest(time=done.time, client="curl", model="", endpoint="/v1/embeddings")
    assert request_cells(ok)[2] == "—" and request_cells(ok)[5] == "OK"
