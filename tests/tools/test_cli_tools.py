"""`hearth tools ...` and `hearth ask --tools` as real subprocesses, y/N answered on stdin."""

from __future__ import annotations

import json
import sys

import pytest

from tests.cli.support import hearth
from tests.tools.support import SERVER_SCRIPT
from tests.tools.wire_tools import openai_tool_events
from tests.wire_servers import encode_sse, openai_events, sse_reply

OPENAI = "/v1/chat/completions"


@pytest.fixture
def calc(data_dir):
    hearth("tools", "add", "calc", "--", sys.executable, str(SERVER_SCRIPT), data_dir=data_dir)
    return data_dir


def test_add_list_import_rm(calc, tmp_path):
    listed = hearth("tools", "list", data_dir=calc).stdout
    assert listed.startswith("calc\tready\t")
    assert "  add\tAdd two whole numbers." in listed

    config = tmp_path / "claude_desktop_config.json"
    servers = {"web": {"url": "https://mcp.example.com/mcp", "headers": {"X-Api-Key": "s3cr3t"}}}
    config.write_text(json.dumps({"mcpServers": servers}), encoding="utf-8")
    out = hearth("tools", "import", str(config), data_dir=calc).stdout
    assert "Added 1 tool server(s): web" in out
    assert "s3cr3t" not in (calc / "settings.json").read_text(encoding="utf-8")
    listed = hearth("tools", "list", "--no-start", data_dir=calc).stdout
    assert "web\tstopped\thttps://mcp.example.com/mcp" in listed

    hearth("tools", "rm", "web", data_dir=calc)
    failed = hearth("tools", "rm", "web", data_dir=calc, check=False)
    assert failed.returncode == 1 and "There is no tool server named “web”" in failed.stderr


def test_add_needs_a_command_or_a_url(data_dir):
    failed = hearth("tools", "add", "x", data_dir=data_dir, check=False)
    assert failed.returncode == 1 and "either a command" in failed.stderr


def test_ask_with_tools_asks_yes_or_no_before_each_call(calc, openai_server, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-0123456789abcdefghijklmnop")
    calls = [("c1", "add", {"a": 40, "b": 2}), ("c2", "env", {"name": "HOME"})]
    openai_server.script(
        "POST",
        OPENAI,
        sse_reply([encode_sse(openai_tool_events(calls))]),
        sse_reply([encode_sse(openai_events(["The answer is 42."]))]),
    )
    result = hearth(
        "ask", "--tools", "-m", "openai:gpt-4o-mini", "What is 40+2?",
        data_dir=calc, stdin="y\nn\n",
    )  # fmt: skip

    assert result.stdout.strip() == "The answer is 42."
    assert "The model wants to run add from calc with" in result.stderr
    assert "Its result will be sent to OpenAI. Run it? [y/N]" in result.stderr
    assert "(not run)" in result.stderr
    sent = openai_server.requests[1].json()["messages"][-2:]
    assert sent[0] == {"role": "tool", "tool_call_id": "c1", "content": "42"}
    assert sent[1]["tool_call_id"] == "c2" and "denied" in sent[1]["content"]


def test_ask_allow_runs_the_named_tool_without_asking(calc, openai_server, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-0123456789abcdefghijklmnop")
    openai_server.script(
        "POST",
        OPENAI,
        sse_reply([encode_sse(openai_tool_events([("c1", "add", {"a": 1, "b": 2})]))]),
        sse_reply([encode_sse(openai_events(["3"]))]),
    )
    result = hearth(
        "ask", "--allow", "calc/add", "-m", "openai:gpt-4o-mini", "1+2?", data_dir=calc, stdin=""
    )
    assert "Run it?" not in result.stderr
    assert "(running add from calc" in result.stderr
    assert openai_server.requests[1].json()["messages"][-1]["content"] == "3"
