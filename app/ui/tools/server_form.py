"""Adding tool servers: by a form (a program on this computer with its arguments and environment,
or a server at an address with its headers), or by pasting the `{"mcpServers": {...}}` JSON that
MCP servers document. Secret-looking values go to the keychain (app/tools/config.py)."""

from __future__ import annotations

import shlex

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from app.core.errors import HearthError
from app.services.tools import ToolsService
from app.tools.config import ServerConfig
from app.tools.errors import ToolConfigError
from app.ui.shell.theme import current_theme
from app.ui.tools.tool_text import SECRETS_NOTE

PASTE_HINT = '{"mcpServers": {"time": {"command": "uvx", "args": ["mcp-server-time"]}}}'


def parse_pairs(text: str, separator: str, what: str) -> dict[str, str]:
    """NAME=value (or Name: value) lines as a dict; blank lines skipped."""
    pairs = {}
    for line in text.splitlines():
        if not line.strip():
            continue
        name, found, value = line.partition(separator)
        if not found or not name.strip():
            raise ToolConfigError(
                f"“{line.strip()}” is not a {what}.",
                action=f"Write one per line as NAME{separator}value.",
            )
        pairs[name.strip()] = value.strip()
    return pairs


class AddServerDialog(QDialog):
    added = Signal(list)  # the names of the servers added

    def __init__(self, tools: ToolsService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Add a tool server")
        self.setMinimumWidth(520)
        self._tools = tools
        self.name = QLineEdit(self)
        self.local = QRadioButton("A program on this computer (stdio)", self)
        self.remote = QRadioButton("A server at an address (streamable HTTP)", self)
        self.local.setChecked(True)
        self.command = QLineEdit(self)
        self.command.setPlaceholderText("npx")
        self.args = QLineEdit(self)
        self.args.setPlaceholderText("-y @modelcontextprotocol/server-filesystem ~/Documents")
        self.env = QPlainTextEdit(self)
        self.env.setPlaceholderText("API_KEY=…  (one per line)")
        self.env.setFixedHeight(64)
        self.url = QLineEdit(self)
        self.url.setPlaceholderText("https://example.com/mcp")
        self.headers = QPlainTextEdit(self)
        self.headers.setPlaceholderText("Authorization: Bearer …  (one per line)")
        self.headers.setFixedHeight(64)
        self.error = QLabel(self)
        self.error.setObjectName("formError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet(f"color: {current_theme().danger};")
        self.error.hide()
        self.add_button = QPushButton("Add", self)
        self.add_button.setDefault(True)
        self.add_button.clicked.connect(self.submit)
        cancel = QPushButton("Cancel", self)
        cancel.clicked.connect(self.reject)
        form = QFormLayout()
        form.addRow("Name", self.name)
        form.addRow(self.local)
        form.addRow("Command", self.command)
        form.addRow("Arguments", self.args)
        form.addRow("Environment", self.env)
        form.addRow(self.remote)
        form.addRow("URL", self.url)
        form.addRow("Headers", self.headers)
        note = QLabel(SECRETS_NOTE, self)
        note.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(cancel)
        buttons.addWidget(self.add_button)
        column = QVBoxLayout(self)
        column.addLayout(form)
        column.addWidget(note)
        column.addWidget(self.error)
        column.addLayout(buttons)
        self.local.toggled.connect(self._show_kind)
        self._show_kind()

    def _show_kind(self, *_args) -> None:
        local = self.local.isChecked()
        for field in (self.command, self.args, self.env):
            field.setEnabled(local)
        for field in (self.url, self.headers):
            field.setEnabled(not local)

    def config(self) -> ServerConfig:
        name = self.name.text().strip()
        if self.local.isChecked():
            command = self.command.text().strip()
            if not command:
                raise ToolConfigError("Write the command that starts the server.")
            try:
                args = tuple(shlex.split(self.args.text()))
            except ValueError as exc:
                raise ToolConfigError(f"The arguments could not be read ({exc}).") from None
            env = parse_pairs(self.env.toPlainText(), "=", "variable")
            return ServerConfig(name, command=command, args=args, env=env)
        url = self.url.text().strip()
        if not url.lower().startswith(("http://", "https://")):
            raise ToolConfigError("The URL should start with http:// or https://.")
        headers = parse_pairs(self.headers.toPlainText(), ":", "header")
        return ServerConfig(name, url=url, headers=headers)

    def submit(self) -> None:
        try:
            config = self.config()
            self._tools.add(config, replace=False)
        except HearthError as err:
            self.error.setText(err.plain())
            self.error.show()
            return
        self.added.emit([config.name])
        self.accept()


class PasteJsonDialog(QDialog):
    added = Signal(list)

    def __init__(self, tools: ToolsService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Paste MCP servers")
        self.setMinimumSize(520, 320)
        self._tools = tools
        intro = QLabel(
            "Paste the JSON a server's instructions give (the Claude Desktop format).", self
        )
        intro.setWordWrap(True)
        self.text = QPlainTextEdit(self)
        self.text.setPlaceholderText(PASTE_HINT)
        self.error = QLabel(self)
        self.error.setObjectName("formError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet(f"color: {current_theme().danger};")
        self.error.hide()
        self.add_button = QPushButton("Add servers", self)
        self.add_button.setDefault(True)
        self.add_button.clicked.connect(self.submit)
        cancel = QPushButton("Cancel", self)
        cancel.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(cancel)
        buttons.addWidget(self.add_button)
        column = QVBoxLayout(self)
        column.addWidget(intro)
        column.addWidget(self.text, 1)
        column.addWidget(QLabel(SECRETS_NOTE, self, wordWrap=True))
        column.addWidget(self.error)
        column.addLayout(buttons)

    def submit(self) -> None:
        try:
            names = self._tools.import_json(self.text.toPlainText())
        except HearthError as err:
            self.error.setText(err.plain())
            self.error.show()
            return
        self.added.emit(names)
        self.accept()
