"""The first screen a new user sees: what Hearth is, and one clear way to start: downloading
the model suggested for this computer, in one click, with its progress shown in place."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent, QMouseEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.ui.shell.logo import logo_label

INTRO = (
    "Hearth lets you chat with an AI that runs entirely on this computer, "
    "so what you write stays with you."
)
FILE_TEXT = "Already have a model? Choose a .gguf file; it stays where it is."
CLOUD_TEXT = (
    "Connect an online AI service, such as OpenAI or Anthropic, with your own account key. "
    "Your messages are then sent to it."
)
CHOOSE_TEXT = "Choose a model to download"


class WelcomeScreen(QWidget):
    """The main action downloads the model suggested for this computer, with its progress in
    place; a model file and an online service are the other ways in. What the main button
    does is decided by WelcomeDownload, which drives this screen through the methods below."""

    main_clicked = Signal()  # the big button: download, try again, or open Settings
    cancel_requested = Signal()
    add_model_requested = Signal()
    cloud_requested = Signal()
    download_requested = Signal()  # “Other models…”: the download window
    import_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("welcome")
        logo = logo_label(72, self)
        title = QLabel("Welcome to Hearth", self)
        title.setObjectName("welcomeTitle")
        intro = _paragraph(INTRO, "welcomeIntro", self)
        self.main_button = QPushButton(CHOOSE_TEXT, self)
        self.main_button.setObjectName("primaryButton")
        self.main_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.main_button.clicked.connect(self.main_clicked)
        self.hint = _paragraph("", "welcomeHint", self)
        self.progress_box = self._progress_box()
        later = QHBoxLayout()
        later.setSpacing(12)
        self.add_card = ActionCard("Add a model file", FILE_TEXT, self)
        self.add_card.activated.connect(self.add_model_requested)
        later.addWidget(self.add_card)
        self.cloud_card = ActionCard("Use a cloud model", CLOUD_TEXT, self)
        self.cloud_card.activated.connect(self.cloud_requested)
        later.addWidget(self.cloud_card)
        self.other_link = _link("See other models to download…", self)
        self.other_link.clicked.connect(self.download_requested)
        self.import_link = _link("Coming from ChatGPT? Bring your chats with you…", self)
        self.import_link.clicked.connect(self.import_requested)
        links = QVBoxLayout()
        links.setSpacing(0)
        links.addWidget(self.other_link, 0, Qt.AlignmentFlag.AlignHCenter)
        links.addWidget(self.import_link, 0, Qt.AlignmentFlag.AlignHCenter)

        column = QVBoxLayout()
        column.setSpacing(14)
        column.addWidget(logo, 0, Qt.AlignmentFlag.AlignHCenter)
        column.addSpacing(4)
        column.addWidget(title, 0, Qt.AlignmentFlag.AlignHCenter)
        column.addWidget(intro)
        column.addSpacing(10)
        column.addWidget(self.main_button, 0, Qt.AlignmentFlag.AlignHCenter)
        column.addWidget(self.progress_box)
        column.addWidget(self.hint)
        column.addSpacing(18)
        column.addLayout(later)
        column.addSpacing(6)
        column.addLayout(links)
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
        self.show_choice(CHOOSE_TEXT, "")

    def _progress_box(self) -> QWidget:
        box = QWidget(self)
        self.progress_title = QLabel(box)
        self.progress_title.setObjectName("cardTitle")
        self.progress_bar = QProgressBar(box)
        self.progress_bar.setTextVisible(False)
        self.progress_bar.setFixedHeight(6)
        self.progress_words = QLabel(box)
        self.progress_words.setObjectName("welcomeHint")
        self.cancel_button = _link("Cancel", box)
        self.cancel_button.clicked.connect(self.cancel_requested)
        line = QHBoxLayout()
        line.addWidget(self.progress_words, 1)
        line.addWidget(self.cancel_button)
        layout = QVBoxLayout(box)
        layout.setContentsMargins(40, 0, 40, 0)
        layout.setSpacing(6)
        layout.addWidget(self.progress_title, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(self.progress_bar)
        layout.addLayout(line)
        return box

    # -- what WelcomeDownload shows ----------------------------------------------------------

    def show_choice(self, button: str, hint: str, *, error: bool = False) -> None:
        """The main button (download, try again, open Settings) and a line under it."""
        moving_focus = self.cancel_button.hasFocus()
        self.progress_box.hide()
        self.main_button.setText(button)
        self.main_button.show()
        if moving_focus:
            self.main_button.setFocus()
        self.main_button.setEnabled(True)
        self.hint.setText(hint)
        self.hint.setVisible(bool(hint))
        self.hint.setProperty("tone", "error" if error else "")
        self.hint.style().unpolish(self.hint)
        self.hint.style().polish(self.hint)

    def show_progress(self, title: str, fraction: float | None, words: str) -> None:
        """The download in place of the button: a bar, the numbers, and Cancel."""
        moving_focus = self.main_button.hasFocus()
        self.main_button.hide()
        self.hint.hide()
        self.progress_box.show()
        if moving_focus:  # Space or Enter again should cancel, not open the card beside
            self.cancel_button.setFocus()
        self.progress_title.setText(title)
        if fraction is None:
            self.progress_bar.setRange(0, 0)  # busy: the size is not known yet
        else:
            self.progress_bar.setRange(0, 1000)
            self.progress_bar.setValue(int(fraction * 1000))
        self.progress_words.setText(words)


def _link(text: str, parent: QWidget) -> QPushButton:
    button = QPushButton(text, parent)
    button.setObjectName("linkButton")
    button.setCursor(Qt.CursorShape.PointingHandCursor)
    return button


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
