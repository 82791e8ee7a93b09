"""“System prompt…” in a chat's menu: this chat's own instructions to the model, or the default.

Save keeps what is written for this chat only; “Use the default” goes back to the instructions
every chat gets (shown greyed in the empty field). Closing the window changes nothing.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from app.ui.shell.buttons import dialog_button

INTRO = (
    "Instructions the model reads before every message in this chat, e.g. its role, tone or "
    "the language to answer in. Other chats are not changed."
)
NO_DEFAULT = "No instructions: the model's own behaviour."


class SystemPromptDialog(QDialog):
    saved = Signal(object)  # the chat's own prompt, or None to use the default
    default_saved = Signal(str)  # the text becomes the instructions of every chat without its own

    def __init__(
        self, title: str, own: str | None, default: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("systemPromptDialog")
        self.setWindowTitle("System prompt")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        heading = QLabel(f"Instructions for “{title}”", self)
        heading.setObjectName("dialogHeading")
        heading.setWordWrap(True)
        intro = QLabel(INTRO, self)
        intro.setObjectName("dialogText")
        intro.setWordWrap(True)
        self.field = QPlainTextEdit(self)
        self.field.setObjectName("promptField")
        self.field.setPlainText(own or "")
        self.field.setPlaceholderText(
            f"The default: {default}" if default.strip() else f"The default. {NO_DEFAULT}"
        )
        self.field.setTabChangesFocus(True)
        self.field.setMinimumSize(520, 180)
        self.field.textChanged.connect(self._update_hint)
        self.hint = QLabel(self)
        self.hint.setObjectName("dialogHint")
        self.hint.setWordWrap(True)
        self.default_button = dialog_button("Use the default", self, auto_default=False)
        self.default_button.setToolTip("This chat follows the instructions every chat gets")
        self.default_button.clicked.connect(lambda: self._finish(None))
        self.default_button.setEnabled(own is not None)
        self.every_chat_button = dialog_button(
            "Use for every chat", self, self.save_as_default, auto_default=False
        )
        self.every_chat_button.setToolTip(
            "Make these the default instructions: every chat without its own gets them"
        )
        cancel = dialog_button("Cancel", self, self.reject, auto_default=False)
        self.save_button = dialog_button("Save", self, self.save, primary=True, auto_default=False)
        buttons = QHBoxLayout()
        buttons.setSpacing(8)
        buttons.addWidget(self.default_button)
        buttons.addWidget(self.every_chat_button)
        buttons.addStretch(1)
        buttons.addWidget(cancel)
        buttons.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 22, 24, 18)
        layout.setSpacing(10)
        layout.addWidget(heading)
        layout.addWidget(intro)
        layout.addWidget(self.field, 1)
        layout.addWidget(self.hint)
        layout.addSpacing(4)
        layout.addLayout(buttons)
        self._update_hint()
        self.field.setFocus(Qt.FocusReason.OtherFocusReason)

    def save(self) -> None:
        text = self.field.toPlainText().strip()
        self._finish(text or None)

    def save_as_default(self) -> None:
        """The text (empty: none) becomes the default, and this chat follows the default."""
        self.default_saved.emit(self.field.toPlainText().strip())
        self.accept()

    def _finish(self, prompt: str | None) -> None:
        self.saved.emit(prompt)
        self.accept()

    def _update_hint(self) -> None:
        own = bool(self.field.toPlainText().strip())
        self.hint.setText(
            "This chat uses its own instructions."
            if own
            else "Empty: this chat uses the default instructions, shown greyed above."
        )
