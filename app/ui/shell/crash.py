"""When something breaks: log the traceback, say sorry in plain words, keep the window alive."""

from __future__ import annotations

import asyncio
import logging
import sys
import traceback
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QApplication, QMessageBox

from app.paths import logs_dir

log = logging.getLogger("hearth.crash")

APOLOGY = "Sorry — something went wrong inside Hearth."
DETAIL = (
    "Your conversations are saved. You can keep working; if this happens again, "
    "the log folder has the details to send to us."
)


class CrashReporter:
    def __init__(self, data_dir: Path) -> None:
        self._data_dir = data_dir
        self._dialog: QMessageBox | None = None

    def install(self, loop: asyncio.AbstractEventLoop) -> None:
        sys.excepthook = self.excepthook
        loop.set_exception_handler(self.loop_exception)

    def excepthook(self, kind, error, tb) -> None:
        if issubclass(kind, KeyboardInterrupt):
            QApplication.quit()
            return
        log.error("Unexpected error:\n%s", "".join(traceback.format_exception(kind, error, tb)))
        # Shown on the next turn of the event loop, never from inside the code that failed.
        QTimer.singleShot(0, self.apologise)

    def loop_exception(self, loop: asyncio.AbstractEventLoop, context: dict) -> None:
        error = context.get("exception")
        if error is None:
            log.error("Event loop problem: %s", context.get("message"))
            return
        self.excepthook(type(error), error, error.__traceback__)

    def apologise(self) -> None:
        if self._dialog is not None and self._dialog.isVisible():
            return  # one apology at a time, not a pile of them
        dialog = QMessageBox(QApplication.activeWindow())
        dialog.setIcon(QMessageBox.Icon.Warning)
        dialog.setWindowTitle("Hearth")
        dialog.setText(APOLOGY)
        # Say where the log is, so it can be found even where the folder cannot be opened.
        dialog.setInformativeText(
            f"{DETAIL}\n\nLog file: {logs_dir(self._data_dir) / 'hearth.log'}"
        )
        dialog.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        open_logs = dialog.addButton("Open log folder", QMessageBox.ButtonRole.ActionRole)
        dialog.addButton(QMessageBox.StandardButton.Close)
        open_logs.clicked.connect(self.open_log_folder)
        self._dialog = dialog
        dialog.open()  # not exec(): no nested event loop, the window stays responsive

    def open_log_folder(self) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(logs_dir(self._data_dir))))
