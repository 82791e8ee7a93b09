"""Under a reply the disk had no room for: say so, and offer Retry saving. The reply stays on
screen (it is kept in memory) until it is saved or the window closes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from app.core.errors import StorageError
from app.core.records import Message

SAVED = "Saved."


class UnsavedReplyNotice(QFrame):
    saved = Signal(object)  # the Message as stored

    def __init__(
        self,
        message: Message,
        error: StorageError,
        save: Callable[[Message], Awaitable[Message]],
        spawn: Callable,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("unsavedReplyNotice")
        self._message = message
        self._save = save
        self._spawn = spawn
        self.label = QLabel(error.message, self)
        self.label.setObjectName("errorLine")
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setToolTip(error.action)
        self.retry_button = QPushButton("Retry saving", self)
        self.retry_button.clicked.connect(self.retry)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 4, 0, 4)
        row.addStretch(1)
        row.addWidget(self.label)
        row.addWidget(self.retry_button)
        row.addStretch(1)

    def retry(self) -> None:
        self.retry_button.setEnabled(False)
        self._spawn(self._retry())

    async def _retry(self) -> None:
        try:
            stored = await self._save(self._message)
        except StorageError as err:
            self.label.setText(f"Still not saved. {err.message}")
            self.retry_button.setEnabled(True)
            return
        self.label.setObjectName("noticeLine")
        self.label.setText(SAVED)
        self.style().polish(self.label)
        self.retry_button.hide()
        self.saved.emit(stored)
