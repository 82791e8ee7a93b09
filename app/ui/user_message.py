"""What the user wrote: plain text in a soft bubble on the right."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QVBoxLayout, QWidget

from app.core.records import Message
from app.ui.message_view import MessageView

# The bubble never takes more than this share of the chat's width, like other chat apps.
MAX_SHARE = 0.8
_PADDING_X = 16
_PADDING_Y = 10


class UserMessage(QWidget):
    def __init__(self, message: Message, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.message = message
        self.bubble = QFrame(self)
        self.bubble.setObjectName("userBubble")
        self.view = MessageView(self.bubble)
        self.view.setPlainText(message.content)  # the user's words are shown as typed, never parsed
        inner = QVBoxLayout(self.bubble)
        inner.setContentsMargins(_PADDING_X, _PADDING_Y, _PADDING_X, _PADDING_Y)
        inner.addWidget(self.view)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 6, 0, 14)
        row.addStretch(1)
        row.addWidget(self.bubble, 0, Qt.AlignmentFlag.AlignRight)
        self._ideal_width = self._measure_ideal_width()

    @property
    def text(self) -> str:
        return self.message.content

    def _measure_ideal_width(self) -> int:
        metrics = self.view.fontMetrics()
        # The first lines are enough: a long paste wraps at the maximum width anyway.
        lines = self.message.content.splitlines()[:200] or [""]
        widest = max(metrics.horizontalAdvance(line[:400]) for line in lines)
        return widest + 8

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        limit = int(self.width() * MAX_SHARE)
        self.bubble.setFixedWidth(max(60, min(self._ideal_width + 2 * _PADDING_X, limit)))
