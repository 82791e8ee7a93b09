"""What the conversation list and the chat's “…” menu do: open, new, rename, pin, delete, export.

A controller MainWindow composes. It owns which chat is open (`conversation_id`) and the listed
chats, is given the services, task keeper and widgets it drives, and tells the rest of the window
that a chat is shown through the narrow `ConversationHost` interface (its memories, its cost, its
model, the marks on its messages), never through the window's attributes.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from PySide6.QtWidgets import QStackedWidget, QWidget

from app.core.records import Conversation, Message
from app.services import Services
from app.ui.chat import PAGE_SIZE
from app.ui.conversations.conversation_list import ConversationList
from app.ui.conversations.export_chats import ask_for_export_path, export_to_file
from app.ui.shell.tasks import TaskKeeper

log = logging.getLogger(__name__)


class ConversationHost(Protocol):
    """What the rest of the window does when a chat is shown, and the welcome screen."""

    @property
    def showing_welcome(self) -> bool: ...

    def show_chats(self) -> None: ...  # the chats in place of the welcome screen

    def conversation_shown(self, conversation_id: int | None) -> None: ...

    def set_history(self, messages: list[Message]) -> None: ...

    async def load_history(self) -> None: ...

    async def refresh_chat_cost(self) -> None: ...

    def refresh_message_marks(self) -> None: ...

    async def use_chat_model(self, conversation_id: int, page: list[Message]) -> None: ...


class ConversationController:
    def __init__(
        self,
        window: QWidget,
        services: Services,
        tasks: TaskKeeper,
        *,
        widgets: ChatWidgets,
        host: ConversationHost,
        keep: Callable[[QWidget], None],
        warn: Callable[[str, str], None],
    ) -> None:
        self.window = window  # parent of the export dialog and the chat menu
        self.services = services
        self.tasks = tasks
        self.sidebar = widgets.sidebar
        self.chat_view = widgets.chat_view
        self.chat_stack = widgets.chat_stack
        self.empty_chat = widgets.empty_chat
        self.header = widgets.header
        self.composer = widgets.composer
        self.toast = widgets.toast
        self.session = widgets.session
        self.host = host
        self._keep = keep
        self._warn = warn
        self.conversations: list[Conversation] = []
        self.conversation_id: int | None = None
        self._connect()

    def _connect(self) -> None:
        self.header.chat_menu_requested.connect(self.show_chat_menu)
        self.sidebar.new_chat_requested.connect(self.new_chat)
        self.sidebar.conversation_chosen.connect(self.spawn_open)
        self.sidebar.rename_requested.connect(
            lambda cid, title: self.tasks.spawn(self.rename_conversation(cid, title))
        )
        self.sidebar.pin_requested.connect(
            lambda cid, pinned: self.tasks.spawn(self.pin_conversation(cid, pinned))
        )
        self.sidebar.delete_requested.connect(
            lambda cid: self.tasks.spawn(self.delete_conversation(cid))
        )
        self.sidebar.export_requested.connect(self.export_conversation)
        self.sidebar.search_changed.connect(
            lambda _q: self.tasks.spawn(self.refresh_conversations())
        )

    async def refresh_conversations(self) -> None:
        conversations = await self.services.conversations.list()
        query = self.sidebar.search_text()
        if query:
            conversations = await self._matching(conversations, query)
        else:
            self.conversations = conversations
        self.sidebar.set_conversations(conversations)
        self.sidebar.select(self.conversation_id)

    async def _matching(self, conversations: list[Conversation], query: str) -> list[Conversation]:
        """Chats whose title or any message contains the words searched for."""
        try:
            hits = {m.conversation_id for m in await self.services.conversations.search(query)}
        except sqlite3.Error:
            log.warning("Search failed; matching titles only", exc_info=True)
            hits = set()
        needle = query.casefold()
        return [c for c in conversations if c.id in hits or needle in c.title.casefold()]

    def spawn_open(self, conversation_id: int) -> None:
        self.tasks.spawn(self.open_conversation(conversation_id))

    async def open_conversation(self, conversation_id: int) -> None:
        """Only the newest page is read for the first paint; earlier pages are read from the
        database when the user scrolls up to them (HistoryActions.load_earlier)."""
        self.conversation_id = conversation_id
        self.sidebar.select(conversation_id)
        page = await self.services.history.recent(conversation_id=conversation_id, limit=PAGE_SIZE)
        if self.conversation_id != conversation_id:
            return  # the user picked another chat meanwhile
        self.show_opened(
            conversation_id, page, more_before=bool(page) and page[0].parent_id is not None
        )
        self.tasks.spawn(self.host.use_chat_model(conversation_id, page), name="chat-model")

    def show_opened(
        self,
        conversation_id: int,
        messages: list[Message],
        *,
        more_before: bool,
        more_after: bool = False,
        focus_id: int | None = None,
    ) -> None:
        """Draw an opened conversation (`messages`: its shown branch, or a part of it: the
        newest, or a window around `focus_id`) and bring the header, the estimate and the
        chat's cost up to date."""
        self.chat_view.show_conversation(
            conversation_id,
            messages,
            more_before=more_before,
            more_after=more_after,
            focus_id=focus_id,
        )
        self.chat_stack.setCurrentWidget(self.chat_view if messages else self.empty_chat)
        self.header.set_chat_title(self.title_of(conversation_id))
        self.host.conversation_shown(conversation_id)  # its prompt badge; suggestions for the last
        self.host.set_history(messages)  # for the estimate next to Send
        if more_before or more_after:  # the estimate counts the whole chat: read it meanwhile
            self.tasks.spawn(self.host.load_history(), name="history-text")
        self.tasks.spawn(self.host.refresh_chat_cost(), name="chat-cost")
        self.services.settings.set("last_conversation", conversation_id)
        self.host.refresh_message_marks()
        self.composer.focus()

    def new_chat(self) -> None:
        """A fresh, empty chat; it is saved only once the first message is sent."""
        if self.host.showing_welcome:
            return
        self.conversation_id = None
        self.chat_view.show_conversation(None, [])
        self.chat_stack.setCurrentWidget(self.empty_chat)
        self.sidebar.select(None)
        self.header.set_chat_title(None)
        self.host.conversation_shown(None)
        self.host.set_history([])
        self.composer.focus()

    async def rename_conversation(self, conversation_id: int, title: str) -> None:
        await self.services.conversations.rename(conversation_id, title)
        await self.refresh_conversations()
        if conversation_id == self.conversation_id:
            self.header.set_chat_title(self.title_of(conversation_id))

    async def pin_conversation(self, conversation_id: int, pinned: bool) -> None:
        await self.services.conversations.set_pinned(conversation_id, pinned)
        await self.refresh_conversations()

    async def delete_conversation(self, conversation_id: int) -> None:
        if self.session.busy and self.session.conversation_id == conversation_id:
            self.session.stop()
        title = self.title_of(conversation_id)
        await self.services.conversations.delete(conversation_id)
        if conversation_id == self.conversation_id:
            self.new_chat()
        await self.refresh_conversations()
        self.toast.offer_undo(
            f"“{title}” was deleted.",
            lambda: self.tasks.spawn(self.restore_conversation(conversation_id)),
        )

    async def restore_conversation(self, conversation_id: int) -> None:
        await self.services.conversations.restore(conversation_id)
        await self.refresh_conversations()
        await self.open_conversation(conversation_id)

    async def after_import(self) -> None:
        """Imported chats join the list; a first import also leaves the welcome screen."""
        await self.refresh_conversations()
        if self.host.showing_welcome and self.conversations:
            self.host.show_chats()
            self.new_chat()

    def export_conversation(self, conversation_id: int) -> None:
        def chosen(path: Path) -> None:
            self.tasks.spawn(self._export(conversation_id, path))

        self._keep(ask_for_export_path(self.window, self.title_of(conversation_id), chosen))

    async def _export(self, conversation_id: int, path: Path) -> None:
        try:
            await export_to_file(self.services, [conversation_id], path)
        except OSError as error:
            self._warn("The chat could not be exported", f"{path}: {error.strerror or error}")
            return
        self.toast.inform(f"Exported to {path.name}.")

    def show_chat_menu(self, anchor: QWidget) -> None:
        if self.conversation_id is None:
            return
        pinned = self.sidebar.is_pinned(self.conversation_id)
        menu = self.sidebar.menu_for(self.conversation_id, pinned, self.window)
        menu.popup(anchor.mapToGlobal(anchor.rect().bottomLeft()))

    def title_of(self, conversation_id: int) -> str:
        item = self.sidebar.item_for(conversation_id)
        if item is not None:
            return item.text()
        found = next((c for c in self.conversations if c.id == conversation_id), None)
        return found.title if found else "Chat"


class ChatWidgets(Protocol):
    """The widgets a conversation is shown in (MainWindow has them all)."""

    sidebar: ConversationList
    chat_view: QWidget
    chat_stack: QStackedWidget
    empty_chat: QWidget
    header: QWidget
    composer: QWidget
    toast: QWidget
    session: object
