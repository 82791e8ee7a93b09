"""Helpers for the window tests: run a coroutine while Qt processes events, open and close real
windows, script the loopback OpenAI server, drive the window the way a person does.

The fixtures that use them (qloop, open_window, ...) are in tests/ui/conftest.py.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from PySide6.QtWidgets import QWidget

from app.services import open_services
from app.ui import create_main_window

TIMEOUT_MS = 20_000
REPLY_TIMEOUT_MS = 30_000
OPENAI_KEY = "sk-test-0123456789abcdefghijklmnop"


def wait_for(qtbot, awaitable, timeout: int = TIMEOUT_MS):
    """Run a coroutine on the qasync loop while Qt keeps processing events; return its result."""
    task = asyncio.ensure_future(awaitable)
    qtbot.waitUntil(task.done, timeout=timeout)
    return task.result()


class Opened:
    def __init__(self, qtbot, data_dir) -> None:
        self._qtbot = qtbot
        self._data_dir = data_dir
        self._open: list = []

    def __call__(self):
        services = open_services(self._data_dir)
        window = create_main_window(services)
        window.show()
        self._open.append((window, services))
        wait_for(self._qtbot, window.ready)
        if window.models_loaded is not None:  # online services are listed just after start
            wait_for(self._qtbot, window.models_loaded)
        return window, services

    def close(self, window, services) -> None:
        # The window closes its settings, costs and download windows but not every dialog it owns
        # (Memory, a privacy warning): one left showing would be counted by a later test.
        for owned in window.findChildren(QWidget):
            if owned.isWindow() and owned.isVisible():
                owned.close()
        window.close()
        window.tasks.cancel_all()
        self._qtbot.waitUntil(lambda: window.tasks.running == 0)
        wait_for(self._qtbot, services.close())
        self._open.remove((window, services))

    def close_all(self) -> None:
        for window, services in list(self._open):
            self.close(window, services)


def openai_says(server, *texts: str, prompt_tokens: int = 12, **reply_options) -> None:
    """Script the next chat completion: these pieces of text, then usage and [DONE]."""
    from tests.wire_servers import encode_sse, openai_events, openai_usage, sse_reply

    events = openai_events(list(texts), usage=openai_usage(prompt_tokens, len(texts)))
    server.script("POST", "/v1/chat/completions", sse_reply([encode_sse(events)], **reply_options))


def openai_lists(server, *names: str) -> None:
    from tests.wire_servers import json_reply

    data = [{"id": n, "object": "model", "created": 1, "owned_by": "system"} for n in names]
    server.script("GET", "/v1/models", json_reply(200, {"object": "list", "data": data}))


def activate(qtbot, window) -> None:
    """Shortcuts only fire in the active window."""
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)


def pick_model(qtbot, window, query: str) -> None:
    """Ctrl+K, type, Enter: the way a person switches models from the keyboard."""
    from PySide6.QtCore import Qt

    activate(qtbot, window)
    qtbot.keyClick(window.composer.edit, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(window.picker.isVisible)
    qtbot.keyClicks(window.picker.search, query)
    qtbot.keyClick(window.picker.search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not window.picker.isVisible())


# -- driving the window ----------------------------------------------------------------------


def add_tiny_model(qtbot, window, gguf):
    outcome = wait_for(qtbot, window.add_models([str(gguf)]))
    assert outcome.added and not outcome.failures
    return outcome.added[0]


def send_by_keyboard(qtbot, window, text: str) -> None:
    from PySide6.QtCore import Qt

    qtbot.keyClicks(window.composer.edit, text)
    qtbot.keyClick(window.composer.edit, Qt.Key.Key_Return)


def wait_until_idle(qtbot, window) -> None:
    qtbot.waitUntil(lambda: window.session.busy, timeout=5_000)
    qtbot.waitUntil(lambda: not window.session.busy, timeout=REPLY_TIMEOUT_MS)


def shown_replies(window):
    from app.ui.chat.assistant_message import AssistantMessage

    return [w for w in window.chat_view.messages_shown() if isinstance(w, AssistantMessage)]


def choose_in_more(widget, label: str) -> None:
    """Open a reply's ⋯ menu and choose the entry with this label ("Remember this", ...)."""
    from app.ui.chat.message_footer import MORE

    click_footer(widget, MORE)
    menu = widget.more_menu
    [entry] = [a for a in menu.actions() if a.text() == label]
    menu.close()
    entry.trigger()


def click_footer(widget, action: str) -> None:
    """Click a link in a reply's footer ("retry", "open-settings", ...), as the label would."""
    from app.ui.chat.markdown_render import ACTION_SCHEME

    assert f"{ACTION_SCHEME}:{action}" in widget.footer.text(), widget.footer.text()
    widget.footer.linkActivated.emit(f"{ACTION_SCHEME}:{action}")


def click(qtbot, widget) -> None:
    from PySide6.QtCore import Qt

    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def openai_panel(qtbot, window):
    """Settings → Providers → OpenAI, opened the way a new user does: from the first screen."""
    assert window.showing_welcome
    click(qtbot, window.welcome.cloud_card)
    dialog = window.settings.dialog
    qtbot.waitUntil(dialog.isVisible)
    panel = dialog.providers.current
    assert panel.provider_id == "openai"
    return dialog, panel


def save_shot(widget, name: str) -> None:
    """With HEARTH_SHOTS set to a folder, keep a picture of the window there (to look at)."""
    folder = os.environ.get("HEARTH_SHOTS")
    if folder:
        widget.grab().save(str(Path(folder) / name))
