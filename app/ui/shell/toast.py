"""A quiet bar at the bottom of the sidebar: “Chat deleted. Undo”, “Exported to …”, or a warning
with one action (“80% of this month's budget is used. See usage”)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

UNDO_SECONDS = 8
INFO_SECONDS = 4
WARNING_SECONDS = 12


class Toast(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("toast")
        self.label = QLabel(self)
        self.label.setWordWrap(True)
        self.undo_button = QPushButton("Undo", self)
        self.undo_button.setObjectName("linkButton")
        self.undo_button.clicked.connect(self._undo)
        self._timer = QTimer(self, singleShot=True)
        self._timer.timeout.connect(self.dismiss)
        self._on_undo: Callable[[], None] | None = None
        row = QHBoxLayout(self)
        row.setContentsMargins(12, 8, 8, 8)
        row.addWidget(self.label, 1)
        row.addWidget(self.undo_button)
        self.hide()

    def offer_undo(
        self, text: str, on_undo: Callable[[], None], seconds: float = UNDO_SECONDS
    ) -> None:
        self._show(text, seconds)
        self._on_undo = on_undo
        self.undo_button.setText("Undo")
        self.undo_button.show()

    def inform(self, text: str, seconds: float = INFO_SECONDS) -> None:
        self._show(text, seconds)
        self._on_undo = None
        self.undo_button.hide()

    def warn(
        self,
        text: str,
        action: str,
        on_action: Callable[[], None],
        seconds: float = WARNING_SECONDS,
    ) -> None:
        """A warning that goes away on its own, with one button (e.g. “See usage”)."""
        self._show(text, seconds, warning=True)
        self._on_undo = on_action
        self.undo_button.setText(action)
        self.undo_button.show()

    def dismiss(self) -> None:
        self._timer.stop()
        self._on_undo = None
        self.hide()

    def _show(self, text: str, seconds: float, *, warning: bool = False) -> None:
        if self.property("warning") != warning:
            self.setProperty("warning", warning)
            self.style().unpolish(self)
            self.style().polish(self)
        self.label.setText(text)
        self._timer.start(int(seconds * 1000))
        self.show()

    def _undo(self) -> None:
        callback = self._on_undo
        self.dismiss()
        if callback is not None:
            callback()
