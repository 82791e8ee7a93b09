"""The coroutines one window starts, cancelled when that window is destroyed.

A coroutine that awaits the database or the network may resume after its window is gone; then
the first widget it touches raises “Internal C++ object already deleted”. Cancelling them when
the window's C++ object is destroyed means none of them resumes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine

from PySide6.QtCore import QObject

from app.ui.shell.tasks import TaskKeeper


class OwnedTasks:
    def __init__(self, owner: QObject, keeper: TaskKeeper) -> None:
        self._keeper = keeper
        self._tasks: set[asyncio.Task] = set()
        # A plain callable, not a slot of the owner: it must still run while the owner dies.
        owner.destroyed.connect(self.cancel_all)

    def spawn(self, coro: Coroutine, *, name: str | None = None) -> asyncio.Task:
        task = self._keeper.spawn(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def cancel_all(self, *_args) -> None:
        for task in list(self._tasks):
            task.cancel()
