"""What a model starts with when chosen: conversation memory, graphics card use, creativity and
standing instructions. Each can be left to Hearth (“Automatic”), which is stored as None."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.core.chat import ModelInfo
from app.services.downloads import ModelDefaults

AUTOMATIC = "Automatic"
MAX_CONTEXT = 131_072
MAX_LAYERS = 200
SMALLEST_CONTEXT = 2048


def context_choices(trained: int) -> list[int]:
    """2,048, 4,096, … up to what the model was trained for (which is offered too)."""
    sizes, size = [], SMALLEST_CONTEXT
    while size < trained:
        sizes.append(size)
        size *= 2
    return [*sizes, trained]


class DefaultsEditor(QFrame):
    save_requested = Signal(object)  # ModelDefaults

    def __init__(self, model: ModelInfo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dlDefaults")
        self.model = model
        trained = model.context_length or MAX_CONTEXT
        self.context = QComboBox(self)
        self.context.setToolTip(
            f"How much of the conversation the model keeps in mind (up to {trained:,} tokens). "
            "More needs more memory."
        )
        self._context_sizes = context_choices(trained)
        self.context.addItem(AUTOMATIC, None)
        for size in self._context_sizes:
            self.context.addItem(f"{size:,} tokens", size)
        # The minimum of each spin box stands for “Automatic” (Qt shows specialValueText there).
        self.gpu_layers = QSpinBox(self)
        self.gpu_layers.setRange(-1, MAX_LAYERS)
        self.gpu_layers.setSpecialValueText(AUTOMATIC)
        self.gpu_layers.setToolTip(
            "How many of the model's layers go on the graphics card. 0 uses the processor only."
        )
        self.temperature = QDoubleSpinBox(self)
        self.temperature.setRange(-0.1, 2.0)
        self.temperature.setSingleStep(0.1)
        self.temperature.setDecimals(1)
        self.temperature.setSpecialValueText(AUTOMATIC)
        self.temperature.setToolTip(
            "Lower gives steadier, more predictable answers; higher gives more varied ones."
        )
        self.system_prompt = QPlainTextEdit(self)
        self.system_prompt.setPlaceholderText(
            "Instructions the model follows in every chat, e.g. “Answer briefly, in plain English.”"
        )
        self.system_prompt.setFixedHeight(64)
        self.saved_label = QLabel(self)
        self.saved_label.setObjectName("dialogHint")
        self.reset_button = _button("Reset to automatic", "dialogButton", self)
        self.reset_button.clicked.connect(lambda: self.set_defaults(ModelDefaults()))
        self.save_button = _button("Save", "dialogPrimary", self)
        self.save_button.clicked.connect(lambda: self.save_requested.emit(self.defaults()))
        grid = QGridLayout()
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(6)
        grid.setColumnStretch(1, 1)
        fields = [
            ("Conversation memory", self.context),
            ("Graphics card layers", self.gpu_layers),
            ("Creativity (temperature)", self.temperature),
        ]
        for row, (text, box) in enumerate(fields):
            label = QLabel(text, self)
            label.setObjectName("fieldLabel")
            label.setBuddy(box)
            box.setMinimumWidth(170)
            box.setFixedHeight(28)
            grid.addWidget(label, row, 0)
            grid.addWidget(box, row, 1, Qt.AlignmentFlag.AlignLeft)
        prompt_label = QLabel("Instructions for every chat", self)
        prompt_label.setObjectName("fieldLabel")
        prompt_label.setBuddy(self.system_prompt)
        buttons = QHBoxLayout()
        buttons.addWidget(self.saved_label, 1)
        buttons.addWidget(self.reset_button)
        buttons.addWidget(self.save_button)
        column = QVBoxLayout(self)
        column.setContentsMargins(12, 10, 12, 10)
        column.setSpacing(8)
        column.addLayout(grid)
        column.addWidget(prompt_label)
        column.addWidget(self.system_prompt)
        column.addLayout(buttons)

    def set_defaults(self, defaults: ModelDefaults) -> None:
        wanted = defaults.context_length
        if wanted and self.context.findData(wanted) < 0:
            self.context.addItem(f"{wanted:,} tokens", wanted)  # stored earlier, kept as it is
        self.context.setCurrentIndex(max(0, self.context.findData(wanted)) if wanted else 0)
        layers = defaults.gpu_layers
        self.gpu_layers.setValue(-1 if layers is None else layers)
        temperature = defaults.temperature
        self.temperature.setValue(-0.1 if temperature is None else temperature)
        self.system_prompt.setPlainText(defaults.system_prompt or "")
        self.saved_label.clear()

    def defaults(self) -> ModelDefaults:
        """What the boxes say now; “Automatic” and an empty prompt become None."""
        context = self.context.currentData()
        layers = self.gpu_layers.value()
        temperature = round(self.temperature.value(), 1)
        prompt = self.system_prompt.toPlainText().strip()
        return ModelDefaults(
            context_length=context or None,
            gpu_layers=None if layers < 0 else layers,
            temperature=None if temperature < 0 else temperature,
            system_prompt=prompt or None,
        )

    def show_saved(self) -> None:
        self.saved_label.setText("Saved.")


def _button(text: str, name: str, parent: QWidget) -> QPushButton:
    button = QPushButton(text, parent)
    button.setObjectName(name)
    button.setCursor(Qt.CursorShape.PointingHandCursor)
    button.setAutoDefault(False)
    return button
