"""The pieces around the chat: start-up, crash handling, the composer, the theme, the badge."""

from __future__ import annotations

import asyncio
import logging
import subprocess
import sys
import textwrap

from PySide6.QtCore import QMimeData, Qt
from PySide6.QtGui import QPalette

from app.core.chat import ModelInfo
from app.paths import logs_dir
from app.ui.chat.composer import Composer
from app.ui.models.where_badge import WhereBadge
from app.ui.shell import crash
from app.ui.shell.tasks import TaskKeeper
from app.ui.shell.theme import theme_manager


def test_run_app_opens_the_window_and_closes_the_services(tmp_path):
    script = textwrap.dedent(
        f"""
        import os
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        from pathlib import Path
        from PySide6.QtCore import QTimer
        from PySide6.QtWidgets import QApplication
        from app.services import open_services
        from app.ui import run_app
        from app.ui.shell.app import create_application

        create_application()  # the timer below needs the application's event dispatcher
        data = Path({str(tmp_path)!r})
        services = open_services(data)

        def close_window():
            [window] = [w for w in QApplication.topLevelWidgets() if w.isWindow() and w.isVisible()]
            print("shown:", type(window).__name__, window.windowTitle())
            window.close()

        QTimer.singleShot(300, close_window)
        code = run_app(services, data_dir=data)
        print("exit code", code)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=30, cwd="."
    )
    assert done.returncode == 0, done.stderr
    assert "shown: MainWindow Hearth" in done.stdout
    assert "exit code 0" in done.stdout
    assert (tmp_path / "ui.ini").exists()  # the window remembered its size on the way out


def test_an_unexpected_error_is_logged_and_met_with_an_apology(
    qtbot, tmp_path, caplog, monkeypatch
):
    opened = []
    monkeypatch.setattr(crash.QDesktopServices, "openUrl", lambda url: opened.append(url))
    reporter = crash.CrashReporter(tmp_path)
    try:
        raise ValueError("boom")
    except ValueError as error:
        with caplog.at_level(logging.ERROR):
            reporter.excepthook(type(error), error, error.__traceback__)
    assert "ValueError: boom" in caplog.text
    qtbot.waitUntil(lambda: reporter._dialog is not None and reporter._dialog.isVisible())
    dialog = reporter._dialog
    assert dialog.text() == crash.APOLOGY
    [open_logs] = [b for b in dialog.buttons() if b.text() == "Open log folder"]
    open_logs.click()
    assert opened[0].toLocalFile() == str(logs_dir(tmp_path))
    dialog.close()


def test_a_failing_background_task_reaches_the_excepthook(qtbot, qloop, monkeypatch):
    seen = []
    monkeypatch.setattr(sys, "excepthook", lambda kind, error, tb: seen.append(error))

    async def fails():
        await asyncio.sleep(0)
        raise RuntimeError("task broke")

    keeper = TaskKeeper()
    keeper.spawn(fails())
    qtbot.waitUntil(lambda: bool(seen))
    assert str(seen[0]) == "task broke"
    assert keeper.running == 0


def test_enter_sends_and_shift_enter_starts_a_new_line(qtbot):
    composer = Composer()
    qtbot.addWidget(composer)
    qtbot.keyClicks(composer.edit, "first line")
    qtbot.keyClick(composer.edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClicks(composer.edit, "second line")
    assert composer.text() == "first line\nsecond line"
    with qtbot.waitSignal(composer.send_requested) as sent:
        qtbot.keyClick(composer.edit, Qt.Key.Key_Return)
    assert sent.args == ["first line\nsecond line"]
    assert composer.text() == ""


def test_send_turns_into_stop_while_a_reply_is_written(qtbot):
    composer = Composer()
    qtbot.addWidget(composer)
    assert not composer.button.isEnabled()  # nothing to send yet
    composer.set_busy(True)
    assert composer.button.text() == "Stop" and composer.button.isEnabled()
    with qtbot.waitSignal(composer.stop_requested):
        qtbot.mouseClick(composer.button, Qt.MouseButton.LeftButton)
    with qtbot.assertNotEmitted(composer.send_requested):
        qtbot.keyClicks(composer.edit, "typed meanwhile")
        qtbot.keyClick(composer.edit, Qt.Key.Key_Return)
    assert composer.text() == "typed meanwhile"  # kept for when the reply is done
    composer.set_busy(False)
    assert composer.button.text() == "Send"


def test_pasting_keeps_plain_text_only(qtbot):
    composer = Composer()
    qtbot.addWidget(composer)
    mime = QMimeData()
    mime.setHtml("<b>bold</b> <img src='http://example.com/x.png'>")
    mime.setText("bold " + "long line " * 2000)
    composer.edit.insertFromMimeData(mime)
    assert composer.text().startswith("bold long line")
    assert len(composer.text()) > 20_000
    assert "<b>" not in composer.text()


def test_the_theme_follows_dark_mode(qtbot):
    themes = theme_manager()
    with qtbot.waitSignal(themes.changed):
        themes.set_dark(True)
    try:
        window_colour = qtbot_palette_window()
        assert window_colour.lightness() < 80
    finally:
        themes.set_dark(False)
    assert qtbot_palette_window().lightness() > 200


def qtbot_palette_window():
    from PySide6.QtWidgets import QApplication

    return QApplication.palette().color(QPalette.ColorRole.Window)


def test_the_where_badge_is_driven_by_the_model(qtbot):
    badge = WhereBadge()
    qtbot.addWidget(badge)
    badge.show_for(ModelInfo(id="tiny", provider="local", display_name="Tiny"))
    assert badge.text() == "on this computer" and badge.property("local") is True
    badge.show_for(ModelInfo(id="openai:gpt", provider="openai", display_name="GPT"))
    assert badge.text() == "sent to openai" and badge.property("local") is False
    assert "openai" in badge.toolTip()
