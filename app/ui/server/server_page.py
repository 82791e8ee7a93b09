"""Settings → Local server: on/off and port, the address and sample code to copy, what other
apps may do (cloud models, history), closing to the tray, the network with its access tokens,
CORS origins, and the live list of recent requests.

Switching and restarting go through ServerController as tasks: the page never waits on them.
"""

from __future__ import annotations

from PySide6.QtGui import QIntValidator
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app.services import Services
from app.services.serving_errors import NeedsAToken
from app.ui.server import server_text as words
from app.ui.server.copy_button import CopyButton
from app.ui.server.request_list import RequestList
from app.ui.server.server_actions import ServerController
from app.ui.server.server_close import KEEP_RUNNING
from app.ui.server.snippet_box import SnippetBox
from app.ui.server.token_box import TokenBox
from app.ui.settings import separator, setting_row
from app.ui.shell.switch import Switch
from app.ui.shell.tasks import TaskKeeper

OFF_ADDRESS = "Switch the server on to get its address."


class ServerPage(QScrollArea):
    def __init__(
        self, services: Services, tasks: TaskKeeper, server: ServerController, parent=None
    ) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setFrameShape(QScrollArea.Shape.NoFrame)
        self.services, self.tasks, self.server = services, tasks, server
        self.settings = services.settings
        self.model_name = words.SOME_MODEL  # a real one once the server lists its models
        self.pending = None  # the last start, stop or restart asked for (tests wait on it)
        body = QWidget(self)
        self._build(body)
        self.setWidget(body)
        server.changed.connect(self.refresh)
        server.request_done.connect(self.requests.add)
        self.requests.fill(server.server.recent())
        self.refresh()

    def _build(self, body: QWidget) -> None:
        s = self.server.server.setting
        self.enable = self._switch("Local server", s("server_enabled") and self.server.running)
        self.enable.toggled.connect(self._switched)
        self.port = QLineEdit(str(s("server_port")), body)
        self.port.setObjectName("settingsField")
        self.port.setValidator(QIntValidator(1024, 65535, self.port))  # no root-only ports
        self.port.setFixedWidth(90)
        self.port.editingFinished.connect(self._port_changed)
        self.error = QLabel("", body)
        self.error.setObjectName("errorLine")
        self.error.setWordWrap(True)
        self.address = QLineEdit(body)
        self.address.setObjectName("settingsField")
        self.address.setReadOnly(True)
        self.copy_address = CopyButton(self.address.text, body)
        self.curl = SnippetBox("Try it from a terminal (curl)", body)
        self.python = SnippetBox("Or from Python (the openai package)", body)
        self.cloud = self._switch("Let other apps use my cloud models", s("server_cloud_models"))
        self.cloud.toggled.connect(self._cloud_changed)
        self.keep_chats = self._switch("Keep served chats in history", s("server_keep_chats"))
        self.keep_chats.toggled.connect(lambda on: self.settings.set("server_keep_chats", on))
        self.keep_running = self._switch(
            "Keep the server running when I close the window",
            self.settings.get(KEEP_RUNNING, False),
        )
        self.keep_running.toggled.connect(lambda on: self.settings.set(KEEP_RUNNING, on))
        has_tray = self.server.guard.tray_available()
        self.keep_running.setEnabled(has_tray)
        self.network = self._switch("Serve to other computers on my network", s("server_network"))
        self.network.toggled.connect(self._network_changed)
        self.tokens = TokenBox(self.server.server.tokens, body)
        self.tokens.changed.connect(self._tokens_changed)
        self.cors = QLineEdit(", ".join(s("server_cors_origins") or []), body)
        self.cors.setObjectName("settingsField")
        self.cors.setPlaceholderText("No web pages (CORS off)")
        self.cors.editingFinished.connect(self._cors_changed)
        self.allowed = QLineEdit(", ".join(s("server_privacy_allowed") or []), body)
        self.allowed.setObjectName("settingsField")
        self.allowed.setPlaceholderText("No app")
        self.allowed.editingFinished.connect(self._allowed_changed)
        self.requests = RequestList(body)
        self.requests.allow_requested.connect(self.allow_app)

        address_row = QHBoxLayout()
        address_row.addWidget(self.address, 1)
        address_row.addWidget(self.copy_address)
        tray_text = words.TRAY_TEXT if has_tray else words.NO_TRAY_TEXT
        line = separator  # between groups of settings
        # Top to bottom: a (title, text, control) row, a widget, a layout or a separator.
        parts = [
            ("Serve models to other apps", words.ENABLE_TEXT, self.enable),
            self.error,
            ("Port", words.PORT_TEXT, self.port),
            address_row,
            self.curl,
            self.python,
            line,
            ("Let other apps use my cloud models", words.CLOUD_TEXT, self.cloud),
            ("Keep served chats in history", words.KEEP_CHATS_TEXT, self.keep_chats),
            ("Keep running when I close the window", tray_text, self.keep_running),
            ("Apps that may send secrets to cloud models", words.PRIVACY_TEXT, None),
            self.allowed,
            line,
            ("Serve to other computers on my network", words.NETWORK_TEXT, self.network),
            ("Access tokens", words.TOKENS_TEXT, None),
            self.tokens,
            ("Web pages allowed to call it (CORS)", words.CORS_TEXT, None),
            self.cors,
            line,
            ("Recent requests", words.REQUESTS_TEXT, None),
        ]
        layout = QVBoxLayout(body)
        layout.setContentsMargins(28, 22, 28, 22)
        layout.setSpacing(4)
        for part in parts:
            if isinstance(part, tuple):
                layout.addLayout(setting_row(*part, body))
            elif part is line:
                layout.addWidget(separator(body))
            elif isinstance(part, QHBoxLayout):
                layout.addLayout(part)
            else:
                layout.addWidget(part)
        layout.addWidget(self.requests, 1)

    def _switch(self, name: str, on: bool) -> Switch:
        switch = Switch(name, self)
        switch.setChecked(bool(on))
        return switch

    # -- showing the state ---------------------------------------------------------------------

    def refresh(self) -> None:
        running = self.server.running
        self._set_checked(self.enable, running or (self._wanted() and self.server.error is None))
        self.error.setText(self.server.error or "")
        self.error.setVisible(bool(self.server.error))
        address = self.server.address or ""
        self.address.setText(address if running else "")
        self.address.setPlaceholderText(OFF_ADDRESS)
        self.copy_address.setEnabled(running)
        shown = address if running else f"http://127.0.0.1:{self.port_number()}"
        token = bool(self.server.server.setting("server_network"))
        self.curl.set_text(words.curl_snippet(shown, self.model_name, token=token))
        self.python.set_text(words.python_snippet(shown, self.model_name, token=token))
        if running and self.model_name == words.SOME_MODEL:
            self.tasks.spawn(self._find_model_name(), name="server-model-name")

    async def _find_model_name(self) -> None:
        offered = await self.server.server.gateway.offered()
        if offered:
            self.model_name = offered[0].id
            self.refresh()

    def _wanted(self) -> bool:
        return bool(self.server.server.setting("server_enabled"))

    @staticmethod
    def _set_checked(switch: Switch, on: bool) -> None:
        switch.blockSignals(True)
        switch.setChecked(on)
        switch.blockSignals(False)
        switch.update()

    # -- what the user changes -----------------------------------------------------------------

    def _switched(self, on: bool) -> None:
        self.pending = self.server.switch(on)

    def port_number(self) -> int:
        text = self.port.text()
        return int(text) if text.isdigit() else int(self.server.server.setting("server_port"))

    def _port_changed(self) -> None:
        if self.port_number() == self.server.server.setting("server_port"):
            return
        self.settings.set("server_port", self.port_number())
        self.pending = self.server.restart()
        self.refresh()

    def _cloud_changed(self, on: bool) -> None:
        self.settings.set("server_cloud_models", on)
        self.model_name = words.SOME_MODEL
        self.refresh()

    def _network_changed(self, on: bool) -> None:
        if on and not self.server.server.tokens.names():
            self._set_checked(self.network, False)
            self.error.setText(NeedsAToken().plain())
            self.error.show()
            self.tokens.name.setFocus()
            return
        self.settings.set("server_network", on)
        self.pending = self.server.restart()
        self.refresh()

    def _tokens_changed(self) -> None:
        if self.network.isChecked() and not self.server.server.tokens.names():
            self._network_changed(False)  # no token left: back to this computer only
            self._set_checked(self.network, False)
        self.refresh()  # a “needs a token” note goes once there is one

    def _cors_changed(self) -> None:
        origins = [o.strip().rstrip("/") for o in self.cors.text().split(",") if o.strip()]
        if origins == list(self.server.server.setting("server_cors_origins") or []):
            return
        self.settings.set("server_cors_origins", origins)
        self.pending = self.server.restart()  # the allowed origins are read when it starts

    def allow_app(self, name: str) -> None:
        """Let `name`'s requests carry detected secrets to cloud models (read per request)."""
        names = _names(self.allowed.text())
        if name not in names:
            self.allowed.setText(", ".join([*names, name]))
        self._allowed_changed()

    def _allowed_changed(self) -> None:
        self.settings.set("server_privacy_allowed", _names(self.allowed.text()))


def _names(text: str) -> list[str]:
    return [n.strip() for n in text.split(",") if n.strip()]
