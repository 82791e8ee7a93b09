"""“This message contains an e-mail address” (or “1 image will be sent to OpenAI”) before it
goes to an online model; three choices.

Send anyway, send it to a model on this computer instead, or go back and edit it (the text
is put back in the composer). Closing the window counts as Edit: nothing is sent.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.core.chat import ModelInfo
from app.core.privacy import Finding

SEND = "send"
LOCAL = "local"
EDIT = "edit"
MAX_LISTED = 6


def findings_text(findings: list[Finding]) -> list[str]:
    """One line per finding: “an e-mail address: j•••@example.com” (already redacted)."""
    lines = [f"{f.label[:1].upper()}{f.label[1:]}: {f.excerpt_redacted}" for f in findings]
    if len(lines) > MAX_LISTED:
        lines = lines[:MAX_LISTED] + [f"…and {len(lines) - MAX_LISTED} more"]
    return lines


class PrivacyWarning(QDialog):
    chosen = Signal(str)  # SEND, LOCAL or EDIT

    def __init__(
        self,
        findings: list[Finding],
        model: ModelInfo,
        local_model: ModelInfo | None,
        parent: QWidget | None = None,
        *,
        pictures: str = "",
        passages_only: bool = False,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("privacyWarning")
        self.setWindowTitle("Check before sending")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.choice: str | None = None
        where = model.provider_name or model.provider
        if findings and passages_only:  # a reply made again: its text was checked before
            heading_text = "Passages from your files may contain private information"
            intro_text = (
                f"They are about to be sent to {where} ({model.display_name}) with the "
                "question. Hearth found:"
            )
        elif findings:
            heading_text = "This message may contain private information"
            intro_text = f"It is about to be sent to {where} ({model.display_name}). Hearth found:"
        else:
            heading_text = "Check before sending"
            intro_text = f"This message is about to be sent to {where} ({model.display_name})."
        lines = ([pictures] if pictures else []) + findings_text(findings)
        self.heading = heading = QLabel(heading_text, self)
        heading.setObjectName("dialogHeading")
        heading.setWordWrap(True)
        intro = QLabel(intro_text, self)
        intro.setObjectName("dialogText")
        intro.setWordWrap(True)
        self.findings = found = QLabel("\n".join(f"•  {line}" for line in lines), self)
        found.setObjectName("findingsList")
        found.setTextFormat(Qt.TextFormat.PlainText)
        found.setWordWrap(True)
        found.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        found.setMinimumWidth(500)  # the dialog takes the width of its buttons, at least this

        # A reply made again has no message to edit: nothing is sent, that is all.
        edit_text = "Cancel" if passages_only else "Edit message"
        self.edit_button = self._button(edit_text, EDIT, "dialogButton")
        local_text = "Send to a model on this computer"
        self.local_button = self._button(local_text, LOCAL, "dialogButton")
        if local_model is None:
            self.local_button.setEnabled(False)
            self.local_button.setToolTip("There is no model on this computer yet.")
        else:
            self.local_button.setToolTip(f"{local_model.display_name} answers; nothing leaves.")
        send_text = f"Send to {where} anyway" if findings else f"Send to {where}"
        self.send_button = self._button(send_text, SEND, "dialogDanger")
        self.edit_button.setDefault(True)  # the careful choice is the one Enter picks

        buttons = QHBoxLayout()
        buttons.setSpacing(8)
        buttons.addWidget(self.edit_button)
        buttons.addStretch(1)
        buttons.addWidget(self.local_button)
        buttons.addWidget(self.send_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 22, 24, 18)
        layout.setSpacing(10)
        layout.addWidget(heading)
        layout.addWidget(intro)
        layout.addWidget(found)
        hint = QLabel("You can turn this check off in Settings → Privacy.", self)
        hint.setObjectName("dialogHint")
        layout.addWidget(hint)
        hint.setVisible(bool(findings))  # the pictures are always said
        layout.addSpacing(8)
        layout.addLayout(buttons)
        self.finished.connect(self._on_finished)

    def _button(self, text: str, choice: str, name: str) -> QPushButton:
        button = QPushButton(text, self)
        button.setObjectName(name)
        button.setAutoDefault(False)
        button.clicked.connect(lambda: self._choose(choice))
        return button

    def _choose(self, choice: str) -> None:
        self.choice = choice
        self.accept()

    def _on_finished(self, _result: int) -> None:
        self.chosen.emit(self.choice or EDIT)
