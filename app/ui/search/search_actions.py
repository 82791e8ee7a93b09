"""Search every conversation (Ctrl/Cmd+Shift+F) and find in the current chat (Ctrl/Cmd+F).

A controller MainWindow composes: it is given the services, the task keeper and the widgets it
drives, and opens a chat through the one callable it is handed (`open_at`), never through the
window's attributes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QStackedWidget, QWidget

from app.core.errors import HearthError
from app.services import Services
from app.store.history import SearchHit
from app.ui.chat import ChatFinder, ChatView, Composer, FindBar
from app.ui.search.search_panel import RESULT_LIMIT, SearchPanel
from app.ui.shell.tasks import TaskKeeper
from app.ui.shell.theme import ThemeManager

log = logging.getLogger(__name__)

SEARCH_ALL_SHORTCUT = QKeySequence("Ctrl+Shift+F")  # Cmd+Shift+F on macOS
SEARCH_PROBLEM = "Search is not available right now."


class SearchController:
    def __init__(
        self,
        window: QWidget,
        services: Services,
        tasks: TaskKeeper,
        themes: ThemeManager,
        *,
        chat_stack: QStackedWidget,
        chat_view: ChatView,
        composer: Composer,
        showing_welcome: Callable[[], bool],
        open_at: Callable[[int], Awaitable[bool]],
    ) -> None:
        """Built once by MainWindow.__init__, after its widgets are built and connected."""
        self.window = window
        self.services = services
        self.tasks = tasks
        self.themes = themes
        self.chat_stack = chat_stack
        self.chat_view = chat_view
        self.composer = composer
        self.showing_welcome = showing_welcome
        self.open_conversation_at = open_at  # opens the chat that holds a message, scrolled there
        self.search_panel = SearchPanel(window)
        self.search_panel.query_changed.connect(self._search_all)
        self.search_panel.hit_chosen.connect(self._open_hit)
        self._search_task: asyncio.Task | None = None
        self.find_bar = FindBar()
        # Between the header and the messages, so it never covers what it finds.
        pane = self.chat_stack.parentWidget().layout()
        pane.insertWidget(pane.indexOf(self.chat_stack), self.find_bar)
        self.finder = ChatFinder(
            self.find_bar,
            self.chat_view,
            find=self._find_ids,
            reveal=self._reveal_found,
            spawn=self.tasks.spawn,
            theme=lambda: self.themes.theme,
        )
        self.find_bar.close_requested.connect(self.close_find)
        self.chat_stack.currentChanged.connect(lambda _i: self._refind())
        self.themes.changed.connect(lambda _theme: self.finder.refresh())
        QShortcut(SEARCH_ALL_SHORTCUT, window, activated=self.open_search)
        QShortcut(QKeySequence.StandardKey.Find, window, activated=self.open_find)
        self.find_next_shortcut = QShortcut(QKeySequence.StandardKey.FindNext, window)
        self.find_next_shortcut.activated.connect(lambda: self.finder.step(1))
        self.find_previous_shortcut = QShortcut(QKeySequence.StandardKey.FindPrevious, window)
        self.find_previous_shortcut.activated.connect(lambda: self.finder.step(-1))
        self._enable_find_keys(False)

    # -- every chat ----------------------------------------------------------------------------

    def open_search(self) -> None:
        if self.showing_welcome():
            return  # no chats yet
        self.search_panel.popup_over(self.window)

    def _search_all(self, query: str) -> None:
        if self._search_task is not None:
            self._search_task.cancel()  # its answer would be dropped anyway
        self._search_task = self.tasks.spawn(self._run_search(query), name="search")

    async def _run_search(self, query: str) -> None:
        try:
            hits = await self.services.history.search(text=query, limit=RESULT_LIMIT)
        except HearthError as error:
            log.warning("Search (%d characters) failed: %s", len(query), error.plain())
            self.search_panel.show_problem(query, SEARCH_PROBLEM)
            return
        self.search_panel.show_results(query, hits)

    def _open_hit(self, hit: SearchHit) -> None:
        self.tasks.spawn(self._open_at(hit, self.search_panel.query), name="open-hit")

    async def _open_at(self, hit: SearchHit, query: str) -> None:
        if not await self.open_conversation_at(hit.message_id):
            return
        # The words searched for stay highlighted there, with the find bar to step through them.
        self.find_bar.open(query, focus=False)
        self._enable_find_keys(True)
        self.finder.search(query, prefer=hit.message_id)

    # -- this chat -----------------------------------------------------------------------------

    def open_find(self) -> None:
        if self.showing_welcome():
            return
        was_open = self.find_bar.isVisible()
        self.find_bar.open()
        self._enable_find_keys(True)
        if not was_open and self.find_bar.query:
            self.finder.search(self.find_bar.query)  # the last words, found again

    def close_find(self) -> None:
        self.finder.clear()
        self.find_bar.hide()
        self._enable_find_keys(False)
        self.composer.focus()

    async def _find_ids(self, conversation_id: int, text: str) -> list[int]:
        try:
            return await self.services.history.find_in_conversation(
                conversation_id=conversation_id, text=text
            )
        except HearthError as error:
            log.warning("Find in chat %s failed: %s", conversation_id, error.plain())
            return []

    def _reveal_found(self, message_id: int) -> None:
        if not self.chat_view.reveal_message(message_id, flash=False):
            # Not read from the database yet (a long chat opens at its end): open it there.
            self.tasks.spawn(self._open_for_find(message_id), name="find-open")

    async def _open_for_find(self, message_id: int) -> None:
        conversation_id, query = self.chat_view.conversation_id, self.finder.query
        if message_id not in await self._find_ids(conversation_id, query):
            # Another version of the chat is shown now: never switch back to reach an old hit.
            self.finder.search(query)
            return
        typing = self.find_bar.field.hasFocus()
        await self.open_conversation_at(message_id)
        if typing:  # opening gives the composer the keyboard; Enter should go on finding
            self.find_bar.field.setFocus()

    def _refind(self) -> None:
        if self.find_bar.isVisible():
            self.finder.search(self.find_bar.query)

    def _enable_find_keys(self, enabled: bool) -> None:
        self.find_next_shortcut.setEnabled(enabled)
        self.find_previous_shortcut.setEnabled(enabled)
