"""uvicorn, configured to run as one task on the caller's event loop and to leave the process
alone: no signal handlers (the window and `hearth serve` own Ctrl+C), no logging set-up, no
access log (requests are logged by ServerService as one line each)."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import uvicorn

from app.server.app import build_app
from app.services.serve_records import MAX_BODY_BYTES

if TYPE_CHECKING:
    from app.services.serving import ServerService


def config_for(app: Any) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        log_config=None,
        access_log=False,
        lifespan="off",
        ws="none",
        http="h11",  # pure Python: no optional C parser to bundle or to differ between machines
        loop="none",  # the loop that is already running
        timeout_graceful_shutdown=2,
        h11_max_incomplete_event_size=MAX_BODY_BYTES,
        server_header=False,
    )


class QuietServer(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class Running:
    """One serving run: stop() ends it, giving running requests two seconds to finish."""

    def __init__(self, server: QuietServer, task: asyncio.Task) -> None:
        self.server, self.task = server, task

    @property
    def alive(self) -> bool:
        return not self.task.done()

    async def stop(self) -> None:
        self.server.should_exit = True
        try:
            await asyncio.wait_for(asyncio.shield(self.task), timeout=3)
        except (TimeoutError, asyncio.CancelledError):
            self.task.cancel()
            with contextlib.suppress(BaseException):
                await self.task


async def start(service: ServerService, sock: socket.socket) -> Running:
    server = QuietServer(config_for(build_app(service)))
    task = asyncio.create_task(server.serve(sockets=[sock]), name="local-server")
    while not server.started and not task.done():
        await asyncio.sleep(0.01)
    if task.done():  # startup failed: its exception, in plain words by the caller
        task.result()
    return Running(server, task)
