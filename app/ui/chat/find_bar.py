"""Find in this chat (Ctrl/Cmd+F): a slim bar over the messages — field, “3 of 12”, ↑ ↓ and ×.

It only takes the typing and the keys; ChatFinder (find_in_chat.py) does the finding.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QLineEdit, QToolButton, QWidget

TYPING_PAUSE_MS = 150
FIELD_WIDTH = 280


class FindBar(QFrame):
    query_changed = Signal(str)  # after a pause in the typing, or at once on Enter
    next_requested = Signal()
    previous_requested = Signal()
    close_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("findBar")
        self._pause = QTimer(self, singleShot=True, interval=TYPING_PAUSE_MS)
        self._pause.timeout.connect(self._emit_query)
        self.field = QLineEdit(self)
        self.field.setObjectName("findField")
        self.field.setPlaceholderText("Find in this chat")
        self.field.setClearButtonEnabled(True)
        self.field.setFixedWidth(FIELD_WIDTH)
        self.field.textChanged.connect(lambda _text: self._pause.start())
        self.field.installEventFilter(self)
        self.count = QLabel(self)
        self.count.setObjectName("findCount")
        self.count.setMinimumWidth(90)
        self.previous_button = self._button("↑", "Previous match (Shift+Enter)")
        self.previous_button.clicked.connect(self.previous_requested)
        self.next_button = self._button("↓", "Next match (Enter)")
        self.next_button.clicked.connect(self.next_requested)
        self.close_button = self._button("×", "Close (Esc)")
        self.close_button.setObjectName("findClose")
        self.close_button.clicked.connect(self.close_requested)
        row = QHBoxLayout(self)
        row.setContentsMargins(12, 6, 10, 6)
        row.setSpacing(4)
        row.addStretch(1)
        row.addWidget(self.field)
        row.addSpacing(6)
        row.addWidget(self.count)
        row.addWidget(self.previous_button)
        row.addWidget(self.next_button)
        row.addSpacing(4)
        row.addWidget(self.close_button)
        self.set_count(0, 0)
        self.hide()

    def _button(self, text: str, tip: str) -> QToolButton:
        button = QToolButton(self)
        button.setObjectName("findButton")
        button.setText(text)
        button.setToolTip(tip)
        button.setCursor(Qt.CursorShape.PointingHandCursor)
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the field keeps the keyboard
        return button

    @property
    def query(self) -> str:
        return self.field.text().strip()

    def open(self, text: str | None = None, *, focus: bool = True) -> None:
        """Show the bar; with `text`, search for it at once."""
        self.show()
        if text is not None:
            self.field.blockSignals(True)
            self.field.setText(text)
            self.field.blockSignals(False)
            self._pause.stop()
        if focus:
            self.field.setFocus(Qt.FocusReason.ShortcutFocusReason)
            self.field.selectAll()

    def set_count(self, position: int, total: int, *, note: str = "") -> None:
        """“3 of 12”, “No matches”, or a note such as “Nothing to find in a new chat”."""
        if note:
            text = note
        elif not self.query:
            text = ""
        elif total == 0:
            text = "No matches"
        else:
            text = f"{position} of {total}"
        self.count.setText(text)
        self.count.setProperty("none", bool(self.query) and total == 0 and not note)
        self.count.style().unpolish(self.count)
        self.count.style().polish(self.count)
        self.previous_button.setEnabled(total > 1)
        self.next_button.setEnabled(total > 1)

    def _emit_query(self) -> None:
        self.query_changed.emit(self.query)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if watched is not self.field:
            return super().eventFilter(watched, event)
        kind = event.type()
        if kind == QEvent.Type.ShortcutOverride and event.key() == Qt.Key.Key_Escape:
            event.accept()  # Esc closes the bar, even while a reply could be stopped with it
            return True
        if kind == QEvent.Type.KeyPress:
            return self._on_key(event)
        return super().eventFilter(watched, event)

    def _on_key(self, event) -> bool:
        key = event.key()
        backwards = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if self._pause.isActive():  # typed faster than the pause: find first
                self._pause.stop()
                self._emit_query()
            else:
                (self.previous_requested if backwards else self.next_requested).emit()
            return True
        if key == Qt.Key.Key_Escape:
            self.close_requested.emit()
            return True
        return False
