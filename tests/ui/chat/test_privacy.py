"""The check before a message goes to an online model: what it finds, and the three choices."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from app import secrets
from tests.ui.support import (
    OPENAI_KEY,
    add_tiny_model,
    openai_says,
    send_by_keyboard,
    shown_replies,
    wait_for,
    wait_until_idle,
)

PRIVATE = "Write to jane.doe@example.com about card 4111 1111 1111 1111"
CHAT_PATH = "/v1/chat/completions"


@pytest.fixture
def cloud_window(qtbot, open_window, short_gguf, openai_server):
    secrets.set_key("openai", OPENAI_KEY)
    window, services = open_window()
    services.settings.set("max_tokens", 12)
    local = add_tiny_model(qtbot, window, short_gguf)
    window.choose_model("openai:gpt-4o-mini")
    return window, services, local


def warned(qtbot, window, text: str = PRIVATE):
    send_by_keyboard(qtbot, window, text)
    # The check reads the conversation's history first, so the warning comes a moment later.
    qtbot.waitUntil(lambda: window.sending.privacy_warning is not None)
    dialog = window.sending.privacy_warning
    qtbot.waitUntil(dialog.isVisible)
    return dialog


def test_history_sent_for_the_first_time_is_checked(qtbot, cloud_window, openai_server):
    window, services, local = cloud_window
    window.choose_model(local.id)
    send_by_keyboard(qtbot, window, PRIVATE)
    qtbot.waitUntil(lambda: not window.busy and window.conversation_id is not None, timeout=20000)
    window.choose_model("openai:gpt-4o-mini")
    dialog = warned(qtbot, window, "Now summarise it")
    assert "e-mail address" in dialog_text(dialog)


def dialog_text(dialog) -> str:
    from PySide6.QtWidgets import QLabel

    return " ".join(label.text() for label in dialog.findChildren(QLabel))


def chat_requests(server) -> list:
    return [r for r in server.requests if r.path == CHAT_PATH]


def test_edit_sends_nothing_and_gives_the_text_back(qtbot, cloud_window, openai_server):
    window, _services, _local = cloud_window
    dialog = warned(qtbot, window)
    words = dialog.findings.text()
    assert "An e-mail address: j" in words and "example.com" in words
    assert "A payment card number" in words and "4111 1111 1111 1111" not in words
    assert "jane.doe" not in words  # the excerpts are redacted
    assert dialog.send_button.text() == "Send to OpenAI anyway"
    qtbot.mouseClick(dialog.edit_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert window.composer.text() == PRIVATE
    assert chat_requests(openai_server) == []
    assert window.conversation_id is None and not window.session.busy


def test_send_to_a_local_model_instead(qtbot, cloud_window, openai_server):
    window, services, local = cloud_window
    dialog = warned(qtbot, window)
    assert dialog.local_button.isEnabled()
    qtbot.mouseClick(dialog.local_button, Qt.MouseButton.LeftButton)
    wait_until_idle(qtbot, window)
    [reply] = shown_replies(window)
    assert reply.message.model_id == local.id
    assert "on this computer" in reply.footer.text()
    assert chat_requests(openai_server) == []
    stored = wait_for(qtbot, services.conversations.messages(window.conversation_id))
    assert stored[0].content == PRIVATE and stored[1].where == "on this computer"


def test_send_anyway(qtbot, cloud_window, openai_server):
    window, _services, _local = cloud_window
    openai_says(openai_server, "Done")
    dialog = warned(qtbot, window)
    qtbot.mouseClick(dialog.send_button, Qt.MouseButton.LeftButton)
    wait_until_idle(qtbot, window)
    [reply] = shown_replies(window)
    assert reply.message.content == "Done" and "sent to OpenAI" in reply.footer.text()
    assert chat_requests(openai_server)[-1].json()["messages"][-1]["content"] == PRIVATE


def test_no_warning_for_local_models_or_when_turned_off(qtbot, cloud_window, openai_server):
    window, services, local = cloud_window
    openai_says(openai_server, "Fine")
    services.settings.set("privacy_check", False)
    send_by_keyboard(qtbot, window, PRIVATE)
    wait_until_idle(qtbot, window)
    assert not window.sending.privacy_warning
    window.choose_model(local.id)
    services.settings.set("privacy_check", True)
    send_by_keyboard(qtbot, window, PRIVATE)
    wait_until_idle(qtbot, window)
    assert not window.sending.privacy_warning
    assert len(chat_requests(openai_server)) == 1
