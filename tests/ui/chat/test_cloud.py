"""Local and online models in one window: switching, labels, errors, retries and compare.

Real services on a temporary data folder, real llama.cpp on a tiny GGUF file, and OpenAI's wire
format from a loopback server (tests/wire_servers.py).
"""

from __future__ import annotations

import socket

import pytest
from PySide6.QtCore import Qt

from app import secrets
from app.netguard import socket_guard
from app.ui.chat.message_footer import OPEN_SETTINGS, RETRY, USE_LOCAL
from tests.ui.support import (
    OPENAI_KEY,
    REPLY_TIMEOUT_MS,
    activate,
    add_tiny_model,
    choose_in_more,
    click_footer,
    openai_says,
    pick_model,
    send_by_keyboard,
    shown_replies,
    wait_for,
    wait_until_idle,
)
from tests.wire_servers import (
    OPENAI_401,
    OPENAI_429,
    OPENAI_MIDSTREAM_ERROR,
    encode_sse,
    json_reply,
    openai_events,
    sse_reply,
)

CHAT_PATH = "/v1/chat/completions"


@pytest.fixture
def window_with_both(qtbot, open_window, short_gguf, openai_server):
    """A window with the tiny local model and an OpenAI key; replies kept short."""
    secrets.set_key("openai", OPENAI_KEY)
    window, services = open_window()
    services.settings.set("max_tokens", 12)
    local = add_tiny_model(qtbot, window, short_gguf)
    return window, services, local


def test_switching_local_cloud_local_labels_every_reply(qtbot, window_with_both, openai_server):
    window, services, local = window_with_both
    openai_says(openai_server, "Bonjour", " à vous")
    send_by_keyboard(qtbot, window, "Hello")
    wait_until_idle(qtbot, window)

    pick_model(qtbot, window, "4o-mini")
    assert window.current_model.id == "openai:gpt-4o-mini"
    assert window.header.badge.text() == "sent to OpenAI"
    assert window.header.badge.property("local") is False
    send_by_keyboard(qtbot, window, "In French?")
    wait_until_idle(qtbot, window)

    pick_model(qtbot, window, local.display_name)
    assert window.header.badge.text() == "on this computer"
    send_by_keyboard(qtbot, window, "Thanks")
    wait_until_idle(qtbot, window)

    footers = [w.footer.text() for w in shown_replies(window)]
    figures = [w.footer.toolTip() for w in shown_replies(window)]
    assert len(footers) == 3
    assert "on this computer" in footers[0] and local.id in figures[0]
    assert "sent to OpenAI" in footers[1] and "gpt-4o-mini" in figures[1]
    assert "on this computer" in footers[2]
    assert shown_replies(window)[1].view.toPlainText().strip() == "Bonjour à vous"

    stored = wait_for(qtbot, services.conversations.messages(window.conversation_id))
    assert [m.role for m in stored] == ["user", "assistant"] * 3
    replies = [m for m in stored if m.role == "assistant"]
    assert [m.model_id for m in replies] == [local.id, "openai:gpt-4o-mini", local.id]
    assert [m.where for m in replies] == ["on this computer", "sent to OpenAI", "on this computer"]
    # The online model got the whole history, the local model's turn included.
    sent = openai_server.requests[-1].json()["messages"]
    assert [m["content"] for m in sent] == ["Hello", replies[0].content, "In French?"]
    assert services.settings.get("default_model") == local.id


def test_a_rejected_key_offers_open_settings(qtbot, window_with_both, openai_server):
    window, _services, _local = window_with_both
    openai_server.script("POST", CHAT_PATH, json_reply(401, OPENAI_401))
    window.choose_model("openai:gpt-4o-mini")
    send_by_keyboard(qtbot, window, "hi")
    wait_until_idle(qtbot, window)

    [reply] = shown_replies(window)
    assert reply.actions == [OPEN_SETTINGS, RETRY]
    assert "The key was rejected by OpenAI" in reply.footer.text()
    assert OPENAI_KEY not in reply.footer.text()
    click_footer(reply, OPEN_SETTINGS)
    dialog = window.settings.dialog
    assert dialog.isVisible()
    assert dialog.providers.current.provider_id == "openai"
    dialog.close()


