"""A “Copy” button that puts a text on the clipboard and says so for a moment."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QPushButton, QWidget

COPIED_MS = 1500


class CopyButton(QPushButton):
    def __init__(self, text: Callable[[], str], parent: QWidget, label: str = "Copy") -> None:
        super().__init__(label, parent)
        self.setObjectName("dialogButton")
        self.setAutoDefault(False)
        self._text, self._label = text, label
        self.clicked.connect(self.copy)
        # A child timer: it dies with the button (a secret's dialog is deleted when closed).
        self._back = QTimer(self)
        self._back.setSingleShot(True)
        self._back.setInterval(COPIED_MS)
        self._back.timeout.connect(lambda: self.setText(self._label))

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self._text())
        self.setText("Copied")
        self._back.start()
