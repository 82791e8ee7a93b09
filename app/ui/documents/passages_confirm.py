"""Before passages of the user's files go to a cloud model: “3 passages from your files will be
sent to OpenAI.”, which files and pages they are, and Send / Cancel. Closing it is Cancel:
nothing is sent unless the user agrees."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.core.chat import ModelInfo
from app.services.doc_chat import DocumentPlan

MAX_LISTED = 8


class PassagesConfirm(QDialog):
    decided = Signal(bool)  # True: send them

    def __init__(self, plan: DocumentPlan, model: ModelInfo, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("passagesConfirm")
        self.setWindowTitle("Check before sending")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.agreed = False
        where = model.provider_name or model.provider
        heading = QLabel(plan.notice(model) or "", self)
        heading.setObjectName("dialogHeading")
        heading.setWordWrap(True)
        intro = QLabel(
            f"They go with your message so that {model.display_name} can answer from them. "
            "They come from:",
            self,
        )
        intro.setObjectName("dialogText")
        intro.setWordWrap(True)
        places = list(dict.fromkeys(p.where for p in plan.passages or ()))
        lines = [f"•  {w}" for w in places[:MAX_LISTED]]
        if len(places) > MAX_LISTED:
            lines.append(f"…and {len(places) - MAX_LISTED} more")
        self.places = QLabel("\n".join(lines), self)
        self.places.setTextFormat(Qt.TextFormat.PlainText)
        self.places.setMinimumWidth(460)
        hint = QLabel("To keep your files on this computer, choose a model on this computer.")
        hint.setObjectName("dialogHint")
        hint.setWordWrap(True)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setObjectName("dialogButton")
        self.cancel_button.clicked.connect(self.reject)
        self.cancel_button.setDefault(True)  # the careful choice is the one Enter picks
        self.send_button = QPushButton(f"Send to {where}", self)
        self.send_button.setObjectName("dialogDanger")
        self.send_button.setAutoDefault(False)
        self.send_button.clicked.connect(self._agree)
        buttons = QHBoxLayout()
        buttons.addWidget(self.cancel_button)
        buttons.addStretch(1)
        buttons.addWidget(self.send_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 22, 24, 18)
        layout.setSpacing(10)
        for w in (heading, intro, self.places, hint):
            layout.addWidget(w)
        layout.addSpacing(8)
        layout.addLayout(buttons)
        self.finished.connect(lambda _r: self.decided.emit(self.agreed))

    def _agree(self) -> None:
        self.agreed = True
        self.accept()
