"""Settings → Privacy: offline mode, the check before sending, and the local fallback model."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from app.core.chat import ModelInfo
from app.services import Services
from app.ui.shell.switch import Switch

OFFLINE_TEXT = (
    "Nothing you write leaves this computer. Online models are greyed out until you turn this off."
)
CHECK_TEXT = (
    "Before a message goes to an online model, Hearth looks for passwords, keys, card and "
    "account numbers, e-mail addresses and phone numbers, and asks you first."
)
FALLBACK_TEXT = (
    "If an online model fails before it answers (no connection, a rejected key), a model on this "
    "computer answers instead. The reply says which model wrote it."
)
FALLBACK_OFF = "Off"


class PrivacyPage(QWidget):
    offline_changed = Signal(bool)

    def __init__(self, services: Services, parent=None) -> None:
        super().__init__(parent)
        self._services = services
        self.offline_switch = Switch("Offline mode", self)
        self.offline_switch.setChecked(services.providers.offline)
        self.offline_switch.toggled.connect(self._set_offline)
        self.check_switch = Switch("Check messages before sending", self)
        self.check_switch.setChecked(bool(services.settings.get("privacy_check", True)))
        self.check_switch.toggled.connect(lambda on: services.settings.set("privacy_check", on))
        self.fallback = QComboBox(self)
        self.fallback.setObjectName("settingsCombo")
        self.fallback.setMinimumWidth(260)
        self.fallback.currentIndexChanged.connect(self._set_fallback)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(28, 22, 28, 22)
        layout.setSpacing(4)
        layout.addLayout(setting_row("Offline mode", OFFLINE_TEXT, self.offline_switch, self))
        layout.addWidget(separator(self))
        layout.addLayout(
            setting_row("Check messages before they leave", CHECK_TEXT, self.check_switch, self)
        )
        layout.addWidget(separator(self))
        layout.addLayout(
            setting_row("If an online model fails, answer with", FALLBACK_TEXT, None, self)
        )
        layout.addSpacing(6)
        layout.addWidget(self.fallback, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addStretch(1)
        self.set_local_models([])

    def set_local_models(self, models: list[ModelInfo]) -> None:
        """The fallback can only be a model file on this computer ("Off" by default)."""
        chosen = self._services.settings.get("fallback_model")
        self.fallback.blockSignals(True)
        try:
            self.fallback.clear()
            self.fallback.addItem(FALLBACK_OFF, None)
            for model in models:
                self.fallback.addItem(model.display_name, model.id)
            index = self.fallback.findData(chosen) if chosen else 0
            self.fallback.setCurrentIndex(max(index, 0))
        finally:
            self.fallback.blockSignals(False)
        self.fallback.setEnabled(bool(models))
        self.fallback.setToolTip("" if models else "Add a model file on this computer first.")

    def refresh(self) -> None:
        self.offline_switch.blockSignals(True)
        self.offline_switch.setChecked(self._services.providers.offline)
        self.offline_switch.blockSignals(False)

    def _set_offline(self, on: bool) -> None:
        self._services.providers.set_offline(on)
        self.offline_changed.emit(on)

    def _set_fallback(self, index: int) -> None:
        self._services.settings.set("fallback_model", self.fallback.itemData(index))


def setting_row(title: str, text: str, control: QWidget | None, parent: QWidget) -> QHBoxLayout:
    """A setting's title and explanation on the left, its control (if any) on the right."""
    heading = QLabel(title, parent)
    heading.setObjectName("settingTitle")
    column = QVBoxLayout()
    column.setSpacing(3)
    column.addWidget(heading)
    if text:
        body = QLabel(text, parent)
        body.setObjectName("settingsText")
        body.setWordWrap(True)
        column.addWidget(body)
    row = QHBoxLayout()
    row.setContentsMargins(0, 10, 0, 10)
    row.setSpacing(24)
    row.addLayout(column, 1)
    if control is not None:
        row.addWidget(control, 0, Qt.AlignmentFlag.AlignTop)
    return row


def separator(parent: QWidget) -> QFrame:
    line = QFrame(parent)
    line.setObjectName("settingsSeparator")
    line.setFixedHeight(1)
    return line
