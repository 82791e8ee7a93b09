"""The first screen a new user sees: what Hearth is, and one clear way to start."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.ui.logo import logo_label

INTRO = (
    "Hearth lets you chat with an AI that runs entirely on this computer, "
    "so what you write stays with you."
)
FILE_HINT = "Model files end in .gguf. You can find free ones on sites such as Hugging Face."


class WelcomeScreen(QWidget):
    add_model_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("welcome")
        logo = logo_label(72, self)
        title = QLabel("Welcome to Hearth", self)
        title.setObjectName("welcomeTitle")
        intro = _paragraph(INTRO, "welcomeIntro", self)
        self.add_button = QPushButton("Add a model file from this computer…", self)
        self.add_button.setObjectName("primaryButton")
        self.add_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.add_button.clicked.connect(self.add_model_requested)
        hint = _paragraph(FILE_HINT, "welcomeHint", self)
        later = QHBoxLayout()
        later.setSpacing(12)
        # Placeholders for ways of getting a model that later versions add; said plainly.
        later.addWidget(
            _coming_soon(
                "Download a model",
                "Pick one from a list and Hearth downloads it for you. Coming soon.",
                self,
            )
        )
        later.addWidget(
            _coming_soon(
                "Use a cloud model",
                "Connect an online AI service with your own account key. Coming soon.",
                self,
            )
        )

        column = QVBoxLayout()
        column.setSpacing(14)
        column.addWidget(logo, 0, Qt.AlignmentFlag.AlignHCenter)
        column.addSpacing(4)
        column.addWidget(title, 0, Qt.AlignmentFlag.AlignHCenter)
        column.addWidget(intro)
        column.addSpacing(10)
        column.addWidget(self.add_button, 0, Qt.AlignmentFlag.AlignHCenter)
        column.addWidget(hint)
        column.addSpacing(18)
        column.addLayout(later)
        box = QWidget(self)
        box.setLayout(column)
        # A fixed width lets the wrapped paragraphs and cards work out their heights.
        box.setFixedWidth(560)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(box)
        row.addStretch(1)
        outer = QVBoxLayout(self)
        outer.addStretch(2)
        outer.addLayout(row)
        outer.addStretch(3)


def _paragraph(text: str, name: str, parent: QWidget) -> QLabel:
    label = QLabel(text, parent)
    label.setObjectName(name)
    label.setWordWrap(True)
    label.setAlignment(Qt.AlignmentFlag.AlignHCenter)
    return label


def _coming_soon(heading: str, text: str, parent: QWidget) -> QFrame:
    card = QFrame(parent)
    card.setObjectName("comingSoonCard")
    card.setEnabled(False)
    card.setToolTip("Not available yet")
    title = QLabel(heading, card)
    title.setObjectName("cardTitle")
    body = QLabel(text, card)
    body.setObjectName("cardBody")
    body.setWordWrap(True)
    layout = QVBoxLayout(card)
    layout.setContentsMargins(16, 14, 16, 14)
    layout.setSpacing(4)
    layout.addWidget(title)
    layout.addWidget(body)
    layout.addStretch(1)
    return card
