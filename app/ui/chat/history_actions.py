"""Editing and resending, branches (‹ 1/2 ›), opening a chat at a message, paging long chats
(up, down, and back to the latest), and which memories each reply on screen was given.

A controller MainWindow composes. It is given the services, task keeper and widgets it drives,
the conversation controller (which chat is open, and showing one), and reaches sending, costs and
models only through the narrow `HistoryHost` interface.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Protocol

from app.core.chat import ModelInfo
from app.core.errors import HearthError
from app.core.records import Message
from app.services import Services
from app.ui.chat.chat_paging import PAGE_SIZE
from app.ui.chat.chat_session import ChatSession
from app.ui.chat.chat_view import ChatView
from app.ui.shell.tasks import TaskKeeper
from app.ui.shell.toast import Toast

if TYPE_CHECKING:
    from app.ui.conversations import ConversationController

log = logging.getLogger(__name__)

BUSY_NOTE = "Wait for the reply to finish (or stop it) first."


class HistoryHost(Protocol):
    """What editing and paging need from sending, costs and models."""

    @property
    def busy(self) -> bool: ...  # a reply or a comparison is being written

    @property
    def current_model(self) -> ModelInfo | None: ...

    def check_then(self, text, model, after, *, history=None, pictures=0) -> None: ...  # privacy

    def guard_budget(self, models, draft, proceed, on_cancel=None) -> None: ...

    def with_documents(self, question, model, proceed) -> None: ...  # passages, as when sent

    def forget_sent_text(self) -> None: ...  # no failed reply refills the composer with it

    async def use_chat_model(self, conversation_id, messages, *, more_after=False) -> None: ...

    async def load_history(self) -> None: ...  # the whole chat's text, for the estimate


class HistoryController:
    def __init__(
        self,
        services: Services,
        tasks: TaskKeeper,
        *,
        chat_view: ChatView,
        session: ChatSession,
        toast: Toast,
        chats: ConversationController,
        host: HistoryHost,
    ) -> None:
        """Built once by MainWindow.__init__, after its widgets are built and connected."""
        self.services = services
        self.tasks = tasks
        self.chat_view = chat_view
        self.session = session
        self.toast = toast
        self.chats = chats
        self.host = host
        self._marks_task: asyncio.Task | None = None
        view = self.chat_view
        view.earlier_requested.connect(
            lambda before_id: self.tasks.spawn(self.load_earlier(before_id), name="earlier")
        )
        view.later_requested.connect(
            lambda after_id: self.tasks.spawn(self.load_later(after_id), name="later")
        )
        view.latest_requested.connect(lambda: self.tasks.spawn(self.show_latest(), name="latest"))
        view.branch_requested.connect(
            lambda message_id: self.tasks.spawn(self.switch_branch(message_id), name="branch")
        )
        view.edit_submitted.connect(self.edit_and_resend)
        view.page_drawn.connect(self.refresh_message_marks)
        # A new reply may be a new version (regenerate) and may have been given memories.
        self.session.reply_started.connect(lambda _started: self.refresh_message_marks())
        self.session.reply_finished.connect(lambda _finished: self.refresh_message_marks())

    # -- opening at a message ------------------------------------------------------------------

    async def open_conversation_at(self, message_id: int) -> bool:
        """Open the conversation holding this message (showing its branch if it was hidden),
        scrolled to it and briefly highlighted. False when it cannot be shown. Only a page
        around it is read and drawn, however far from the end of a long chat it is."""
        page = await self.services.history.open_around(
            message_id=message_id, before=PAGE_SIZE // 2, after=PAGE_SIZE // 2
        )
        if not page.messages:
            return False
        conversation_id = page.messages[0].conversation_id
        self.chats.conversation_id = conversation_id
        self.chats.sidebar.select(conversation_id)
        self.chats.show_opened(
            conversation_id,
            page.messages,
            more_before=page.more_before,
            more_after=page.more_after,
            focus_id=message_id,
        )
        model = self.host.use_chat_model(conversation_id, page.messages, more_after=page.more_after)
        self.tasks.spawn(model, name="chat-model")
        return self.chat_view.reveal_message(message_id)

    # -- long chats ----------------------------------------------------------------------------

    async def load_earlier(self, before_id: int) -> None:
        """The page above the oldest message loaded, read from the database."""
        view = self.chat_view
        conversation_id = view.conversation_id
        try:
            page = await self.services.history.recent(
                conversation_id=conversation_id, limit=PAGE_SIZE, before_id=before_id
            )
        except HearthError as error:
            log.warning("Earlier messages could not be read: %s", error.plain())
            view.earlier_failed()
            return
        if view.conversation_id != conversation_id or view.oldest_loaded_id != before_id:
            return  # another chat, or another version, is shown now
        view.add_earlier(page, more_before=bool(page) and page[0].parent_id is not None)

    async def load_later(self, after_id: int) -> None:
        """The page below the newest message loaded (the chat was opened far from its end)."""
        view = self.chat_view
        conversation_id = view.conversation_id
        try:
            page = await self.services.history.newer(after_id=after_id, limit=PAGE_SIZE)
        except HearthError as error:
            log.warning("Newer messages could not be read: %s", error.plain())
            view.later_failed()
            return
        if view.conversation_id != conversation_id or view.newest_loaded_id != after_id:
            return  # another chat, or another version, is shown now
        view.add_later(page.messages, more_after=page.more_after)

    async def show_latest(self) -> None:
        """“Jump to the latest”: the chat's last page, as when it is opened."""
        view = self.chat_view
        conversation_id = view.conversation_id
        if conversation_id is None:
            return
        page = await self.services.history.recent(conversation_id=conversation_id, limit=PAGE_SIZE)
        if view.conversation_id != conversation_id or not view.has_later:
            return  # another chat is shown, or the end was reached meanwhile
        more_before = bool(page) and page[0].parent_id is not None
        view.show_conversation(conversation_id, page, more_before=more_before)
        self.refresh_message_marks()

    # -- versions ------------------------------------------------------------------------------

    async def switch_branch(self, message_id: int) -> None:
        """‹ ›: show another version of a message, and what followed it."""
        if self.host.busy:
            self.toast.inform(BUSY_NOTE)
            return
        conversation_id = self.chats.conversation_id
        page = await self.services.history.switch_branch(message_id=message_id, after=PAGE_SIZE)
        if conversation_id != self.chats.conversation_id or self.host.busy:
            return
        self.chat_view.show_branch(message_id, page.messages, more_after=page.more_after)
        # The estimate follows the version shown: all of it, read in the background.
        self.tasks.spawn(self.host.load_history(), name="history-text")
        self.refresh_message_marks()

    def edit_and_resend(self, message: Message, text: str) -> None:
        """Save & send from a message's editor: the new version gets a fresh reply; the old
        one and its replies stay as a branch (‹ 1/2 ›)."""
        if self.host.busy:
            self.toast.inform(BUSY_NOTE)
            return
        model = self.host.current_model
        if model is None or model.is_local:
            self._resend_with_documents(message, text, model)
            return
        self.tasks.spawn(self._check_then_resend(message, text, model), name="resend-check")

    async def _check_then_resend(self, message: Message, text: str, model: ModelInfo) -> None:
        # The whole conversation goes to the online model: the same checks as sending.
        history = await self.services.conversations.messages(message.conversation_id)

        def after_privacy(chosen: ModelInfo | None) -> None:
            self.host.guard_budget(
                [chosen], text, lambda: self._resend_with_documents(message, text, chosen)
            )

        # Its pictures go again with the new version: said before it leaves, as when sent.
        pictures = len(message.images)
        self.host.check_then(text, model, after_privacy, history=history, pictures=pictures)

    def _resend_with_documents(self, message: Message, text: str, model: ModelInfo | None) -> None:
        """With the passages of the collections turned on, as a new message (asked first)."""

        def resend(documents=None, model: ModelInfo | None = model) -> None:
            # `model`: one on this computer, chosen in the privacy warning over the passages.
            self.tasks.spawn(self._resend(message, text, model, documents), name="resend")

        self.host.with_documents(text, model, resend)

    async def _resend(
        self, message: Message, text: str, model: ModelInfo | None, documents=None
    ) -> None:
        if self.host.busy:
            return
        try:
            edited = await self.services.history.edit(message_id=message.id, text=text)
        except HearthError as error:
            self.toast.inform(error.plain())
            return
        if self.host.busy or self.chat_view.conversation_id != message.conversation_id:
            return
        # The edit's text is kept in its message: should no reply start, the composer is not
        # to be refilled with an older message sent from it.
        self.host.forget_sent_text()
        self.session.reply_to(
            edited_id=message.id,
            user_message=edited,
            model_id=model.id if model else None,
            documents=documents,
        )
        self.refresh_message_marks()  # ‹ 2/2 › on the new version, however the reply goes

    # -- marks on the messages shown -----------------------------------------------------------

    def refresh_message_marks(self) -> asyncio.Task:
        """‹ 1/2 › and “Used N memories” for the messages on screen, read in two queries."""
        if self._marks_task is not None and not self._marks_task.done():
            self._marks_task.cancel()  # a newer screenful replaces it
        self._marks_task = self.tasks.spawn(self._refresh_marks(), name="message-marks")
        return self._marks_task

    async def _refresh_marks(self) -> None:
        view = self.chat_view
        conversation_id = view.conversation_id
        ids = view.message_ids_shown()
        if conversation_id is None or not ids:
            return
        branches = await self.services.history.branches_for(message_ids=ids)
        used = await self.services.memory.used_by_many(message_ids=ids)
        if view.conversation_id != conversation_id:
            return
        view.set_branches(branches, for_ids=ids)
        view.set_used_memories(used)
