"""Send without a stall: after Send, the request is on its way before the new message's widgets
are built (they are drawn on the loop's next turn), and the settings written on the way (the
last chat, the recent models) go to disk on a writer thread, not the window's.

A real window on a temporary data folder, OpenAI's wire format on loopback (the figures are
bench/bench_images_ui.py's “Send -> request written”).
"""

from __future__ import annotations

import json
import threading

from app import secrets
from app.services.reply_source import ReplySource
from app.store.settings import Settings
from app.ui.chat.chat_view import ChatView
from tests.ui.support import (
    OPENAI_KEY,
    openai_says,
    send_by_keyboard,
    shown_replies,
    wait_until_idle,
)

MINI = "openai:gpt-4o-mini"


def test_the_request_starts_before_the_widgets_are_built(
    qtbot, open_window, openai_server, monkeypatch
):
    secrets.set_key("openai", OPENAI_KEY)
    window, services = open_window()
    qtbot.waitUntil(lambda: window.find_model(MINI) is not None)
    window.choose_model(MINI)
    openai_says(openai_server, "Hello there.")
    order: list[str] = []
    writers: list[str] = []
    run, add_reply, write = ReplySource.run, ChatView.add_reply, Settings._write

    def running(self, *args, **kwargs):
        order.append("request")
        return run(self, *args, **kwargs)

    def drawing(self, *args, **kwargs):
        order.append("widgets")
        return add_reply(self, *args, **kwargs)

    def writing(self):
        writers.append(threading.current_thread().name)
        return write(self)

    monkeypatch.setattr(ReplySource, "run", running)
    monkeypatch.setattr(ChatView, "add_reply", drawing)
    monkeypatch.setattr(Settings, "_write", writing)

    send_by_keyboard(qtbot, window, "Hi")
    wait_until_idle(qtbot, window)
    assert order == ["request", "widgets"]
    [reply] = shown_replies(window)
    assert reply.text == "Hello there." and window.conversation_id is not None
    assert writers and threading.main_thread().name not in writers
    services.settings.flush()
    saved = json.loads(services.settings.path.read_text(encoding="utf-8"))
    assert saved["last_conversation"] == window.conversation_id
    assert saved["recent_models"][0] == MINI
