"""A few lines of code another app's author copies: shown as they are, with a Copy button."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPlainTextEdit, QVBoxLayout, QWidget

from app.ui.server.copy_button import CopyButton


class SnippetBox(QWidget):
    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        heading = QLabel(title, self)
        heading.setObjectName("fieldLabel")
        self.copy_button = CopyButton(self.text, self)
        self.view = QPlainTextEdit(self)
        self.view.setObjectName("findingsList")  # the monospaced box
        self.view.setReadOnly(True)
        self.view.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.view.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)  # all shown
        self.view.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        top = QHBoxLayout()
        top.addWidget(heading, 1)
        top.addWidget(self.copy_button)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 6, 0, 6)
        column.setSpacing(4)
        column.addLayout(top)
        column.addWidget(self.view)

    def text(self) -> str:
        return self.view.toPlainText()

    def set_text(self, text: str) -> None:
        if text != self.text():
            self.view.setPlainText(text)
        lines = text.count("\n") + 1
        # The box's padding and border (hearth.qss) and the document's own margin, around the lines.
        height = self.view.fontMetrics().lineSpacing() * lines + 30
        self.view.setFixedHeight(height)
