"""Settings → Tools: the MCP servers with their state and tools (a switch per tool), and the
ways to add one (a form, pasted JSON, Claude Desktop's own file) or remove one. Offline mode's
rule is said here: servers on other computers are blocked, programs on this computer still run."""

from __future__ import annotations

import asyncio

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app.core.errors import HearthError
from app.services import Services
from app.services.tools import ServerStatus
from app.tools.config import claude_desktop_config_path
from app.ui.shell.tasks import TaskKeeper
from app.ui.shell.theme import current_theme
from app.ui.tools.server_box import ServerBox
from app.ui.tools.server_form import AddServerDialog, PasteJsonDialog
from app.ui.tools.tool_text import OFFLINE_NOTE, TOOLS_INTRO

NO_SERVERS = "No tool servers yet. Add one with the buttons above."


class ToolsPage(QWidget):
    changed = Signal()  # a server was added or removed

    def __init__(self, services: Services, tasks: TaskKeeper, parent: QWidget | None = None):
        super().__init__(parent)
        self._services = services
        self._tasks = tasks
        self.boxes: dict[str, ServerBox] = {}
        self.dialog = None  # the add / paste dialog while open
        self.loading: asyncio.Task | None = None
        theme = current_theme()
        intro = QLabel(TOOLS_INTRO, self)
        intro.setWordWrap(True)
        self.offline_note = QLabel(OFFLINE_NOTE, self)
        self.offline_note.setObjectName("toolsOffline")
        self.offline_note.setWordWrap(True)
        self.offline_note.setStyleSheet(f"color: {theme.alert_fg}; background: {theme.alert_bg};"
                                        "padding: 6px 8px; border-radius: 6px;")  # fmt: skip
        self.add_button = QPushButton("Add a server…", self)
        self.add_button.clicked.connect(self.open_add_form)
        self.paste_button = QPushButton("Paste JSON…", self)
        self.paste_button.clicked.connect(self.open_paste)
        self.import_button = QPushButton("Import from Claude Desktop", self)
        self.import_button.setToolTip(str(claude_desktop_config_path()))
        self.import_button.clicked.connect(self.import_claude_desktop)
        self.message = QLabel(self)  # what an import did, or why it could not
        self.message.setObjectName("toolsMessage")
        self.message.setWordWrap(True)
        self.message.hide()
        buttons = QHBoxLayout()
        buttons.setSpacing(8)
        for button in (self.add_button, self.paste_button, self.import_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        self.empty = QLabel(NO_SERVERS, self)
        self.empty.setStyleSheet(f"color: {theme.muted};")
        self._list = QVBoxLayout()
        self._list.setSpacing(10)
        holder = QWidget()
        column = QVBoxLayout(holder)
        column.setContentsMargins(0, 0, 8, 0)
        column.addWidget(self.empty)
        column.addLayout(self._list)
        column.addStretch(1)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(holder)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(28, 22, 28, 22)
        layout.setSpacing(10)
        layout.addWidget(intro)
        layout.addWidget(self.offline_note)
        layout.addLayout(buttons)
        layout.addWidget(self.message)
        layout.addWidget(scroll, 1)

    # -- showing -------------------------------------------------------------------------------

    def refresh(self) -> asyncio.Task:
        """Show the servers now, then start them and show their state and tools."""
        self.offline_note.setVisible(self._services.providers.offline)
        self.loading = self._tasks.spawn(self._load(), name="tool-servers")
        return self.loading

    async def _load(self) -> None:
        tools = self._services.tools
        # Not started yet: shown as starting, since they are being started just below.
        self._show(
            [s if s.state != "stopped" else _starting(s) for s in await tools.status(start=False)]
        )
        self._show(await tools.status(start=True))

    def _show(self, statuses: list[ServerStatus]) -> None:
        for box in self.boxes.values():
            self._list.removeWidget(box)
            box.deleteLater()
        self.boxes = {}
        for status in statuses:
            box = ServerBox(status, self._services.tools, self)
            box.remove_requested.connect(self.remove)
            self._list.addWidget(box)
            self.boxes[status.config.name] = box
        self.empty.setVisible(not statuses)

    # -- changing ------------------------------------------------------------------------------

    def open_add_form(self) -> AddServerDialog:
        dialog = AddServerDialog(self._services.tools, self)
        dialog.added.connect(self._after_adding)
        self.dialog = dialog
        dialog.open()
        return dialog

    def open_paste(self) -> PasteJsonDialog:
        dialog = PasteJsonDialog(self._services.tools, self)
        dialog.added.connect(self._after_adding)
        self.dialog = dialog
        dialog.open()
        return dialog

    def import_claude_desktop(self) -> None:
        try:
            names = self._services.tools.import_claude_desktop()
        except HearthError as err:
            self._say(err.plain(), problem=True)
            return
        self._after_adding(names, source="from Claude Desktop")

    def _after_adding(self, names: list[str], source: str = "") -> None:
        added = ", ".join(names)
        self._say(f"Added {added}{' ' + source if source else ''}.")
        self.changed.emit()
        self.refresh()

    def remove(self, name: str) -> asyncio.Task:
        async def removing() -> None:
            try:
                await self._services.tools.remove(name)
            except HearthError as err:
                self._say(err.plain(), problem=True)
                return
            self._say(f"Removed {name}.")
            self.changed.emit()
            await self._load()

        return self._tasks.spawn(removing(), name="remove-tool-server")

    def _say(self, text: str, *, problem: bool = False) -> None:
        theme = current_theme()
        self.message.setStyleSheet(f"color: {theme.danger if problem else theme.muted};")
        self.message.setText(text)
        self.message.setVisible(bool(text))


def _starting(status: ServerStatus) -> ServerStatus:
    return ServerStatus(status.config, "starting", "", status.tools)
