"""One tool server in Settings → Tools: its name, what it runs or where it connects, its state
(starting, ready, failed with the reason), Remove, and each of its tools with its description
and a switch."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.services.tools import ServerStatus, ToolsService
from app.ui.shell.switch import Switch
from app.ui.shell.theme import current_theme
from app.ui.tools.tool_text import server_state


class ServerBox(QFrame):
    remove_requested = Signal(str)  # the server's name

    def __init__(
        self, status: ServerStatus, tools: ToolsService, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("toolServer")
        self.name = status.config.name
        self.switches: dict[str, Switch] = {}
        theme = current_theme()
        title = QLabel(f"<b>{_escape(self.name)}</b>", self)
        where = "on this computer" if status.config.kind == "stdio" else "at an address"
        detail = QLabel(f"{where}: {status.config.where()}", self)
        detail.setObjectName("toolServerWhere")
        detail.setWordWrap(True)
        detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.state = QLabel(server_state(status.state, status.reason), self)
        self.state.setObjectName("toolServerState")
        self.state.setWordWrap(True)
        self.state.setProperty("failed", status.state == "failed")
        self.remove_button = QPushButton("Remove", self)
        self.remove_button.setObjectName("toolServerRemove")
        self.remove_button.clicked.connect(lambda: self.remove_requested.emit(self.name))
        top = QHBoxLayout()
        top.addWidget(title, 1)
        top.addWidget(self.remove_button)
        column = QVBoxLayout(self)
        column.setContentsMargins(14, 10, 14, 10)
        column.setSpacing(4)
        column.addLayout(top)
        column.addWidget(detail)
        column.addWidget(self.state)
        for tool in status.tools:
            column.addLayout(self._tool_row(tool, tools))
        state_colour = theme.danger if status.state == "failed" else theme.muted
        self.setStyleSheet(
            f"""
            #toolServer {{ border: 1px solid {theme.border}; border-radius: 8px; }}
            #toolServerWhere, #toolDescription {{ color: {theme.muted}; }}
            #toolServerState {{ color: {state_colour}; }}
            """
        )

    def _tool_row(self, tool, tools: ToolsService) -> QHBoxLayout:
        switch = Switch(f"Offer {tool.name} to the model", self)
        switch.setChecked(tools.is_enabled(tool.server, tool.name))
        switch.toggled.connect(lambda on, t=tool: tools.set_enabled(t.server, t.name, on))
        self.switches[tool.name] = switch
        name = QLabel(f"<b>{_escape(tool.name)}</b>", self)
        description = QLabel(tool.description or "(no description)", self)
        description.setObjectName("toolDescription")
        description.setWordWrap(True)
        words = QVBoxLayout()
        words.setSpacing(0)
        words.addWidget(name)
        words.addWidget(description)
        row = QHBoxLayout()
        row.setContentsMargins(12, 6, 0, 0)
        row.addLayout(words, 1)
        row.addWidget(switch, 0, Qt.AlignmentFlag.AlignVCenter)
        return row


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
