"""`hearth ask --docs [NAME] "question"`, through real subprocesses, against a loopback
OpenAI-compatible server."""

from __future__ import annotations

import json

import pytest

from app.paths import db_path
from app.store import Store
from tests.cli.support import hearth
from tests.documents.doc_rows import LEASE, RENT, housing_documents
from tests.wire_servers import WireServer, encode_sse, openai_events, sse_reply

CLOUD = "openai:gpt-4o-mini"


@pytest.fixture
def openai_server(monkeypatch):
    with WireServer() as server:
        monkeypatch.setenv("HEARTH_OPENAI_BASE_URL", server.base_url + "/v1")
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test-0123456789abcdefghijklmnop")
        yield server


@pytest.fixture
def documents(data_dir):
    store = Store(db_path(data_dir))
    try:
        return housing_documents(store)
    finally:
        store.close()


def says(server: WireServer, *texts: str) -> None:
    server.script(
        "POST", "/v1/chat/completions", sse_reply([encode_sse(openai_events(list(texts)))])
    )


def test_ask_with_docs_says_what_leaves_then_lists_the_sources_cited(
    data_dir, documents, openai_server
):
    says(openai_server, "The rent is 900 euros a month [1].")
    out = hearth("ask", "-m", CLOUD, "--docs", "What is the monthly rent?", data_dir=data_dir)
    assert out.stdout == "The rent is 900 euros a month [1].\n\nSources:\n[1] lease.pdf, page 3\n"
    # Both lease passages mention rent; the disabled Kitchen collection is not searched.
    assert "2 passages from your files will be sent to OpenAI." in out.stderr
    prompt = openai_server.requests[-1].json()["messages"][-1]["content"]
    assert f"[1] lease.pdf, page 3: {RENT}" in prompt and "bread" not in prompt.lower()

    exported = json.loads(hearth("export", "last", data_dir=data_dir).stdout)
    reply = exported["conversations"][0]["messages"][1]
    assert reply["sources"] == [{"file": LEASE, "page": 3, "text": RENT}]
    shown = hearth("show", "last", data_dir=data_dir).stdout
    assert "Sources:\n- [1] lease.pdf, page 3" in shown


def test_ask_with_a_named_collection(data_dir, documents, openai_server):
    says(openai_server, "Bake it at 220 degrees [1].")
    out = hearth(
        "ask", "-m", CLOUD, "--docs", "kitchen", "How hot to bake bread?", data_dir=data_dir
    )
    assert out.stdout.endswith("Sources:\n[1] notes.md, Bread\n")
    assert "1 passage from your files will be sent to OpenAI." in out.stderr


def test_unknown_collection_lists_the_ones_there_are(data_dir, documents, openai_server):
    out = hearth("ask", "-m", CLOUD, "--docs", "Taxes", "rent?", data_dir=data_dir, check=False)
    assert out.returncode == 1
    assert "There is no collection named “Taxes”" in out.stderr
    assert "“Housing”, “Kitchen”" in out.stderr and "Traceback" not in out.stderr
    assert openai_server.requests == []


def test_no_documents_at_all_is_a_plain_refusal(data_dir, openai_server):
    out = hearth("ask", "-m", CLOUD, "--docs", "rent?", data_dir=data_dir, check=False)
    assert out.returncode == 1
    assert out.stderr.strip() == (
        "hearth: You have no documents to ask about yet. Add files to a collection first."
    )
    assert openai_server.requests == []


def test_a_reply_citing_nothing_says_so(data_dir, documents, openai_server):
    says(openai_server, "The documents do not say.")
    # A collection's name with the question on stdin.
    out = hearth("ask", "-m", CLOUD, "--docs", "Housing", data_dir=data_dir, stdin="rent?\n")
    assert out.stdout == "The documents do not say.\n"
    assert "(The reply cited none of your files.)" in out.stderr
    assert openai_server.requests[-1].json()["messages"][-1]["content"].endswith("rent?")
