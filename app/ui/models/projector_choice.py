"""“Which projector belongs to this model?”: asked after “Add model from disk…” when several
image projector (mmproj) files lie beside the model file and their names do not settle it.
One choice per file, and “None”; nothing is chosen for the user, since a wrong projector gives
a model that loads but sees nonsense."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from app.core.chat import ModelInfo

NONE = "none"  # what `chosen` carries for “None”: the model stays without pictures
CANCELLED = "cancelled"  # closed without a choice: nothing changes


class ProjectorChoice(QDialog):
    chosen = Signal(str)  # a projector's path, NONE or CANCELLED

    def __init__(self, model: ModelInfo, paths: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("projectorChoice")
        self.setWindowTitle("Choose the image projector")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.setMinimumWidth(440)
        heading = QLabel(f"Which projector belongs to {model.display_name}?", self)
        heading.setObjectName("dialogHeading")
        heading.setWordWrap(True)
        intro = QLabel(
            "A projector (an “mmproj” file) lets a model see pictures. Several lie beside "
            "this model; choose the one downloaded with it.",
            self,
        )
        intro.setObjectName("dialogText")
        intro.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 22, 24, 18)
        layout.setSpacing(8)
        layout.addWidget(heading)
        layout.addWidget(intro)
        self.group = QButtonGroup(self)
        self.options: dict[str, QRadioButton] = {}
        for path in paths:
            self._option(layout, path, Path(path).name).setToolTip(path)
        self._option(layout, NONE, "None: this model will not see pictures")
        self.buttons = QDialogButtonBox(self)
        self.use_button = self.buttons.addButton("Use", QDialogButtonBox.ButtonRole.AcceptRole)
        self.use_button.setEnabled(False)  # until something is chosen
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.group.buttonToggled.connect(lambda *_: self.use_button.setEnabled(True))
        layout.addSpacing(6)
        layout.addWidget(self.buttons)
        self.finished.connect(self._finished)

    def _option(self, layout: QVBoxLayout, value: str, label: str) -> QRadioButton:
        option = QRadioButton(label, self)
        self.group.addButton(option)
        layout.addWidget(option)
        self.options[value] = option
        return option

    def choice(self) -> str | None:
        return next((value for value, o in self.options.items() if o.isChecked()), None)

    def _finished(self, result: int) -> None:
        accepted = result == QDialog.DialogCode.Accepted and self.choice() is not None
        self.chosen.emit(self.choice() if accepted else CANCELLED)
