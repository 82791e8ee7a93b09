"""The window over real services, a real SQLite file and real llama.cpp on a tiny GGUF model."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from app.ui.chat.assistant_message import AssistantMessage
from app.ui.chat.user_message import UserMessage
from tests.ui.support import (
    REPLY_TIMEOUT_MS,
    add_tiny_model,
    send_by_keyboard,
    shown_replies,
    wait_for,
    wait_until_idle,
)


def test_first_run_shows_the_welcome_screen(open_window):
    window, _services = open_window()
    assert window.showing_welcome
    assert window.welcome.main_button.isVisible()  # download the model suggested here
    assert window.welcome.add_card.isVisible() and window.welcome.cloud_card.isVisible()
    assert (
        "on this computer"
        in window.welcome.findChild(type(window.header.title), "welcomeIntro").text()
    )


def test_adding_a_model_selects_it_and_leaves_the_welcome_screen(qtbot, open_window, short_gguf):
    window, services = open_window()
    model = add_tiny_model(qtbot, window, short_gguf)
    assert not window.showing_welcome
    assert services.settings.get("default_model") == model.id
    assert model.display_name in window.header.picker.text()
    assert window.header.badge.text() == "on this computer"
    assert window.chat_stack.currentWidget() is window.empty_chat


def test_a_file_that_is_not_a_model_is_refused_in_plain_words(qtbot, open_window, tmp_path):
    window, _services = open_window()
    bogus = tmp_path / "holiday-photo.gguf"
    bogus.write_bytes(b"not a model at all" * 100)
    outcome = wait_for(qtbot, window.add_models([str(bogus)]))
    assert not outcome.added
    assert "holiday-photo.gguf" in outcome.failure_text()
    box = next(d for d in window._dialogs if isinstance(d, QMessageBox))
    assert box.isVisible() and "holiday-photo.gguf" in box.informativeText()
    assert window.showing_welcome  # still nothing to chat with
    box.close()


def test_a_message_sent_with_enter_streams_renders_and_is_stored(qtbot, open_window, short_gguf):
    window, services = open_window()
    add_tiny_model(qtbot, window, short_gguf)
    send_by_keyboard(qtbot, window, "Hello there")
    wait_until_idle(qtbot, window)

    stored = wait_for(qtbot, services.conversations.messages(window.conversation_id))
    assert [m.role for m in stored] == ["user", "assistant"]
    user, reply = stored
    assert user.content == "Hello there"
    assert reply.status == "complete" and reply.content and reply.tokens_per_second
    [widget] = shown_replies(window)
    assert widget.view.toPlainText().strip()  # the reply is drawn, not just stored
    # Plain words in the line; the figures in its tooltip.
    assert "on this computer" in widget.footer.text() and "tokens" not in widget.footer.text()
    figures = widget.footer.toolTip()
    assert "tokens a second" in figures and "first word after" in figures
    assert window.sidebar.titles() == ["Hello there"]
    assert window.composer.text() == ""


def test_stop_keeps_the_partial_reply(qtbot, open_window, tiny_gguf):
    window, services = open_window()
    add_tiny_model(qtbot, window, tiny_gguf)
    send_by_keyboard(qtbot, window, "Tell me a long story")
    qtbot.waitUntil(
        lambda: window.session.busy and bool(window.session._text), timeout=REPLY_TIMEOUT_MS
    )
    assert window.composer.button.text() == "Stop"
    qtbot.mouseClick(window.composer.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.session.busy, timeout=REPLY_TIMEOUT_MS)

    reply = wait_for(qtbot, services.conversations.messages(window.conversation_id))[-1]
    assert reply.status == "stopped"
    assert reply.content  # what was written before Stop is kept
    [widget] = shown_replies(window)
    assert "Stopped" in widget.footer.text()
    assert window.composer.button.text() == "Send"


def test_escape_stops_a_reply(qtbot, open_window, tiny_gguf):
    window, services = open_window()
    add_tiny_model(qtbot, window, tiny_gguf)
    send_by_keyboard(qtbot, window, "Another long story")
    qtbot.waitUntil(
        lambda: window.session.busy and bool(window.session._text), timeout=REPLY_TIMEOUT_MS
    )
    assert window.stop_shortcut.isEnabled()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClick(window.composer.edit, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not window.session.busy, timeout=REPLY_TIMEOUT_MS)
    reply = wait_for(qtbot, services.conversations.messages(window.conversation_id))[-1]
    assert reply.status == "stopped"
    assert not window.stop_shortcut.isEnabled()


def test_regenerate_replaces_the_last_reply(qtbot, open_window, short_gguf):
    window, services = open_window()
    add_tiny_model(qtbot, window, short_gguf)
    send_by_keyboard(qtbot, window, "Hi")
    wait_until_idle(qtbot, window)
    [first] = shown_replies(window)
    first_id = first.message.id
    first.view.action_requested.emit("regenerate")
    wait_until_idle(qtbot, window)
    stored = wait_for(qtbot, services.conversations.messages(window.conversation_id))
    assert [m.role for m in stored] == ["user", "assistant"]
    assert stored[-1].id != first_id
    [second] = shown_replies(window)
    assert second.message.id == stored[-1].id


def test_after_a_restart_the_conversation_is_listed_and_shown(qtbot, open_window, short_gguf):
    window, services = open_window()
    add_tiny_model(qtbot, window, short_gguf)
    send_by_keyboard(qtbot, window, "Remember me")
    wait_until_idle(qtbot, window)
    window.resize(700, 520)  # inside the offscreen screen, which restoreGeometry clamps to
    open_window.close(window, services)

    window, services = open_window()
    assert window.sidebar.titles() == ["Remember me"]
    shown = window.chat_view.messages_shown()
    assert isinstance(shown[0], UserMessage) and shown[0].text == "Remember me"
    assert isinstance(shown[1], AssistantMessage) and shown[1].text
    assert window.header.title.text() == "Remember me"
    assert (window.width(), window.height()) == (700, 520)  # restored from ui.ini


def test_keyboard_shortcuts_for_new_chat_and_search(qtbot, open_window):
    window, services = open_window()
    chat = wait_for(qtbot, services.conversations.create("Existing chat"))
    wait_for(qtbot, window.chats.refresh_conversations())
    window.pages.setCurrentWidget(window.splitter)
    wait_for(qtbot, window.chats.open_conversation(chat.id))
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)

    qtbot.keyClick(window.composer.edit, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert window.conversation_id is None
    assert window.chat_stack.currentWidget() is window.empty_chat
    # Ctrl+F finds in this chat, Ctrl+Shift+F searches every chat; Esc leaves both.
    control = Qt.KeyboardModifier.ControlModifier
    qtbot.keyClick(window.composer.edit, Qt.Key.Key_F, control)
    qtbot.waitUntil(window.search.find_bar.field.hasFocus)
    qtbot.keyClick(window.search.find_bar.field, Qt.Key.Key_Escape)
    assert not window.search.find_bar.isVisible() and window.composer.edit.hasFocus()
    qtbot.keyClick(window.composer.edit, Qt.Key.Key_F, control | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(window.search.search_panel.field.hasFocus)
    qtbot.keyClick(window.search.search_panel.field, Qt.Key.Key_Escape)
    assert not window.search.search_panel.isVisible()


LOCAL_SENTENCE = " answers on this computer. Nothing you write here leaves it."


def _sentence_fits(qtbot, window, width: int) -> None:
    window.resize(width, 600)
    detail = window.empty_chat.detail
    qtbot.waitUntil(lambda: detail.width() <= window.empty_chat.width())
    # Wrapped over as many lines as it needs, all of them drawn: nothing cut off at the end.
    qtbot.waitUntil(lambda: detail.height() >= detail.heightForWidth(detail.width()))
    assert detail.geometry().right() <= window.empty_chat.contentsRect().right()


def test_the_empty_chat_shows_its_whole_sentence_at_any_width(qtbot, open_window, short_gguf):
    window, _services = open_window()
    model = add_tiny_model(qtbot, window, short_gguf)
    window.show()
    detail = window.empty_chat.detail
    for width in (800, 640, 520):
        _sentence_fits(qtbot, window, width)
        assert detail.text() == model.display_name + LOCAL_SENTENCE
    # A long name is shortened in the middle, never the sentence; the whole name is in the tooltip.
    long_name = "Qwen2.5-Coder-32B-Instruct-abliterated-uncensored-Q4_K_M-imatrix-final-v2"
    window.empty_chat.set_model(replace(model, display_name=long_name))
    for width in (800, 520):
        _sentence_fits(qtbot, window, width)
        assert detail.text().endswith(LOCAL_SENTENCE)
        shown_name = detail.text().split(" answers on")[0]
        assert "…" in shown_name and shown_name[:6] == long_name[:6]
        assert shown_name[-6:] == long_name[-6:]
        assert detail.toolTip() == long_name


def test_the_first_window_fits_the_screen(open_window):
    window, _ = open_window()
    room = window.screen().availableGeometry()  # the offscreen screen is 800×600
    assert window.width() <= room.width() and window.height() <= room.height()
