"""The first screen a new user sees: what Hearth is, and one clear way to start."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent, QMouseEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.ui.logo import logo_label

INTRO = (
    "Hearth lets you chat with an AI that runs entirely on this computer, "
    "so what you write stays with you."
)
FILE_HINT = "Model files end in .gguf. You can find free ones on sites such as Hugging Face."


CLOUD_TEXT = (
    "Connect an online AI service, such as OpenAI or Anthropic, with your own account key. "
    "Your messages are then sent to it."
)


DOWNLOAD_TEXT = (
    "Choose from a short list of good models. Hearth shows which run well on this computer "
    "and downloads the one you pick."
)


class WelcomeScreen(QWidget):
    add_model_requested = Signal()
    cloud_requested = Signal()
    download_requested = Signal()
    import_requested = Signal()

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
        self.download_card = ActionCard("Download a model", DOWNLOAD_TEXT, self)
        self.download_card.activated.connect(self.download_requested)
        later.addWidget(self.download_card)
        self.cloud_card = ActionCard("Use a cloud model", CLOUD_TEXT, self)
        self.cloud_card.activated.connect(self.cloud_requested)
        later.addWidget(self.cloud_card)
        self.import_link = QPushButton("Coming from ChatGPT? Bring your chats with you…", self)
        self.import_link.setObjectName("linkButton")
        self.import_link.setCursor(Qt.CursorShape.PointingHandCursor)
        self.import_link.clicked.connect(self.import_requested)

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
        column.addSpacing(6)
        column.addWidget(self.import_link, 0, Qt.AlignmentFlag.AlignHCenter)
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


def _card_layout(card: QFrame, heading: str, text: str) -> None:
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


class ActionCard(QFrame):
    """A card that works like a button: click it, or Tab to it and press Space or Enter."""

    activated = Signal()

    def __init__(self, heading: str, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("actionCard")
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAccessibleName(heading)
        _card_layout(self, heading, text)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if event.button() == Qt.MouseButton.LeftButton and self.rect().contains(
            event.position().toPoint()
        ):
            self.activated.emit()
        super().mouseReleaseEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        if event.key() in (Qt.Key.Key_Space, Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.activated.emit()
            return
        super().keyPressEvent(event)
