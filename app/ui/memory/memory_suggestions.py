"""After a chat: facts the model suggests remembering, each with a checkbox (Save selected / Not
now), and the question asked before an online model may read the chat to suggest them.

Nothing is remembered unless the user ticks it and saves; closing either window counts as no.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from app.core.chat import ModelInfo
from app.ui.shell.buttons import dialog_button

HINT = "You can turn suggestions off in Settings → Memory."


class MemorySuggestions(QDialog):
    approved = Signal(list)  # the ticked facts (empty: Not now)

    def __init__(self, title: str, proposals: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("memorySuggestions")
        self.setWindowTitle("Remember these?")
        self.setModal(False)
        self._chosen: list[str] = []
        heading = QLabel("Remember these for later chats?", self)
        heading.setObjectName("dialogHeading")
        intro = QLabel(
            f"From “{title}”. Untick what should not be remembered; you can edit or delete "
            "memories at any time.",
            self,
        )
        intro.setObjectName("dialogText")
        intro.setWordWrap(True)
        intro.setMinimumWidth(460)
        self.boxes: list[QCheckBox] = []
        facts = QVBoxLayout()
        facts.setSpacing(6)
        for proposal in proposals:
            box = QCheckBox(proposal, self)
            box.setObjectName("suggestionBox")
            box.setChecked(True)
            box.toggled.connect(self._update_save)
            self.boxes.append(box)
            facts.addWidget(box)
        hint = QLabel(HINT, self)
        hint.setObjectName("dialogHint")
        self.later_button = dialog_button("Not now", self, self.reject, auto_default=False)
        self.save_button = dialog_button(
            "Save selected", self, self.save, primary=True, auto_default=False
        )
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.later_button)
        buttons.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 22, 24, 18)
        layout.setSpacing(10)
        layout.addWidget(heading)
        layout.addWidget(intro)
        layout.addLayout(facts)
        layout.addWidget(hint)
        layout.addSpacing(4)
        layout.addLayout(buttons)
        self.finished.connect(lambda _result: self.approved.emit(list(self._chosen)))

    def checked(self) -> list[str]:
        return [box.text() for box in self.boxes if box.isChecked()]

    def save(self) -> None:
        self._chosen = self.checked()
        self.accept()

    def _update_save(self) -> None:
        self.save_button.setEnabled(bool(self.checked()))


class AskToSuggest(QDialog):
    """Before an online model reads a whole chat to suggest memories: a plain yes or no."""

    answered = Signal(bool)

    def __init__(self, title: str, model: ModelInfo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("askToSuggest")
        self.setWindowTitle("Suggest memories?")
        self.setModal(False)
        self._yes = False
        where = model.provider_name or model.provider
        self.heading = heading = QLabel(f"Send this chat to {where} to suggest memories?", self)
        heading.setObjectName("dialogHeading")
        heading.setWordWrap(True)
        text = QLabel(
            f"{model.display_name} would read “{title}” and suggest facts about you worth "
            "remembering. Nothing is saved unless you choose it.",
            self,
        )
        text.setObjectName("dialogText")
        text.setWordWrap(True)
        text.setMinimumWidth(440)
        hint = QLabel(HINT, self)
        hint.setObjectName("dialogHint")
        self.no_button = dialog_button("Not now", self, self.reject)
        self.yes_button = dialog_button(
            f"Send to {where}", self, self._accept_yes, primary=True, auto_default=False
        )
        self.no_button.setDefault(True)  # the careful choice is the one Enter picks
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.no_button)
        buttons.addWidget(self.yes_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 22, 24, 18)
        layout.setSpacing(10)
        layout.addWidget(heading)
        layout.addWidget(text)
        layout.addWidget(hint)
        layout.addSpacing(4)
        layout.addLayout(buttons, 0)
        self.finished.connect(lambda _result: self.answered.emit(self._yes))

    def _accept_yes(self) -> None:
        self._yes = True
        self.accept()
