"""Raw asyncio servers on 127.0.0.1, on an event loop of their own in a daemon thread.

The base of the test servers that speak a wire format byte for byte (tests/wire_servers.py,
tests/hub_server.py): a subclass lists its connection handlers; each gets a port of its own.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from typing import Self

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


class LoopbackServers:
    thread_name = "loopback-server"

    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread: threading.Thread | None = None
        self._servers: list[asyncio.base_events.Server] = []
        self.ports: list[int] = []

    def handlers(self) -> list[Handler]:
        """One connection handler per server to start, in the order of self.ports."""
        raise NotImplementedError

    def __enter__(self) -> Self:
        ready = threading.Event()

        def run() -> None:
            asyncio.set_event_loop(self._loop)
            for handler in self.handlers():
                server = self._loop.run_until_complete(
                    asyncio.start_server(handler, "127.0.0.1", 0)
                )
                self._servers.append(server)
                self.ports.append(server.sockets[0].getsockname()[1])
            ready.set()
            self._loop.run_forever()

        self._thread = threading.Thread(target=run, name=self.thread_name, daemon=True)
        self._thread.start()
        ready.wait(5)
        return self

    def __exit__(self, *exc: object) -> None:
        async def shutdown() -> None:
            for server in self._servers:
                server.close()
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(shutdown(), self._loop).result(5)
        self._loop.call_soon_threadsafe(self._loop.stop)
        assert self._thread is not None
        self._thread.join(5)
        self._loop.close()


def closed_port() -> int:
    """A loopback port nobody listens on: connecting is refused, nothing is written."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def closed_port_endpoint() -> str:
    """A loopback address where nothing listens (the port was free a moment ago)."""
    return f"http://127.0.0.1:{closed_port()}"
