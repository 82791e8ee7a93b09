"""The footer says where the words went: "sent to <provider>" only once the request was written.

A real window on a temporary data folder; OpenAI's wire format from a loopback server, a refused
loopback port for "could not reach", and offline mode (app.netguard) for "offline mode". What is
stored is tests/services/test_where_labels.py.
"""

from __future__ import annotations

import pytest

from app import secrets
from tests.loopback import closed_port
from tests.ui.support import (
    OPENAI_KEY,
    save_shot,
    send_by_keyboard,
    shown_replies,
    wait_until_idle,
)
from tests.wire_servers import OPENAI_401, encode_sse, json_reply, sse_reply

MODEL = "openai:gpt-4o-mini"


@pytest.fixture
def cloud_window(qtbot, open_window):
    secrets.set_key("openai", OPENAI_KEY)
    window, services = open_window()
    window.choose_model(MODEL)
    return window, services


def _footer_after_send(qtbot, window) -> str:
    send_by_keyboard(qtbot, window, "hi")
    wait_until_idle(qtbot, window)
    [reply] = shown_replies(window)
    return reply.footer.text()


def test_window_says_not_sent_in_offline_mode(qtbot, cloud_window, online_again, monkeypatch):
    window, services = cloud_window
    monkeypatch.setenv("HEARTH_OPENAI_BASE_URL", "https://api.openai.com/v1")
    services.providers.set_offline(True)
    footer = _footer_after_send(qtbot, window)
    assert "not sent — offline mode" in footer
    assert ">sent to OpenAI<" not in footer  # the label; the error may say "nothing is sent to"
    save_shot(window, "labels-not-sent-offline.png")


def test_window_says_could_not_reach(qtbot, cloud_window, monkeypatch):
    window, _services = cloud_window
    monkeypatch.setenv("HEARTH_OPENAI_BASE_URL", f"http://127.0.0.1:{closed_port()}/v1")
    footer = _footer_after_send(qtbot, window)
    assert "not sent — could not reach OpenAI" in footer
    assert ">sent to OpenAI<" not in footer  # the label; the error may say "nothing is sent to"
    save_shot(window, "labels-not-sent-unreachable.png")


def test_window_says_sent_once_the_request_was_written(qtbot, cloud_window, openai_server):
    window, _services = cloud_window
    openai_server.script("POST", "/v1/chat/completions", json_reply(401, OPENAI_401))
    footer = _footer_after_send(qtbot, window)
    assert "sent to OpenAI" in footer and "not sent" not in footer


def test_a_reply_in_flight_says_sent_once_written(qtbot, cloud_window, openai_server):
    """While the words stream in, the footer already says where they went."""
    from PySide6.QtCore import Qt

    window, _services = cloud_window
    first = encode_sse([(None, {"choices": [{"index": 0, "delta": {"content": "Hi"}}]})])
    openai_server.script("POST", "/v1/chat/completions", sse_reply([first], hold_open=True))
    send_by_keyboard(qtbot, window, "hi")
    qtbot.waitUntil(lambda: len(shown_replies(window)) == 1)
    [reply] = shown_replies(window)
    qtbot.waitUntil(lambda: reply.text == "Hi")
    assert reply.message.status == "streaming"
    assert ">sent to OpenAI<" in reply.footer.text()
    qtbot.keyClick(window.composer.edit, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not window.session.busy)
    assert reply.message.where == "sent to OpenAI"
