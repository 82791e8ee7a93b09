"""Pure logic: no engine, no disk."""

from __future__ import annotations

import json
import logging
import subprocess
import sys

from app.core.chat import ChatMessage, ModelInfo, human_bytes, human_params
from app.core.context import fit_to_context
from app.core.errors import NotEnoughMemory
from app.core.records import Conversation, Message
from app.logsetup import setup_logging
from app.services.chat import title_from
from app.services.transfer import export_json, export_markdown
from app.store.trees import ConversationTree


def _words(messages):
    return sum(len(m.content.split()) + 1 for m in messages)


def test_fit_to_context_drops_oldest_turns_keeps_system_and_newest():
    msgs = [ChatMessage("system", "be brief")] + [
        ChatMessage("user" if i % 2 == 0 else "assistant", f"turn {i} " + "word " * 10)
        for i in range(9)
    ]
    kept, dropped = fit_to_context(msgs, count_tokens=_words, budget=40)
    assert kept[0] == msgs[0]
    assert kept[-1] == msgs[-1]
    assert kept[1].role == "user", "the kept history starts with a user turn"
    assert dropped == len(msgs) - len(kept) > 0
    assert _words(kept) <= 40


def test_fit_to_context_leaves_short_conversations_alone():
    msgs = [ChatMessage("user", "hi")]
    assert fit_to_context(msgs, count_tokens=_words, budget=100) == (msgs, 0)


def test_plain_words():
    assert human_params(494_000_000) == "494M"
    assert human_params(1_240_000_000) == "1.2B"
    assert human_params(7_000_000_000) == "7B"
    assert human_bytes(760 * 1024 * 1024) == "760.0 MB"
    assert NotEnoughMemory().plain().startswith("This computer does not have enough")
    local = ModelInfo(id="q", provider="local", display_name="Q")
    assert local.where == "on this computer"
    assert ModelInfo(id="openai:x", provider="openai", display_name="x").where == "sent to openai"


def test_titles_from_first_message():
    assert title_from("  Plan a   picnic ") == "Plan a picnic"
    long = title_from("word " * 40)
    assert len(long) <= 48 and long.endswith("…")


def _message(**kw):
    base = dict(
        id=1,
        conversation_id=1,
        parent_id=None,
        role="user",
        content="hi",
        model_id=None,
        provider=None,
        status="complete",
        created="2026-11-23T08:00:00+00:00",
    )
    return Message(**{**base, **kw})


def test_export_formats():
    conv = Conversation(id=7, title="Picnic", created="c", updated="u")
    item = ConversationTree(
        conv,
        None,
        2,
        [
            _message(),
            _message(
                id=2,
                parent_id=1,
                role="assistant",
                content="Bring **bread**.",
                model_id="qwen",
                provider="local",
                input_tokens=5,
                output_tokens=4,
                cost_usd="0",
                status="stopped",
            ),
        ],
    )
    data = json.loads(export_json([item]))
    (c,) = data["conversations"]
    assert c["id"] == 7 and c["title"] == "Picnic"
    assert c["messages"][1]["usage"] == {"input_tokens": 5, "output_tokens": 4}
    assert c["messages"][1]["cost_usd"] == "0"
    md = export_markdown([item])
    assert md.startswith("# Picnic\n")
    assert "## qwen (on this computer) — stopped" in md


def test_logs_redact_key_shaped_text(tmp_path):
    log_file = setup_logging(tmp_path)
    logging.getLogger("test").warning("key is %s", "sk-proj-abcdefghijklmnop1234567890")
    for handler in logging.getLogger().handlers:
        handler.flush()
    text = log_file.read_text()
    assert "sk-proj" not in text and "[redacted]" in text


def test_command_line_modules_import_no_engine_and_no_qt():
    code = (
        "import sys, app.cli, app.services;"
        "bad = [m for m in ('llama_cpp', 'PySide6', 'qasync') if m in sys.modules];"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
