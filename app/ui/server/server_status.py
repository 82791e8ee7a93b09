"""The status bar's note that the local server is on ("Local server on :8745 — 3 requests"), or
that it could not start; a click opens Settings → Local server."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton, QStatusBar

from app.ui.server.server_text import status_line

if TYPE_CHECKING:
    from app.ui.server.server_actions import ServerController

FAILED = "Local server could not start"


class ServerStatus(QPushButton):
    def __init__(self, bar: QStatusBar) -> None:
        super().__init__("", bar)
        self.setObjectName("usageSummary")  # the status bar's quiet link look
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        bar.addWidget(self)  # left; the costs sit on the right
        self.hide()

    def show_state(self, server: ServerController) -> None:
        if server.running:
            self.setText(status_line(server.port, server.count))
            self.setToolTip(f"Other apps use {server.address}. Click for Settings → Local server.")
        elif server.error:
            self.setText(FAILED)
            self.setToolTip(server.error)
        self.setVisible(server.running or bool(server.error))