def test_an_error_mid_stream_keeps_the_words_and_retry_asks_again(
    qtbot, window_with_both, openai_server
):
    window, services, _local = window_with_both
    cut_off = encode_sse(
        [*openai_events(["Once upon", " a time"], done=False)[:-1], (None, OPENAI_MIDSTREAM_ERROR)]
    )
    openai_server.script("POST", CHAT_PATH, sse_reply([cut_off]))
    openai_says(openai_server, "A whole", " story")
    window.choose_model("openai:gpt-4o-mini")
    send_by_keyboard(qtbot, window, "Tell me a story")
    wait_until_idle(qtbot, window)

    [partial] = shown_replies(window)
    assert partial.message.status == "error"
    assert partial.view.toPlainText().strip() == "Once upon a time"
    assert "What arrived so far is kept" in partial.footer.text()
    assert partial.actions == [RETRY]

    window.choose_model(
        window.models.local_files[0].id
    )  # Retry asks the model that failed, not this
    click_footer(partial, RETRY)
    wait_until_idle(qtbot, window)
    [again] = shown_replies(window)
    assert again.view.toPlainText().strip() == "A whole story"
    assert again.message.model_id == "openai:gpt-4o-mini"
    stored = wait_for(qtbot, services.conversations.messages(window.conversation_id))
    assert [m.content for m in stored] == ["Tell me a story", "A whole story"]


def test_rate_limit_shows_a_countdown_then_the_reply(qtbot, window_with_both, openai_server):
    window, _services, _local = window_with_both
    openai_server.script("POST", CHAT_PATH, json_reply(429, OPENAI_429, {"retry-after": "1"}))
    openai_says(openai_server, "Worth", " the wait")
    window.choose_model("openai:gpt-4o-mini")
    send_by_keyboard(qtbot, window, "hi")
    qtbot.waitUntil(lambda: "Trying again in 1 s" in _last_footer(window), timeout=5_000)
    assert "limiting how many requests" in _last_footer(window)
    wait_until_idle(qtbot, window)
    [reply] = shown_replies(window)
    assert reply.message.content == "Worth the wait"
    assert "Trying again" not in reply.footer.text()


def test_local_fallback_answers_with_a_quiet_notice(qtbot, window_with_both, openai_server):
    window, services, local = window_with_both
    services.settings.set("fallback_model", local.id)
    openai_server.script("POST", CHAT_PATH, json_reply(401, OPENAI_401))
    window.choose_model("openai:gpt-4o")
    send_by_keyboard(qtbot, window, "hi")
    wait_until_idle(qtbot, window)

    notices = [w for w in window.chat_view.messages_shown() if w.objectName() == "noticeLine"]
    assert len(notices) == 1
    assert "Answering with" in notices[0].text() and "on this computer" in notices[0].text()
    [reply] = shown_replies(window)
    assert reply.message.status == "complete" and "on this computer" in reply.footer.text()


def test_offline_mode_error_offers_a_local_model(
    qtbot, window_with_both, online_again, monkeypatch
):
    window, services, local = window_with_both
    # The real address: offline mode refuses it before any lookup (loopback would be allowed).
    monkeypatch.setenv("HEARTH_OPENAI_BASE_URL", "https://api.openai.com/v1")
    window.choose_model("openai:gpt-4o-mini")
    services.providers.set_offline(True)
    with socket_guard() as attempts:
        send_by_keyboard(qtbot, window, "hi")
        wait_until_idle(qtbot, window)
    assert attempts == []
    [blocked] = shown_replies(window)
    assert "Offline mode is on" in blocked.footer.text()
    assert blocked.actions == [USE_LOCAL, OPEN_SETTINGS]

    click_footer(blocked, USE_LOCAL)
    wait_until_idle(qtbot, window)
    [answer] = shown_replies(window)
    assert answer.message.model_id == local.id and answer.message.status == "complete"
    assert window.current_model.id == local.id
    assert window.header.badge.text() == "on this computer"


def test_regenerate_with_another_model(qtbot, window_with_both, openai_server):
    window, services, local = window_with_both
    openai_says(openai_server, "Second", " opinion")
    services.settings.set("recent_models", ["openai:gpt-4o-mini"])
    send_by_keyboard(qtbot, window, "Hi")
    wait_until_idle(qtbot, window)
    [first] = shown_replies(window)
    choose_in_more(first, "Regenerate with another model…")
    menu = window.sending.regenerate_menu
    [with_cloud] = [a for a in menu.actions() if "gpt-4o-mini" in a.text()]
    assert "sent to OpenAI" in with_cloud.text()
    menu.close()
    with_cloud.trigger()
    wait_until_idle(qtbot, window)
    [second] = shown_replies(window)
    assert second.message.model_id == "openai:gpt-4o-mini"
    assert second.message.content == "Second opinion"
    assert window.current_model.id == local.id  # the header's choice stays as it was


