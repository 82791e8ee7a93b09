"""Shared fixtures for the window tests: a qasync loop on pytest-qt's QApplication, real services.

The loop is created with already_running=True, so asyncio callbacks run whenever Qt processes
events — inside qtbot.wait/waitUntil — and the test body itself never runs inside a task.
"""

from __future__ import annotations

import asyncio
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("HEARTH_THEME", "light")  # screenshots and colours do not vary by host

import pytest  # noqa: E402
import qasync  # noqa: E402

from app.services import open_services  # noqa: E402
from app.ui import create_main_window  # noqa: E402

TIMEOUT_MS = 20_000


@pytest.fixture
def qloop(qapp):
    loop = qasync.QEventLoop(qapp, already_running=True)
    asyncio.set_event_loop(loop)
    yield loop
    # Undo "already running" by hand, so later tests may call asyncio.run() again.
    asyncio.events._set_running_loop(None)
    loop._QEventLoop__is_running = False
    loop.close()
    asyncio.set_event_loop(None)


def wait_for(qtbot, awaitable, timeout: int = TIMEOUT_MS):
    """Run a coroutine on the qasync loop while Qt keeps processing events; return its result."""
    task = asyncio.ensure_future(awaitable)
    qtbot.waitUntil(task.done, timeout=timeout)
    return task.result()


class Opened:
    def __init__(self, qtbot, data_dir) -> None:
        self._qtbot = qtbot
        self._data_dir = data_dir
        self._open: list = []

    def __call__(self):
        services = open_services(self._data_dir)
        window = create_main_window(services)
        window.show()
        self._open.append((window, services))
        wait_for(self._qtbot, window.ready)
        return window, services

    def close(self, window, services) -> None:
        window.close()
        window.tasks.cancel_all()
        wait_for(self._qtbot, services.close())
        self._open.remove((window, services))

    def close_all(self) -> None:
        for window, services in list(self._open):
            self.close(window, services)


@pytest.fixture
def open_window(qtbot, qloop, data_dir, monkeypatch):
    """open_window() → (window, services) on this test's data folder; all closed at the end."""
    # llama.cpp spin-waits between its threads; with one per core on a busy two-core machine a
    # reply can crawl at a few tokens a second. One thread keeps these tests quick everywhere.
    monkeypatch.setattr("app.providers.llama_local.default_threads", lambda: 1)
    opened = Opened(qtbot, data_dir)
    yield opened
    opened.close_all()


@pytest.fixture(scope="session")
def short_gguf(tmp_path_factory):
    """A tiny model with a 256-token context: its replies end within a few hundred tokens."""
    from tests.gguf_factory import write_tiny_gguf

    return write_tiny_gguf(tmp_path_factory.mktemp("short") / "short-chat.gguf", n_ctx=256)
