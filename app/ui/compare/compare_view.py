"""Compare: the prompt on top, one column per model below, each answer streaming on its own."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.core.chat import ModelInfo
from app.ui.chat import CostNoteFor
from app.ui.compare.compare_column import CompareColumn
from app.ui.shell.theme import Theme

FRAME_MS = 33
HINT = "Keep the answer you like: the conversation goes on from it."


class CompareView(QWidget):
    keep_requested = Signal(int)  # message id
    back_requested = Signal()

    def __init__(self, theme: Theme, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("compareView")
        self._theme = theme
        self.columns: list[CompareColumn] = []
        self.cost_note: CostNoteFor | None = None  # each answer's tokens and cost, when done
        title = QLabel("Comparing answers", self)
        title.setObjectName("compareTitle")
        self.hint = QLabel(HINT, self)
        self.hint.setObjectName("compareHint")
        self.hint.setWordWrap(True)
        self.back_button = QPushButton("Back to chat", self)
        self.back_button.setObjectName("linkButton")
        self.back_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.back_button.clicked.connect(self.back_requested)
        self.prompt = QLabel(self)
        self.prompt.setObjectName("comparePrompt")
        self.prompt.setWordWrap(True)
        self.prompt.setTextFormat(Qt.TextFormat.PlainText)
        self.prompt.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._row = QHBoxLayout()
        self._row.setSpacing(12)
        top = QHBoxLayout()
        top.setSpacing(10)
        top.addWidget(title)
        top.addWidget(self.hint, 1)
        top.addWidget(self.back_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 14, 20, 8)
        layout.setSpacing(10)
        layout.addLayout(top)
        layout.addWidget(self.prompt)
        layout.addLayout(self._row, 1)
        self._frame_timer = QTimer(self)
        self._frame_timer.setInterval(FRAME_MS)
        self._frame_timer.timeout.connect(self._render_dirty)

    def start(self, text: str, models: list[ModelInfo]) -> None:
        self.clear()
        self.prompt.setText(text if len(text) < 600 else text[:600] + "…")
        for model in models:
            column = CompareColumn(model, self._theme, self, cost_note=self.cost_note)
            column.keep_requested.connect(self.keep_requested)
            self._row.addWidget(column, 1)
            self.columns.append(column)

    def clear(self) -> None:
        self._frame_timer.stop()
        for column in self.columns:
            self._row.removeWidget(column)
            column.deleteLater()
        self.columns = []

    def column(self, index: int) -> CompareColumn:
        return self.columns[index]

    def add_text(self, index: int, text: str) -> None:
        self.columns[index].add_text(text)
        if not self._frame_timer.isActive():
            self._frame_timer.start()

    def set_theme(self, theme: Theme) -> None:
        self._theme = theme
        for column in self.columns:
            column.set_theme(theme)

    def _render_dirty(self) -> None:
        dirty = [c for c in self.columns if c.is_dirty]
        for column in dirty:
            column.render()
        if not dirty:
            self._frame_timer.stop()
