"""The form for one persona: its name, its instructions (the system prompt) and the model a new
chat with it starts on."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.core.chat import ModelInfo
from app.store.personas import Persona
from app.ui.shell.buttons import dialog_button

ANY_MODEL = "Keep the current model"
PROMPT_HINT = (
    "How the model should behave in chats with this persona, e.g. “You are a patient maths "
    "tutor. Ask one question at a time.”"
)


def model_choice_label(model: ModelInfo) -> str:
    where = "on this computer" if model.is_local else (model.provider_name or model.provider)
    return f"{model.display_name}  ·  {where}"


class PersonaEditor(QWidget):
    save_requested = Signal()
    delete_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.persona: Persona | None = None
        self.heading = QLabel(self)
        self.heading.setObjectName("settingsHeading")
        self.name_field = QLineEdit(self)
        self.name_field.setObjectName("settingsField")
        self.name_field.setPlaceholderText("e.g. Maths tutor")
        self.name_field.setMaxLength(80)
        self.prompt_field = QPlainTextEdit(self)
        self.prompt_field.setObjectName("promptField")
        self.prompt_field.setPlaceholderText(PROMPT_HINT)
        self.prompt_field.setTabChangesFocus(True)
        self.model_box = QComboBox(self)
        self.model_box.setObjectName("settingsCombo")
        self.model_box.setMinimumWidth(300)
        self.note = QLabel(self)
        self.note.setObjectName("testResult")
        self.note.setWordWrap(True)
        self.note.hide()
        self.delete_button = QPushButton("Delete", self)
        self.delete_button.setObjectName("dialogDanger")
        self.delete_button.setAutoDefault(False)
        self.delete_button.clicked.connect(self.delete_requested)
        self.save_button = dialog_button(
            "Save", self, self.save_requested, primary=True, auto_default=False
        )
        self._models: list[ModelInfo] = []
        buttons = QHBoxLayout()
        buttons.addWidget(self.delete_button)
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(28, 22, 28, 22)
        layout.setSpacing(6)
        layout.addWidget(self.heading)
        layout.addSpacing(8)
        layout.addWidget(_label("Name", self))
        layout.addWidget(self.name_field)
        layout.addSpacing(8)
        layout.addWidget(_label("Instructions", self))
        layout.addWidget(self.prompt_field, 1)
        layout.addSpacing(8)
        layout.addWidget(_label("Start new chats with", self))
        layout.addWidget(self.model_box, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addSpacing(8)
        layout.addWidget(self.note)
        layout.addLayout(buttons)
        self.show_persona(None)

    def set_models(self, models: list[ModelInfo]) -> None:
        self._models = list(models)
        self._fill_models(self.model_id())

    def show_persona(self, persona: Persona | None) -> None:
        """A persona to edit, or None for a new one."""
        self.persona = persona
        self.heading.setText(persona.name if persona else "New persona")
        self.name_field.setText(persona.name if persona else "")
        self.prompt_field.setPlainText(persona.system_prompt if persona else "")
        self._fill_models(persona.default_model if persona else None)
        self.delete_button.setVisible(persona is not None)
        self.save_button.setText("Save" if persona else "Create persona")
        self.show_note("")

    def values(self) -> dict[str, str | None]:
        return {
            "name": self.name_field.text().strip(),
            "system_prompt": self.prompt_field.toPlainText().strip(),
            "default_model": self.model_id(),
        }

    def model_id(self) -> str | None:
        return self.model_box.currentData()

    def show_note(self, text: str, *, error: bool = False) -> None:
        self.note.setProperty("error", error)
        self.note.style().unpolish(self.note)
        self.note.style().polish(self.note)
        self.note.setText(text)
        self.note.setVisible(bool(text))

    def _fill_models(self, chosen: str | None) -> None:
        box = self.model_box
        box.blockSignals(True)
        try:
            box.clear()
            box.addItem(ANY_MODEL, None)
            for model in self._models:
                box.addItem(model_choice_label(model), model.id)
            if chosen and box.findData(chosen) < 0:
                box.addItem(f"{chosen}  ·  not available now", chosen)
            box.setCurrentIndex(max(box.findData(chosen), 0) if chosen else 0)
        finally:
            box.blockSignals(False)


def _label(text: str, parent: QWidget) -> QLabel:
    label = QLabel(text, parent)
    label.setObjectName("fieldLabel")
    return label
