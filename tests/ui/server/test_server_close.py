"""Closing the window while the local server is on: it says “The local server will stop” (Cancel
keeps the window, Quit closes it, “Don't ask again” is remembered); with “Keep the server
running when I close the window” and a system tray, the window hides to the tray and the server
goes on answering until Quit."""

from __future__ import annotations

import httpx

from app.ui.server.server_close import KEEP_RUNNING, SKIP_STOP_QUESTION, CloseGuard
from tests.ui.support import wait_for


def models(url: str):
    async def call():
        async with httpx.AsyncClient(timeout=30) as client:
            return (await client.get(url + "/v1/models")).status_code

    return call()


def test_closing_with_the_server_on_asks_first(qtbot, served):
    window, services = served(server_enabled=True)
    qtbot.waitUntil(lambda: window.server.running)
    guard = window.server.guard
    closed = []
    window.closed.connect(lambda: closed.append(True))

    window.close()
    box = guard.question
    assert window.isVisible() and box is not None and box.isVisible()
    assert box.text() == "The local server will stop"
    assert services.server.local_address in box.informativeText()
    box.button(box.StandardButton.Cancel).click()
    qtbot.waitUntil(lambda: not box.isVisible())
    assert window.isVisible() and window.server.running and not closed

    window.close()
    box = guard.question
    box.checkBox().setChecked(True)
    guard.quit_button.click()
    qtbot.waitUntil(lambda: not window.isVisible())
    assert closed and services.settings.get(SKIP_STOP_QUESTION) is True


def test_without_the_server_closing_just_closes(qtbot, served):
    window, _services = served()
    window.close()
    assert not window.isVisible() and window.server.guard.question is None


def test_keep_running_hides_to_the_tray_until_quit(qtbot, qapp, served, monkeypatch):
    monkeypatch.setattr(CloseGuard, "tray_available", staticmethod(lambda: True))
    window, services = served(server_enabled=True, **{KEEP_RUNNING: True})
    qtbot.waitUntil(lambda: window.server.running)
    closed, last = [], []
    window.closed.connect(lambda: closed.append(True))
    qapp.lastWindowClosed.connect(lambda: last.append(True))  # would end run_app's loop
    page = window.open_settings("server").server
    assert page.keep_running.isEnabled() and page.keep_running.isChecked()
    window.settings.dialog.close()

    window.close()
    guard = window.server.guard
    qtbot.wait(50)
    assert not window.isVisible() and not closed and not last and guard.question is None
    assert guard.tray is not None and "local server on" in guard.tray.toolTip()
    assert wait_for(qtbot, models(services.server.local_address)) == 200  # still serving

    open_item, _line, quit_item = guard.tray_menu.actions()
    open_item.trigger()
    assert window.isVisible()
    window.close()  # hidden again
    assert not window.isVisible() and not closed

    quit_item.trigger()  # the question, the window still hidden
    guard.quit_button.click()
    qtbot.waitUntil(lambda: bool(closed))
    assert not guard.tray.isVisible()
