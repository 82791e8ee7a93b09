"""Comparing answers side by side: choosing the models, the checks before words leave
(privacy for the online one, then the budget), keeping one answer or going back to the chat.

A controller MainWindow composes: it is given the services, the task keeper, the compare
session, the widgets it drives (the compare view, the chat stack, the composer, the header) and
the model controller, and asks the window only through the narrow `CompareHost` interface
(sending goes through the chat's send controller there).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from PySide6.QtWidgets import QStackedWidget, QWidget

from app.core.chat import ModelInfo
from app.core.errors import HearthError
from app.services.chat import ReplyStarted
from app.ui.compare.compare_chooser import CompareChooser

if TYPE_CHECKING:
    from app.services import Services
    from app.ui.chat import Composer
    from app.ui.compare.compare_session import CompareSession
    from app.ui.compare.compare_view import CompareView
    from app.ui.conversations import ConversationController
    from app.ui.models import ModelController, ModelHeader
    from app.ui.shell.tasks import TaskKeeper


class CompareHost(Protocol):
    """What comparing asks of the window."""

    @property
    def busy(self) -> bool: ...  # a reply or a comparison is being written

    def check_then(self, text, model, proceed: Callable, *, history=()) -> None: ...  # privacy

    def guard_budget(self, models, draft, proceed, on_cancel=None) -> None: ...

    def with_documents(self, question, model, proceed) -> None: ...  # passages, as when sent

    def send_now(self, text: str, model: ModelInfo | None, *, documents=None) -> None: ...

    def show_failure(self, error: HearthError) -> None: ...

    def _keep(self, dialog: QWidget) -> None: ...  # a non-modal dialog, kept alive while open


class CompareController:
    def __init__(
        self,
        window: QWidget,
        services: Services,
        tasks: TaskKeeper,
        *,
        session: CompareSession,
        view: CompareView,
        chat_stack: QStackedWidget,
        empty_chat: QWidget,
        composer: Composer,
        header: ModelHeader,
        models: ModelController,
        chats: ConversationController,
        host: CompareHost,
    ) -> None:
        self.window = window  # parent of the chooser
        self.services = services
        self.tasks = tasks
        self.compare_session = session
        self.compare_view = view
        self.chat_stack = chat_stack
        self.empty_chat = empty_chat
        self.composer = composer
        self.header = header
        self.models = models
        self.chats = chats  # the chat on screen, opening one, its title
        self.host = host
        self.compare_chooser: CompareChooser | None = None
        composer.compare_requested.connect(self.ask_compare)
        view.keep_requested.connect(self.keep_answer)
        view.back_requested.connect(self.leave_compare)
        session.conversation_started.connect(self._on_compare_started)
        session.failed.connect(self._on_compare_failed)

    @property
    def comparing(self) -> bool:
        return self.chat_stack.currentWidget() is self.compare_view

    def ask_compare(self, text: str) -> CompareChooser:
        settings = self.services.settings
        chooser = CompareChooser(
            self.models.groups,
            favourites=settings.get("favourite_models") or [],
            recent=settings.get("recent_models") or [],
            offline=self.services.providers.offline,
            current_id=self.models.current_model.id if self.models.current_model else None,
            parent=self.window,
        )
        chooser.chosen.connect(lambda ids: self.compare(text, ids))
        self.compare_chooser = chooser
        self.host._keep(chooser)
        chooser.open()
        return chooser

    def compare(self, text: str, model_ids: list[str]) -> None:
        models = [m for m in (self.models.find_model(i) for i in model_ids) if m is not None]
        if self.host.busy or len(models) < 2:
            return
        online = next((m for m in models if not m.is_local), None)

        def proceed(model: ModelInfo | None) -> None:
            if model is online:
                self.host.guard_budget(models, text, lambda: self._with_documents(text, models))
            else:  # "send to a model on this computer instead": an ordinary message, kept here
                self.composer.clear()
                self.host.send_now(text, model)

        self.host.check_then(text, online, proceed)

    def _with_documents(self, text: str, models: list[ModelInfo]) -> None:
        """With the collections turned on, every model gets the passages; found for the
        online one (whose notice the user reads), else the first."""
        online = next((m for m in models if not m.is_local), models[0])

        def proceed(documents=None, model: ModelInfo | None = None) -> None:
            if model is None:
                self._start_compare(text, models, documents)
            else:  # a model on this computer instead (privacy warning over the passages),
                self.composer.clear()  # an ordinary message that keeps them: they stay here
                self.host.send_now(text, model, documents=documents)

        self.host.with_documents(text, online, proceed)

    def _start_compare(self, text: str, models: list[ModelInfo], documents=None) -> None:
        self.composer.clear()
        self.chat_stack.setCurrentWidget(self.compare_view)
        self.compare_session.start(
            conversation_id=self.chats.conversation_id,
            text=text,
            models=models,
            documents=documents,
        )

    def keep_answer(self, message_id: int) -> asyncio.Task:
        return self.tasks.spawn(self._keep_answer(message_id), name="keep")

    async def _keep_answer(self, message_id: int) -> None:
        conversation_id = await self._end_compare()
        if conversation_id is None:
            return
        await self.services.chat.keep(conversation_id=conversation_id, message_id=message_id)
        await self._back_to_chat(conversation_id)

    def leave_compare(self) -> asyncio.Task:
        async def leave() -> None:
            conversation_id = await self._end_compare()
            if conversation_id is None:
                self.chat_stack.setCurrentWidget(self.empty_chat)
                return
            await self._back_to_chat(conversation_id)

        return self.tasks.spawn(leave(), name="leave-compare")

    async def _end_compare(self) -> int | None:
        """Stop what is still being written; the answers so far stay in the conversation."""
        task = self.compare_session.task
        if task is not None and not task.done():
            self.compare_session.stop()
            await asyncio.wait([task])
        return self.compare_session.conversation_id

    async def _back_to_chat(self, conversation_id: int) -> None:
        self.chats.conversation_id = conversation_id
        await self.chats.open_conversation(conversation_id)
        self.compare_view.clear()
        await self.chats.refresh_conversations()

    # -- what the compare session says ------------------------------------------------------------

    def _on_compare_started(self, started: ReplyStarted) -> None:
        conversation = started.conversation
        if self.chats.conversation_id is None:
            self.chats.conversation_id = conversation.id
            self.services.settings.set("last_conversation", conversation.id)
        self.header.set_chat_title(conversation.title)
        self.tasks.spawn(self.chats.refresh_conversations())

    def _on_compare_failed(self, error: HearthError) -> None:
        self.leave_compare()
        self.host.show_failure(error)
