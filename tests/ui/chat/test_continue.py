"""Continue in the window: stop a reply, click Continue, and the same reply goes on.

A real window on a temporary data folder, OpenAI's wire format on loopback (the services' side
is tests/services/test_continue.py).
"""

from __future__ import annotations

from PySide6.QtCore import Qt

from app import secrets
from app.ui.chat.message_footer import CONTINUE
from tests.ui.chat.support import assert_one_line
from tests.ui.support import (
    OPENAI_KEY,
    activate,
    click_footer,
    save_shot,
    send_by_keyboard,
    shown_replies,
    wait_for,
    wait_until_idle,
)
from tests.wire_servers import WireServer, encode_sse, openai_events, openai_usage, sse_reply

MINI = "openai:gpt-4o-mini"
PARTIAL = "Once upon a time"


def test_stop_then_continue_in_the_window(qtbot, open_window, monkeypatch):
    secrets.set_key("openai", OPENAI_KEY)
    with WireServer() as server:
        monkeypatch.setenv("HEARTH_OPENAI_BASE_URL", server.base_url + "/v1")
        first = encode_sse([(None, {"choices": [{"index": 0, "delta": {"content": PARTIAL}}]})])
        server.script("POST", "/v1/chat/completions", sse_reply([first], hold_open=True))
        rest = openai_events([", there was", " a fox."], usage=openai_usage(40, 6))
        server.script("POST", "/v1/chat/completions", sse_reply([encode_sse(rest)]))
        window, services = open_window()
        qtbot.waitUntil(lambda: window.find_model(MINI) is not None)
        qtbot.waitUntil(lambda: not window.showing_welcome)
        window.choose_model(MINI)
        window.resize(800, 600)
        activate(qtbot, window)

        send_by_keyboard(qtbot, window, "Tell me a story")
        qtbot.waitUntil(lambda: len(shown_replies(window)) == 1)
        [reply] = shown_replies(window)
        qtbot.waitUntil(lambda: reply.text == PARTIAL)
        qtbot.keyClick(window.composer.edit, Qt.Key.Key_Escape)
        qtbot.waitUntil(lambda: not window.session.busy)
        assert reply.message.status == "stopped"
        assert "Continue" in reply.footer.text()
        qtbot.wait(50)
        assert_one_line(qtbot, reply)  # Continue · Copy · Regenerate · ⋯ · where · Stopped
        save_shot(window, "labels-continue-offered.png")

        click_footer(reply, CONTINUE)
        wait_until_idle(qtbot, window)
        assert shown_replies(window) == [reply]  # the same reply went on
        assert reply.text == PARTIAL + ", there was a fox."
        assert reply.message.status == "complete" and "Continue" not in reply.footer.text()
        save_shot(window, "labels-continue-done.png")
        [_user, stored] = services_messages(qtbot, services, window.conversation_id)
        assert stored.id == reply.message.id and stored.content == reply.text


def services_messages(qtbot, services, conversation_id):
    return wait_for(qtbot, services.conversations.messages(conversation_id))
