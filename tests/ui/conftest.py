"""Fixtures every window test shares: a qasync loop on pytest-qt's QApplication, real windows over
real services, a short-context tiny model (OpenAI's wire format on loopback is app-wide).

The loop is created with already_running=True, so asyncio callbacks run whenever Qt processes
events — inside qtbot.wait/waitUntil — and the test body itself never runs inside a task.
(tests/conftest.py holds what the whole suite shares; tests/ui/support.py the helpers.)
"""

from __future__ import annotations

import asyncio
import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("HEARTH_THEME", "light")  # screenshots and colours do not vary by host

import pytest  # noqa: E402
import qasync  # noqa: E402

from tests.ui.support import Opened  # noqa: E402


@pytest.fixture
def qloop(qapp):
    from app.ui.shell.app import install_asyncgen_hooks

    loop = qasync.QEventLoop(qapp, already_running=True)
    asyncio.set_event_loop(loop)
    previous_hooks = install_asyncgen_hooks(loop)
    yield loop
    sys.set_asyncgen_hooks(*previous_hooks)
    # Undo "already running" by hand, so later tests may call asyncio.run() again.
    asyncio.events._set_running_loop(None)
    loop._QEventLoop__is_running = False
    loop.close()
    asyncio.set_event_loop(None)


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
