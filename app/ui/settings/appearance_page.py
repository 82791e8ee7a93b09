"""Settings → Appearance: light, dark, or whatever this computer uses; applied at once, kept."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QVBoxLayout, QWidget

from app.services import Services
from app.ui.settings.privacy_page import setting_row
from app.ui.shell.theme import THEME_SETTING, theme_manager

THEME_TEXT = (
    "Light or dark colours for Hearth's windows. “Match this computer” follows your system."
)
THEME_LABELS = {"system": "Match this computer", "light": "Light", "dark": "Dark"}


class AppearancePage(QWidget):
    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._settings = services.settings
        self.theme_choice = QComboBox(self)
        self.theme_choice.setObjectName("settingsCombo")
        self.theme_choice.setMinimumWidth(220)
        for value, label in THEME_LABELS.items():
            self.theme_choice.addItem(label, value)
        current = theme_manager().choice
        self.theme_choice.setCurrentIndex(max(0, self.theme_choice.findData(current)))
        self.theme_choice.currentIndexChanged.connect(self._choose)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(28, 22, 28, 22)
        layout.setSpacing(4)
        layout.addLayout(setting_row("Theme", THEME_TEXT, None, self))
        layout.addSpacing(6)
        layout.addWidget(self.theme_choice, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addStretch(1)

    def _choose(self, index: int) -> None:
        choice = self.theme_choice.itemData(index)
        theme_manager().set_choice(choice)
        self._settings.set(THEME_SETTING, choice)
