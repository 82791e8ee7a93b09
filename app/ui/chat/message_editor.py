"""Editing a message in place: its text in a plain editor with Cancel and Save & send.

Esc cancels, Ctrl/Cmd+Enter sends; the old version is kept as a branch by the caller.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPlainTextEdit, QPushButton, QVBoxLayout

MIN_LINES = 2
MAX_LINES = 14


class _Edit(QPlainTextEdit):
    submitted = Signal()
    cancelled = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        enter = event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        if enter and event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.submitted.emit()  # Ctrl on Windows and Linux; Qt maps Cmd to it on macOS
        elif event.key() == Qt.Key.Key_Escape:
            self.cancelled.emit()
        else:
            super().keyPressEvent(event)


class MessageEditor(QFrame):
    submitted = Signal(str)  # the new text, not blank
    cancelled = Signal()

    def __init__(self, text: str, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("messageEditor")
        self.edit = _Edit(self)
        self.edit.setObjectName("messageEditorText")
        self.edit.setPlainText(text)
        self.edit.setTabChangesFocus(True)
        self.edit.setFrameShape(QFrame.Shape.NoFrame)
        self.edit.submitted.connect(self.submit)
        self.edit.cancelled.connect(self.cancelled)
        self.edit.textChanged.connect(self._on_changed)
        keys = QKeySequence("Ctrl+Return").toString(QKeySequence.SequenceFormat.NativeText)
        self.hint = QLabel(f"{keys} to send · Esc to cancel")
        self.hint.setObjectName("composerHint")
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setObjectName("quietButton")
        self.cancel_button.clicked.connect(self.cancelled)
        self.send_button = QPushButton("Save && send", self)
        self.send_button.setObjectName("primaryButton")
        self.send_button.setDefault(True)
        self.send_button.clicked.connect(self.submit)
        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        buttons.addWidget(self.hint)
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.send_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.setSpacing(8)
        layout.addWidget(self.edit)
        layout.addLayout(buttons)
        self._on_changed()

    def start(self) -> None:
        self.edit.setFocus()
        cursor = self.edit.textCursor()
        cursor.movePosition(cursor.MoveOperation.End)
        self.edit.setTextCursor(cursor)

    def text(self) -> str:
        return self.edit.toPlainText()

    def submit(self) -> None:
        text = self.text()
        if text.strip():
            self.submitted.emit(text)

    def _on_changed(self) -> None:
        self.send_button.setEnabled(bool(self.text().strip()))
        lines = max(MIN_LINES, min(MAX_LINES, self.edit.document().blockCount()))
        height = self.edit.fontMetrics().lineSpacing() * lines
        self.edit.setFixedHeight(height + 2 * round(self.edit.document().documentMargin()) + 4)
