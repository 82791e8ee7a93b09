"""The switches that decide where memories go: pause, suggestions, and each online service.

Shown in Settings → Memory and beside the list in the memory manager; both read and write the
same settings through MemoryService, so they agree whenever either is shown again.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from app.services import Services
from app.ui.settings import separator, setting_row
from app.ui.shell.switch import Switch

PAUSE_TEXT = (
    "While paused, no memory is added to any message. Your memories stay here, and you can "
    "still add and edit them."
)
SUGGEST_TEXT = (
    "After a chat, the model you were using suggests facts worth remembering, and you choose "
    "which to keep. With an online model, Hearth asks first, since the chat is sent to it."
)
CLOUD_TEXT = (
    "Models on this computer always get your memories. An online service gets them only if you "
    "allow it here."
)
NO_ONLINE_SERVICE = "Online services you add a key for appear here."


class MemorySwitches(QWidget):
    changed = Signal()  # any switch moved

    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._services = services
        memory = services.memory
        self.pause_switch = Switch("Pause memory", self)
        self.pause_switch.toggled.connect(self._set_paused)
        self.suggest_switch = Switch("Suggest memories after a chat", self)
        self.suggest_switch.toggled.connect(self._set_suggestions)
        self.paused_note = QLabel("Memory is paused: no model is given your memories.", self)
        self.paused_note.setObjectName("settingsNote")
        self.paused_note.setWordWrap(True)
        self.cloud_switches: dict[str, Switch] = {}
        self._cloud_box = QVBoxLayout()
        self._cloud_box.setContentsMargins(0, 0, 0, 0)
        self._cloud_box.setSpacing(2)
        self.no_service = QLabel(NO_ONLINE_SERVICE, self)
        self.no_service.setObjectName("settingsHint")
        self.no_service.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addLayout(setting_row("Pause memory", PAUSE_TEXT, self.pause_switch, self))
        layout.addWidget(self.paused_note)
        layout.addWidget(separator(self))
        layout.addLayout(setting_row("Suggest memories", SUGGEST_TEXT, self.suggest_switch, self))
        layout.addWidget(separator(self))
        layout.addLayout(setting_row("Online services", CLOUD_TEXT, None, self))
        layout.addLayout(self._cloud_box)
        layout.addWidget(self.no_service)
        self._memory = memory
        self.refresh()

    def refresh(self) -> None:
        """Show the settings as they are now (the other place may have changed them)."""
        for switch, on in (
            (self.pause_switch, self._memory.paused),
            (self.suggest_switch, self._memory.suggestions_enabled),
        ):
            switch.blockSignals(True)
            switch.setChecked(on)
            switch.blockSignals(False)
        self.paused_note.setVisible(self._memory.paused)
        self._show_services()

    def _show_services(self) -> None:
        """A switch per online service with a key, and any already allowed."""
        allowed = set(self._memory.cloud_providers())
        shown = [
            s.spec
            for s in self._services.providers.statuses()
            if not s.spec.is_local_server and (s.key_source is not None or s.spec.id in allowed)
        ]
        if [spec.id for spec in shown] != list(self.cloud_switches):
            self._rebuild_services(shown)
        for provider, switch in self.cloud_switches.items():
            switch.blockSignals(True)
            switch.setChecked(provider in allowed)
            switch.blockSignals(False)
        self.no_service.setVisible(not shown)

    def _rebuild_services(self, specs) -> None:
        while self._cloud_box.count():
            item = self._cloud_box.takeAt(0)
            holder = item.widget()
            if holder is not None:
                holder.deleteLater()
        self.cloud_switches = {}
        for spec in specs:
            text = f"Allow sending memories to {spec.display_name}"
            switch = Switch(text, self)
            switch.toggled.connect(lambda on, p=spec.id: self._allow(p, on))
            self.cloud_switches[spec.id] = switch
            self._cloud_box.addWidget(_switch_line(text, switch, self))

    def _set_paused(self, paused: bool) -> None:
        if paused:
            self._memory.pause_all()
        else:
            self._memory.resume()
        self.paused_note.setVisible(paused)
        self.changed.emit()

    def _set_suggestions(self, on: bool) -> None:
        self._memory.set_suggestions_enabled(on)
        self.changed.emit()

    def _allow(self, provider: str, allowed: bool) -> None:
        self._memory.allow_cloud(provider=provider, allowed=allowed)
        self.changed.emit()


def _switch_line(text: str, switch: Switch, parent: QWidget) -> QWidget:
    holder = QWidget(parent)
    label = QLabel(text, holder)
    label.setObjectName("settingsText")
    label.setWordWrap(True)
    label.setBuddy(switch)
    row = QHBoxLayout(holder)
    row.setContentsMargins(0, 2, 0, 2)
    row.setSpacing(16)
    row.addWidget(label, 1)
    row.addWidget(switch, 0, Qt.AlignmentFlag.AlignVCenter)
    switch.setParent(holder)
    return holder
