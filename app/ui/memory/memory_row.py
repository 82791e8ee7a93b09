"""One memory in the memory manager: its text, when and where it came from, Edit and Delete.

Edit turns the text into a field in place: Enter or Save keeps the change, Esc or Cancel drops it.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout

from app.store.memory import Memory
from app.ui.conversations import local_date


def origin_text(memory: Memory) -> str:
    """ "12 Mar 2025 · from a chat message" — when it was saved and how."""
    day = local_date(memory.created)
    when = f"{day.day} {day:%b %Y}" if day else ""
    how = "from a chat message" if memory.source_message_id is not None else "added by you"
    edited = " · edited" if memory.updated and memory.updated != memory.created else ""
    return " · ".join(p for p in (when, how) if p) + edited


class _EditField(QLineEdit):
    cancelled = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        if event.key() == Qt.Key.Key_Escape:
            self.cancelled.emit()
            event.accept()
            return
        super().keyPressEvent(event)


class MemoryRow(QFrame):
    save_requested = Signal(int, str)  # memory id, new text
    delete_requested = Signal(int)

    def __init__(self, memory: Memory, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("memoryRow")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.memory = memory
        self.text = QLabel(memory.text, self)
        self.text.setObjectName("memoryText")
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.PlainText)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.origin = QLabel(origin_text(memory), self)
        self.origin.setObjectName("settingsHint")
        self.field = _EditField(self)
        self.field.setObjectName("settingsField")
        self.field.returnPressed.connect(self._save)
        self.field.cancelled.connect(self.stop_editing)
        self.field.hide()
        self.edit_button = self._button("Edit", self.start_editing)
        self.edit_button.setToolTip("Change the wording")
        self.delete_button = self._button("Delete", lambda: self.delete_requested.emit(memory.id))
        self.delete_button.setToolTip("Forget this fact")
        self.save_button = self._button("Save", self._save)
        self.cancel_button = self._button("Cancel", self.stop_editing)
        column = QVBoxLayout()
        column.setSpacing(2)
        column.addWidget(self.text)
        column.addWidget(self.field)
        column.addWidget(self.origin)
        row = QHBoxLayout(self)
        row.setContentsMargins(12, 8, 6, 8)
        row.setSpacing(4)
        row.addLayout(column, 1)
        for button in (self.edit_button, self.delete_button, self.save_button, self.cancel_button):
            row.addWidget(button, 0, Qt.AlignmentFlag.AlignTop)
        self._show_editing(False)

    @property
    def editing(self) -> bool:
        return not self.field.isHidden()

    def matches(self, needle: str) -> bool:
        return not needle or needle.casefold() in self.memory.text.casefold()

    def start_editing(self) -> None:
        self.field.setText(self.memory.text)
        self._show_editing(True)
        self.field.setFocus(Qt.FocusReason.OtherFocusReason)
        self.field.selectAll()

    def stop_editing(self) -> None:
        self._show_editing(False)

    def show_memory(self, memory: Memory) -> None:
        self.memory = memory
        self.text.setText(memory.text)
        self.origin.setText(origin_text(memory))
        self.stop_editing()

    def _save(self) -> None:
        text = self.field.text().strip()
        if text == self.memory.text:
            self.stop_editing()
        else:
            self.save_requested.emit(self.memory.id, text)

    def _show_editing(self, editing: bool) -> None:
        self.text.setVisible(not editing)
        self.field.setVisible(editing)
        self.edit_button.setVisible(not editing)
        self.delete_button.setVisible(not editing)
        self.save_button.setVisible(editing)
        self.cancel_button.setVisible(editing)

    def _button(self, text: str, slot) -> QPushButton:
        button = QPushButton(text, self)
        button.setObjectName("linkButton")
        button.setCursor(Qt.CursorShape.PointingHandCursor)
        button.setAutoDefault(False)
        button.clicked.connect(slot)
        return button
