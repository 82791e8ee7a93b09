"""Where the user writes: Enter sends, Shift+Enter starts a new line; Send turns into Stop."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from PySide6.QtCore import QMimeData, Qt, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

MAX_VISIBLE_LINES = 10
PLACEHOLDER = "Write a message…"
COMPARE_KEYS = QKeySequence("Ctrl+Shift+Return")  # Cmd+Shift+Return on macOS


class MimeHook(Protocol):
    """Who takes pasted or dropped pictures (app.ui.images' controller): the only hook."""

    def can_take(self, mime: QMimeData) -> bool: ...

    def take(self, mime: QMimeData) -> bool: ...


class ComposerEdit(QPlainTextEdit):
    submitted = Signal()
    compare_submitted = Signal()  # Ctrl/Cmd+Shift+Enter

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("composerEdit")
        self.setPlaceholderText(PLACEHOLDER)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setTabChangesFocus(True)
        self.mime_hook: MimeHook | None = None  # pictures pasted or dropped go there
        font = self.font()
        font.setPointSizeF(font.pointSizeF() + 1.5)  # the same size as the messages
        self.setFont(font)
        self.document().setDocumentMargin(2)
        self.document().documentLayout().documentSizeChanged.connect(self._fit_height)
        self._fit_height()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        is_enter = event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        modifiers = event.modifiers()
        if is_enter and modifiers & Qt.KeyboardModifier.ControlModifier:
            if modifiers & Qt.KeyboardModifier.ShiftModifier:
                self.compare_submitted.emit()
            event.accept()
            return
        if is_enter and not modifiers & Qt.KeyboardModifier.ShiftModifier:
            self.submitted.emit()
            event.accept()
            return
        super().keyPressEvent(event)

    def canInsertFromMimeData(self, source) -> bool:  # noqa: N802
        if self.mime_hook is not None and self.mime_hook.can_take(source):
            return True
        return super().canInsertFromMimeData(source)

    def insertFromMimeData(self, source) -> None:  # noqa: N802
        # Pictures (pasted or dropped) go to the hook; of the rest, plain text only: pasted
        # formatting and other files never end up in a message's words.
        if self.mime_hook is not None and self.mime_hook.take(source):
            return
        if source.hasText():
            self.insertPlainText(source.text())

    def _fit_height(self, *_args) -> None:
        # QPlainTextEdit's document height is counted in visual lines.
        lines = max(1, min(MAX_VISIBLE_LINES, int(self.document().size().height())))
        line_height = self.fontMetrics().lineSpacing()
        margin = 2 * int(self.document().documentMargin()) + self.frameWidth() * 2 + 4
        self.setFixedHeight(lines * line_height + margin)


class Composer(QFrame):
    send_requested = Signal(str)
    stop_requested = Signal()
    compare_requested = Signal(str)  # the text stays until the compare really starts

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("composer")
        self._busy = False
        self.image_sizes: Callable[[], list[tuple[int, int]]] = list  # for the estimate
        # How many pictures are attached (ready or still being made safe): they may go alone.
        self.attachment_count: Callable[[], int] = int
        self.edit = ComposerEdit(self)
        self.edit.submitted.connect(self._on_submit)
        self.edit.compare_submitted.connect(self._on_compare)
        self.edit.textChanged.connect(self._update_button)
        self.edit.textChanged.connect(self._show_estimate)
        self.compare_button = QPushButton("Compare…", self)
        self.compare_button.setObjectName("compareButton")
        self.compare_button.setCursor(Qt.CursorShape.PointingHandCursor)
        keys = COMPARE_KEYS.toString(QKeySequence.SequenceFormat.NativeText)
        self.compare_button.setToolTip(
            f"Send to two or three models and see their answers side by side ({keys})"
        )
        self.compare_button.clicked.connect(self._on_compare)
        # ≈ what sending to an online model would cost; hidden for models on this computer.
        self.estimate = QLabel(self)
        self.estimate.setObjectName("costEstimate")
        self.estimate.hide()
        self.button = QPushButton("Send", self)
        self.button.setObjectName("sendButton")
        self.button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.button.clicked.connect(self._on_button)
        self._row = row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(10)
        row.addWidget(self.edit, 1)
        row.addWidget(self.estimate, 0, Qt.AlignmentFlag.AlignBottom)
        row.addWidget(self.compare_button, 0, Qt.AlignmentFlag.AlignBottom)
        row.addWidget(self.button, 0, Qt.AlignmentFlag.AlignBottom)
        self._outer = outer = QVBoxLayout(self)
        outer.setContentsMargins(16, 10, 10, 10)
        outer.addLayout(row)
        self._update_button()

    def add_attachments(self, strip: QWidget, button: QWidget) -> None:
        """Attached pictures: their thumbnails above the words, the paperclip at the left."""
        self._outer.insertWidget(0, strip)
        self._row.insertWidget(0, button, 0, Qt.AlignmentFlag.AlignBottom)

    @property
    def busy(self) -> bool:
        return self._busy

    def set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.button.setText("Stop" if busy else "Send")
        self.button.setProperty("stop", busy)
        self.button.setToolTip("Stop the reply (Esc)" if busy else "Send (Enter)")
        self.button.style().unpolish(self.button)
        self.button.style().polish(self.button)
        self._update_button()

    def text(self) -> str:
        return self.edit.toPlainText()

    def set_estimate(self, text: str, tip: str = "", *, over_budget: bool = False) -> None:
        """ "≈ $0.0004" (or "price unknown") next to Send, while there is something to send;
        "" hides it."""
        self.estimate.setText(text)
        self.estimate.setToolTip(tip)
        if self.estimate.property("over") != over_budget:
            self.estimate.setProperty("over", over_budget)
            self.estimate.style().unpolish(self.estimate)
            self.estimate.style().polish(self.estimate)
        self._show_estimate()

    def _show_estimate(self) -> None:
        # Nothing written, nothing to pay: an estimate over an empty box only puzzles people.
        self.estimate.setVisible(bool(self.estimate.text()) and self._has_something())

    def set_text(self, text: str) -> None:
        self.edit.setPlainText(text)
        self.edit.moveCursor(self.edit.textCursor().MoveOperation.End)

    def focus(self) -> None:
        self.edit.setFocus(Qt.FocusReason.OtherFocusReason)

    def _on_submit(self) -> None:
        if not self._busy:
            self._send()

    def _on_compare(self) -> None:
        text = self.text().strip()
        if text and not self._busy:
            self.compare_requested.emit(text)

    def _on_button(self) -> None:
        if self._busy:
            self.stop_requested.emit()
        else:
            self._send()

    def _has_something(self) -> bool:
        return bool(self.text().strip()) or self.attachment_count() > 0

    def _send(self) -> None:
        text = self.text().strip()
        if not text and not self.attachment_count():
            return
        self.edit.clear()
        self.send_requested.emit(text)

    def clear(self) -> None:
        self.edit.clear()

    def set_waiting(self, waiting: bool) -> None:
        """While answers are compared, the conversation waits for one to be kept."""
        self.edit.setEnabled(not waiting)
        self.edit.setPlaceholderText(
            "Keep one of the answers to go on with this conversation" if waiting else PLACEHOLDER
        )

    def _update_button(self) -> None:
        has_text = bool(self.text().strip())
        self.button.setEnabled(self._busy or self._has_something())
        # Comparing answers is for words; pictures stay with the one chat.
        self.compare_button.setEnabled(not self._busy and has_text)
