"""“GPT-3.5 cannot see images”: instead of a dead end, a button for each model that can (on this
computer first), and Cancel. The picture stays attached whatever is chosen."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QDialog, QLabel, QPushButton, QVBoxLayout, QWidget

from app.core.chat import ModelInfo

MAX_OFFERED = 6


class SeeingModelsOffer(QDialog):
    chosen = Signal(object)  # the ModelInfo chosen, or None (cancelled)

    def __init__(
        self, model: ModelInfo, seeing: list[ModelInfo], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("seeingModelsOffer")
        self.setWindowTitle("This model cannot see images")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self._choice: ModelInfo | None = None
        heading = QLabel(f"{model.display_name} cannot see images", self)
        heading.setObjectName("dialogHeading")
        heading.setWordWrap(True)
        if seeing:
            words = "Send this message and its picture to a model that can:"
        else:
            words = (
                "None of your models can see images yet. Add one (Models → Download), or "
                "remove the picture and send the words."
            )
        intro = QLabel(words, self)
        intro.setObjectName("dialogText")
        intro.setWordWrap(True)
        self.setMinimumWidth(440)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 22, 24, 18)
        layout.setSpacing(8)
        layout.addWidget(heading)
        layout.addWidget(intro)
        self.buttons: list[QPushButton] = []
        for other in seeing[:MAX_OFFERED]:
            where = "on this computer" if other.is_local else (other.provider_name or "online")
            button = QPushButton(f"{other.display_name}  ·  {where}", self)
            button.setObjectName("dialogButton")
            button.setAutoDefault(False)
            button.clicked.connect(lambda _c=False, m=other: self._choose(m))
            layout.addWidget(button)
            self.buttons.append(button)
        self.cancel_button = QPushButton("Cancel (keep the picture)", self)
        self.cancel_button.setObjectName("dialogButton")
        self.cancel_button.clicked.connect(self.reject)
        layout.addSpacing(6)
        layout.addWidget(self.cancel_button)
        self.finished.connect(lambda _r: self.chosen.emit(self._choice))

    def _choose(self, model: ModelInfo) -> None:
        self._choice = model
        self.accept()
