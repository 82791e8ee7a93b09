"""uvicorn, configured to run as one task on the caller's event loop and to leave the process
alone: no signal handlers (the window and `hearth serve` own Ctrl+C), no logging set-up, no
access log (requests are logged by ServerService as one line each)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import uvicorn

from app.services.serve_records import MAX_BODY_BYTES


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