def test_compare_a_local_and_an_online_model_and_keep_one(qtbot, window_with_both, openai_server):
    window, services, local = window_with_both
    openai_says(openai_server, "Online", " answer")
    activate(qtbot, window)
    qtbot.keyClicks(window.composer.edit, "Which is better?")
    qtbot.keyClick(
        window.composer.edit,
        Qt.Key.Key_Return,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    chooser = window.compare.compare_chooser
    qtbot.waitUntil(chooser.isVisible)
    assert chooser.ticked == [local.id]  # the current model is ticked already
    assert not chooser.compare_button.isEnabled()
    chooser.tick("openai:gpt-4o-mini")
    qtbot.mouseClick(chooser.compare_button, Qt.MouseButton.LeftButton)

    assert window.comparing
    assert not window.composer.edit.isEnabled()
    view = window.compare_view
    qtbot.waitUntil(lambda: all(c.finished for c in view.columns), timeout=REPLY_TIMEOUT_MS)
    local_column, cloud_column = view.columns
    assert local_column.badge.text() == "on this computer"
    assert cloud_column.badge.text() == "sent to OpenAI"
    assert cloud_column.view.toPlainText().strip() == "Online answer"
    assert "First word after" in cloud_column.stats.text()
    assert "12 tokens in · 2 out" in cloud_column.stats.text()
    assert local_column.text and "tokens in" in local_column.stats.text()

    qtbot.mouseClick(cloud_column.keep_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.comparing)
    qtbot.waitUntil(lambda: len(shown_replies(window)) == 1)
    [kept] = shown_replies(window)
    assert kept.message.content == "Online answer"
    assert window.composer.edit.isEnabled()
    stored = wait_for(qtbot, services.conversations.messages(window.conversation_id))
    assert [m.content for m in stored] == ["Which is better?", "Online answer"]
    assert window.sidebar.titles() == ["Which is better?"]


def _last_footer(window) -> str:
    replies = shown_replies(window)
    return replies[-1].footer.text() if replies else ""


def test_no_network_says_offline_and_suggests_a_local_model(qtbot, window_with_both, monkeypatch):
    window, _services, _local = window_with_both
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))  # a port nobody listens on: the connection is refused
    port = closed.getsockname()[1]
    closed.close()
    monkeypatch.setenv("HEARTH_OPENAI_BASE_URL", f"http://127.0.0.1:{port}/v1")
    window.choose_model("openai:gpt-4o-mini")
    send_by_keyboard(qtbot, window, "hi")
    wait_until_idle(qtbot, window)
    [reply] = shown_replies(window)
    assert "You appear to be offline" in reply.footer.text()
    assert reply.actions == [USE_LOCAL, RETRY]
    assert "Use a model on this computer" in reply.footer.text()


@pytest.mark.parametrize(
    ("reply", "words", "actions"),
    [
        (
            json_reply(402, {"error": {"message": "Insufficient credits.", "code": 402}}),
            "no credits left",
            [USE_LOCAL, RETRY],
        ),
        (
            sse_reply([b"data: {not json at all\n\n"]),
            "could not read",
            [RETRY],
        ),
    ],
    ids=["no-credits", "malformed"],
)
def test_payment_and_malformed_replies_are_explained(
    qtbot, window_with_both, openai_server, reply, words, actions
):
    window, _services, _local = window_with_both
    openai_server.script("POST", CHAT_PATH, reply)
    window.choose_model("openai:gpt-4o-mini")
    send_by_keyboard(qtbot, window, "hi")
    wait_until_idle(qtbot, window)
    [failed] = shown_replies(window)
    assert failed.message.status == "error"
    assert words in failed.footer.text()
    assert failed.actions == actions


def test_the_header_never_says_sent_while_offline_mode_blocks_it(qtbot, window_with_both):
    window, services, local = window_with_both
    window.choose_model("openai:gpt-4o-mini")
    assert window.header.badge.text() == "sent to OpenAI"
    window.header.set_offline(True)  # what the Privacy page's switch does through the window
    assert window.header.badge.text() == "not sent — offline mode"
    assert "Offline mode is on" in window.header.badge.toolTip()
    window.choose_model(local.id)
    assert window.header.badge.text() == "on this computer"
    window.choose_model("openai:gpt-4o-mini")
    window.header.set_offline(False)
    assert window.header.badge.text() == "sent to OpenAI"
