"""Keeps a reference to every running coroutine the window starts, and reports their crashes."""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Coroutine

log = logging.getLogger(__name__)


class TaskKeeper:
    """asyncio keeps only weak references to tasks; without this one a task could vanish mid-run."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task] = set()

    def spawn(self, coro: Coroutine, *, name: str | None = None) -> asyncio.Task:
        task = asyncio.ensure_future(coro)
        if name:
            task.set_name(name)
        self._tasks.add(task)
        task.add_done_callback(self._finished)
        return task

    @property
    def running(self) -> int:
        return sum(1 for t in self._tasks if not t.done())

    def cancel_all(self) -> None:
        for task in list(self._tasks):
            task.cancel()

    def _finished(self, task: asyncio.Task) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            return
        error = task.exception()
        if error is not None:
            # Through sys.excepthook, so the app shows its apology and tests fail loudly.
            sys.excepthook(type(error), error, error.__traceback__)
