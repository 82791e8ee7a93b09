"""Runs one compare (a prompt to two or three models) and routes each update to its column."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from PySide6.QtCore import QObject, Signal

from app.core.chat import ModelInfo
from app.core.errors import HearthError
from app.core.events import Notice, Retrying, TextDelta
from app.services import Services
from app.services.chat import FallbackUsed, ModelLoading, ReplyFinished, ReplyStarted
from app.ui.chat import RetryCountdown
from app.ui.compare.compare_view import CompareView
from app.ui.shell.tasks import TaskKeeper


class CompareSession(QObject):
    busy_changed = Signal(bool)
    conversation_started = Signal(object)  # the ReplyStarted that carries the user's message
    finished = Signal()
    failed = Signal(object)  # HearthError raised before any answer started

    def __init__(self, services: Services, view: CompareView, tasks: TaskKeeper) -> None:
        super().__init__(view)
        self._services = services
        self._view = view
        self._tasks = tasks
        self._task: asyncio.Task | None = None
        self._countdowns: dict[int, RetryCountdown] = {}
        self.conversation_id: int | None = None

    @property
    def busy(self) -> bool:
        return self._task is not None and not self._task.done()

    @property
    def task(self) -> asyncio.Task | None:
        return self._task

    def start(
        self, *, conversation_id: int | None, text: str, models: list[ModelInfo], documents=None
    ) -> asyncio.Task:
        self.conversation_id = conversation_id
        self._view.start(text, models)
        self._countdowns = {
            i: RetryCountdown(lambda line, c=column: c.set_status(line), self)
            for i, column in enumerate(self._view.columns)
        }
        updates = self._services.chat.compare(
            conversation_id=conversation_id,
            text=text,
            model_ids=[m.id for m in models],
            documents=documents,
        )
        self._task = self._tasks.spawn(self._consume(updates), name="compare")
        return self._task

    def stop(self) -> None:
        if self.busy:
            self._services.chat.stop()

    async def _consume(self, updates: AsyncIterator) -> None:
        self.busy_changed.emit(True)
        try:
            async for index, update in updates:
                self._apply(index, update)
        except HearthError as error:
            self.failed.emit(error)
        finally:
            for countdown in self._countdowns.values():
                countdown.stop()
            self.busy_changed.emit(False)
            self.finished.emit()

    def _apply(self, index: int, update) -> None:
        column = self._view.column(index)
        if isinstance(update, TextDelta):
            self._countdowns[index].stop()
            self._view.add_text(index, update.text)
        elif isinstance(update, ReplyStarted):
            self.conversation_id = update.conversation.id
            column.started(update.reply)
            if update.user_message is not None:
                self.conversation_started.emit(update)
        elif isinstance(update, ModelLoading):
            if update.progress == 1.0:
                column.model_ready()
            else:
                column.set_status(f"Loading {update.model.display_name}…")
        elif isinstance(update, Retrying):
            self._countdowns[index].start(update)
        elif isinstance(update, (FallbackUsed, Notice)):
            column.set_status(update.text)
        elif isinstance(update, ReplyFinished):
            self._countdowns[index].stop()
            column.finish(update.message, update.error)
