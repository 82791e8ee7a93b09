"""What a new, empty chat shows: a calm prompt and where the words will go."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget

from app.core.chat import ModelInfo
from app.ui.shell.logo import logo_label


class EmptyChat(QWidget):
    add_model_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("emptyChat")
        self.heading = QLabel("What would you like to talk about?", self)
        self.heading.setObjectName("emptyHeading")
        self.detail = QLabel(self)
        self.detail.setObjectName("emptyDetail")
        self.detail.setWordWrap(True)
        self.detail.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.add_button = QPushButton("Add a model file from this computer…", self)
        self.add_button.setObjectName("primaryButton")
        self.add_button.clicked.connect(self.add_model_requested)
        layout = QVBoxLayout(self)
        layout.addStretch(2)
        layout.addWidget(logo_label(48, self), 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addSpacing(10)
        layout.addWidget(self.heading, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addSpacing(6)
        layout.addWidget(self.detail, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addSpacing(12)
        layout.addWidget(self.add_button, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(3)
        self.set_model(None)

    def set_model(self, model: ModelInfo | None) -> None:
        if model is None:
            self.detail.setText("To start, add a model file (it ends in .gguf).")
        elif model.is_local:
            self.detail.setText(
                f"{model.display_name} answers on this computer. Nothing you write here leaves it."
            )
        else:
            self.detail.setText(
                f"{model.display_name} answers from {model.provider_name or model.provider}: "
                "your messages are sent there."
            )
        self.add_button.setVisible(model is None)
