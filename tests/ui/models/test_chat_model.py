"""A chat reopens with the model it last used: after a restart and when opened from search.

Real windows on one data folder, the tiny local model, and OpenAI's wire format on loopback.
"""

from __future__ import annotations

from PySide6.QtCore import Qt

from app import secrets
from tests.ui.support import (
    OPENAI_KEY,
    activate,
    add_tiny_model,
    openai_says,
    send_by_keyboard,
    wait_for,
    wait_until_idle,
)

CLOUD = "openai:gpt-4o-mini"


def _cloud_chat(qtbot, window, server) -> int:
    """A chat whose last reply came from gpt-4o-mini; its id."""
    window.choose_model(CLOUD)
    openai_says(server, "Marmalade", " is orange.")
    send_by_keyboard(qtbot, window, "Tell me about marmalade")
    wait_until_idle(qtbot, window)
    return window.conversation_id


def test_a_restart_reopens_the_chat_with_its_cloud_model(
    qtbot, open_window, short_gguf, openai_server
):
    secrets.set_key("openai", OPENAI_KEY)
    window, services = open_window()
    local = add_tiny_model(qtbot, window, short_gguf)
    cid = _cloud_chat(qtbot, window, openai_server)
    # The user then picked the local model (for a new chat, say) and closed Hearth on this chat.
    window.choose_model(local.id)
    open_window.close(window, services)

    window, services = open_window()
    assert window.conversation_id == cid
    qtbot.waitUntil(lambda: window.current_model.id == CLOUD)
    assert window.header.picker.text().startswith("gpt-4o-mini")
    assert window.header.badge.text() == "sent to OpenAI"


def test_search_opens_the_chat_with_its_cloud_model(qtbot, open_window, short_gguf, openai_server):
    secrets.set_key("openai", OPENAI_KEY)
    window, _services = open_window()
    local = add_tiny_model(qtbot, window, short_gguf)
    cid = _cloud_chat(qtbot, window, openai_server)
    window.chats.new_chat()
    window.choose_model(local.id)
    assert window.header.badge.text() == "on this computer"

    activate(qtbot, window)
    qtbot.keyClick(window.composer.edit, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier
                   | Qt.KeyboardModifier.ShiftModifier)  # fmt: skip
    panel = window.search.search_panel
    qtbot.waitUntil(panel.isVisible)
    qtbot.keyClicks(panel.field, "marmalade")
    qtbot.waitUntil(lambda: len(panel.hits) >= 1)
    qtbot.keyClick(panel.field, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.conversation_id == cid)
    qtbot.waitUntil(lambda: window.current_model.id == CLOUD)
    assert window.header.badge.text() == "sent to OpenAI"


def test_clicking_a_chat_in_the_sidebar_brings_its_model(
    qtbot, open_window, short_gguf, openai_server
):
    secrets.set_key("openai", OPENAI_KEY)
    window, _services = open_window()
    local = add_tiny_model(qtbot, window, short_gguf)
    cid = _cloud_chat(qtbot, window, openai_server)
    window.chats.new_chat()
    window.choose_model(local.id)
    wait_for(qtbot, window.chats.open_conversation(cid))
    qtbot.waitUntil(lambda: window.current_model.id == CLOUD)
    assert window.header.badge.text() == "sent to OpenAI"
