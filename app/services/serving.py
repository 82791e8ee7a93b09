"""The local API server as a service: start it, stop it, see who used it. No Qt.

The window (Settings → Local server, the status bar, the tray) and `hearth serve` both drive it
through this one class; the HTTP side (Starlette routes, wire formats) is app/server/, built here
on start so nothing of it is imported until the user switches the server on.

Interface (stable; the window builds on it):

    server = ServerService(settings=..., models=..., usage=..., db=..., source=...,
                           memory=..., documents=...)  # the last two: the `hearth` field
    address = await server.start(port=8745, network=False)   # "http://127.0.0.1:8745"
    server.running, server.address                           # bool, str | None
    server.requests                                          # recent ServedRequest, oldest first
    server.on_request.append(callback)                       # callback(ServedRequest), on the loop
    server.tokens.create("Obsidian") -> secret (shown once)  # kept in the keychain
    server.tokens.names() -> ["Obsidian"];  server.tokens.revoke("Obsidian")
    await server.stop()

start() raises PortInUse (the port is taken) or NeedsAToken (network=True with no token yet);
both are HearthErrors with plain words. Calling start() while running restarts on the new port.
The HTTP side is handed in by the composition root (`server.front_door = app.server.front_door`,
done in app/__main__.py and `hearth serve`), since services never import a front door.

Settings keys (defaults in serve_records.SERVER_DEFAULTS): server_enabled (the window starts it
on launch), server_port (8745), server_network (serve on every interface; every request then
needs a token), server_cloud_models ("Let other apps use my cloud models", off), server_keep_chats
("Keep served chats in history", off), server_cors_origins (list; empty = CORS off),
server_queue_length (local requests that may wait behind the running one), server_tokens (names
only), server_privacy_allowed (app names whose requests may carry detected secrets to the cloud).

uvicorn runs as a task on the caller's event loop (the window's qasync loop, or the CLI's): the
server only parses, queues and forwards, so it never holds the loop for long, and local
generation goes through the one model owner thread like every chat (ReplySource).
"""

from __future__ import annotations

import logging
import os
import socket
from collections import deque
from collections.abc import Awaitable, Callable, Iterator
from typing import TYPE_CHECKING, Any

from app.services.serve_records import DEFAULT_PORT, SERVER_DEFAULTS, ServedRequest
from app.services.serve_tokens import ServerTokens
from app.services.serving_errors import NeedsAToken, PortInUse, ServerUnavailable

if TYPE_CHECKING:
    from app.services.doc_chat import DocumentChat
    from app.services.memory import MemoryService
    from app.services.models import ModelService
    from app.services.reply_source import ReplySource
    from app.services.serve_gateway import Gateway
    from app.services.usage import UsageService
    from app.services.worker import DbWorker
    from app.store.settings import Settings

log = logging.getLogger(__name__)

RECENT = 200  # requests kept for the live list
# app.server.front_door: serves the service on a bound socket, returns a handle with stop().
FrontDoor = Callable[["ServerService", socket.socket], Awaitable[Any]]


class ServerService:
    def __init__(
        self,
        *,
        settings: Settings,
        models: ModelService,
        usage: UsageService,
        db: DbWorker,
        source: ReplySource,
        memory: MemoryService | None = None,
        documents: DocumentChat | None = None,
    ) -> None:
        self._settings = settings
        self.tokens = ServerTokens(settings)
        # The request gateway (and what it imports) is built when first used: most starts of
        # Hearth never serve.
        self._parts = dict(
            settings=settings,
            models=models,
            usage=usage,
            db=db,
            source=source,
            record=self._record,
            memory=memory,
            documents=documents,
        )
        self._gateway: Gateway | None = None
        self.requests: deque[ServedRequest] = deque(maxlen=RECENT)
        self.on_request: list[Callable[[ServedRequest], None]] = []
        # The HTTP side (app.server.front_door), handed in by the composition root: the
        # services never import a front door.
        self.front_door: FrontDoor | None = None
        self._running: Any = None  # app.server.runner.Running
        self.address: str | None = None
        self.local_address: str | None = None  # always the loopback one (for this computer)
        self.network = False

    @property
    def gateway(self) -> Gateway:
        if self._gateway is None:
            from app.services.serve_gateway import Gateway

            self._gateway = Gateway(**self._parts)
        return self._gateway

    def setting(self, key: str) -> Any:
        value = self._settings.get(key)
        return SERVER_DEFAULTS.get(key) if value is None else value

    @property
    def running(self) -> bool:
        return self._running is not None and self._running.alive

    async def start(self, *, port: int | None = None, network: bool | None = None) -> str:
        """Serve on `port` (settings' when None); loopback only unless `network`. Returns the
        address other apps use."""
        if self.front_door is None:
            raise ServerUnavailable()
        port = int(port if port is not None else self.setting("server_port") or DEFAULT_PORT)
        network = bool(self.setting("server_network") if network is None else network)
        if network and not self.tokens.names():
            raise NeedsAToken()
        await self.stop()
        sock = _bind(port, network)
        self.network = network  # before the first request: the guard asks for tokens by it
        try:
            self._running = await self.front_door(self, sock)
        except BaseException:
            sock.close()
            raise
        port = sock.getsockname()[1]  # port 0: the one the system chose (tests)
        self.local_address = f"http://127.0.0.1:{port}"
        self.address = f"http://{_lan_address()}:{port}" if network else self.local_address
        log.info("Local server on %s", self.address)
        return self.address

    async def stop(self) -> None:
        """Stop serving; requests still running are given two seconds to end, then cut."""
        running, self._running = self._running, None
        self.address = self.local_address = None
        if running is None:
            return
        await running.stop()
        if self._gateway is not None:
            await self._gateway.close()
        log.info("Local server stopped")

    def _record(self, done: ServedRequest) -> None:
        self.requests.append(done)
        for callback in list(self.on_request):
            try:
                callback(done)
            except Exception:  # one broken listener must not stop the others or the request
                log.exception("A request listener failed")

    def recent(self) -> Iterator[ServedRequest]:
        return iter(list(self.requests))


def _bind(port: int, network: bool) -> socket.socket:
    """The listening socket, bound here so a taken port is a plain error (uvicorn would exit)."""
    host = "0.0.0.0" if network else "127.0.0.1"
    # IPPROTO_TCP spelled out: asyncio turns Nagle off (TCP_NODELAY) only on sockets whose
    # proto says TCP; with proto 0 every small answer waited ~40 ms for a delayed ACK.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    if os.name != "nt":  # on Windows the same flag would let two servers share the port
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as err:
        sock.close()
        raise PortInUse(f"Port {port} is already used by another program.") from err
    sock.listen(128)
    sock.setblocking(False)
    return sock


def _lan_address() -> str:
    """This computer's address on the local network, as other computers would use it. Found
    without sending anything (offline mode must hold): the host name's own address."""
    try:
        address = socket.gethostbyname(socket.gethostname())
    except OSError:
        return "0.0.0.0"
    return address if not address.startswith("127.") else "0.0.0.0"
