"""The local server in the window: switching it on and off (from Settings → Local server or at
start-up), the status bar line, and what closing the window does while it serves.

A controller MainWindow composes. The server runs as a task on the window's own event loop
(app/services/serving.py), so nothing here waits on it: each change is a task, one at a time.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QStatusBar, QWidget

from app.core.errors import HearthError
from app.services.serve_records import ServedRequest
from app.ui.server.server_close import CloseGuard
from app.ui.server.server_status import ServerStatus
from app.ui.server.server_text import port_of

if TYPE_CHECKING:
    from app.services import Services
    from app.ui.shell.tasks import TaskKeeper

log = logging.getLogger(__name__)
SETTLE_MS = 500


class ServerController(QObject):
    changed = Signal()  # started, stopped or could not start: the page and status bar follow
    request_done = Signal(object)  # a ServedRequest, as each request ends
    # Requests ended (said at most every SETTLE_MS): the totals, budget and chat list may have
    # changed. Twenty clients at once must not mean twenty reloads of the status bar.
    served = Signal()

    def __init__(
        self,
        window: QWidget,
        services: Services,
        tasks: TaskKeeper,
        *,
        status_bar: QStatusBar,
        open_page: Callable[[], object],  # Settings → Local server
    ) -> None:
        super().__init__(window)
        self.services = services
        self.server = services.server
        self.settings = services.settings
        self.tasks = tasks
        self.error: str | None = None  # why it could not start, in plain words
        self.count = 0  # requests since it last started
        self._turn = asyncio.Lock()  # one start or stop at a time, in the order asked
        self.status = ServerStatus(status_bar)
        self.status.clicked.connect(lambda: open_page())
        self.guard = CloseGuard(window, self)
        self._settle = QTimer(self)
        self._settle.setSingleShot(True)
        self._settle.setInterval(SETTLE_MS)
        self._settle.timeout.connect(self.served)
        self.server.on_request.append(self._on_request)

    @property
    def running(self) -> bool:
        return self.server.running

    @property
    def address(self) -> str | None:
        return self.server.address

    @property
    def port(self) -> int | None:
        return port_of(self.server.local_address)

    def start_with_app(self) -> asyncio.Task | None:
        """At start-up: serve if the user left the server on."""
        if not self.server.setting("server_enabled"):
            return None
        return self.tasks.spawn(self.start(), name="server-start")

    def switch(self, on: bool) -> asyncio.Task:
        """The on/off switch: remembered for the next start, then applied."""
        self.settings.set("server_enabled", on)
        return self.tasks.spawn(self._switch_on() if on else self.stop(), name="server-switch")

    async def _switch_on(self) -> bool:
        started = await self.start()
        if not started:  # a taken port: off until the user tries again (or changes the port)
            self.settings.set("server_enabled", False)
            self._changed()
        return started

    def restart(self) -> asyncio.Task | None:
        """A setting read at start (port, network, CORS) changed: serve again with it."""
        if not self.running:
            return None
        return self.tasks.spawn(self.start(), name="server-restart")

    async def start(self) -> bool:
        async with self._turn:
            try:
                await self.server.start()
            except HearthError as err:
                self.error = err.plain()
                log.info("Local server could not start: %s", self.error)
            except OSError as err:  # uvicorn's own start-up failures are socket errors
                log.exception("Local server could not start")
                self.error = f"The local server could not start ({err.strerror or err})."
            else:
                self.error = None
                self.count = 0
            self._changed()
            return self.error is None

    async def stop(self) -> None:
        async with self._turn:
            await self.server.stop()
            self.error = None
            self._changed()

    def detach(self) -> None:
        """The window is closing for good: no more calls into it from the server."""
        if self._on_request in self.server.on_request:
            self.server.on_request.remove(self._on_request)
        self._settle.stop()  # its refresh would reach services about to close
        self.guard.close()

    def _on_request(self, done: ServedRequest) -> None:
        # Called on the loop as each request ends: counting and one row are cheap.
        self.count += 1
        self.status.show_state(self)
        self.request_done.emit(done)
        if not self._settle.isActive():
            self._settle.start()

    def _changed(self) -> None:
        self.status.show_state(self)
        self.changed.emit()
