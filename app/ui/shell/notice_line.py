"""A quiet one-line note in the chat, e.g. that older turns were left out of the prompt."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget


class NoticeLine(QLabel):
    def __init__(self, text: str, *, error: bool = False, parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.setObjectName("errorLine" if error else "noticeLine")
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.PlainText)  # may quote the engine: never rich text
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
