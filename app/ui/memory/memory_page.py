"""Settings → Memory: how many facts Hearth remembers, the manager to see them, and the switches
that decide where they go."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from app.services import Services
from app.ui.memory.memory_switches import MemorySwitches
from app.ui.settings import separator, setting_row
from app.ui.shell.buttons import dialog_button
from app.ui.shell.tasks import TaskKeeper

MEMORIES_TEXT = (
    "Short facts about you that Hearth adds to your messages when they are relevant. Add one by "
    "typing /remember and the fact in a chat, or with “Remember this” on any message."
)


class MemoryPage(QWidget):
    manage_requested = Signal()
    changed = Signal()

    def __init__(self, services: Services, tasks: TaskKeeper, parent=None) -> None:
        super().__init__(parent)
        self._services = services
        self._tasks = tasks
        self.manage_button = dialog_button("Manage memories…", self, self.manage_requested)
        self.count = QLabel(self)
        self.count.setObjectName("settingsHint")
        self.switches = MemorySwitches(services, self)
        self.switches.changed.connect(self.changed)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(28, 22, 28, 22)
        layout.setSpacing(4)
        layout.addLayout(setting_row("Your memories", MEMORIES_TEXT, self.manage_button, self))
        layout.addWidget(self.count)
        layout.addSpacing(6)
        layout.addWidget(separator(self))
        layout.addWidget(self.switches)
        layout.addStretch(1)
        self.refresh()

    def refresh(self):
        self.switches.refresh()
        return self._tasks.spawn(self._count(), name="memory-count")

    async def _count(self) -> None:
        total = len(await self._services.memory.list())
        if total == 0:
            self.count.setText("Hearth remembers nothing yet.")
        else:
            self.count.setText(f"Hearth remembers {total} fact{'' if total == 1 else 's'}.")
