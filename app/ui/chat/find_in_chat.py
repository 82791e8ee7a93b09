"""Find in this chat: which messages hold the words, which one is current, and the highlights.

The database says which shown messages match (so a hit far up a long chat, not drawn yet, is
found too); the chat view draws and scrolls to it; the words are highlighted in each drawn
message with extra selections, which never change the message's own text.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Coroutine

from PySide6.QtCore import QObject, QTimer
from PySide6.QtGui import QColor, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import QTextEdit
from shiboken6 import isValid

from app.ui.chat.chat_view import HOLD_MS, ChatView
from app.ui.chat.find_bar import FindBar
from app.ui.chat.message_view import MessageView
from app.ui.search import NOTHING_TO_FIND, highlight_colours, highlight_pattern
from app.ui.shell.theme import Theme

FindIds = Callable[[int, str], Awaitable[list[int]]]  # (conversation id, text) -> message ids
Spawn = Callable[[Coroutine], object]
Reveal = Callable[[int], object]  # draw and scroll to this message, reading it if need be
# Drawing more messages (a page, a batch) changes the scroll range: highlight them too.
REFRESH_MS = 60
# Revealing a message holds it in place while the layout settles; the words come after.
SETTLED_MS = HOLD_MS + 60
WORDS_MARGIN = 48  # pixels kept between the words scrolled to and the chat's edge


class ChatFinder(QObject):
    def __init__(
        self,
        bar: FindBar,
        chat_view: ChatView,
        *,
        find: FindIds,
        reveal: Reveal,
        spawn: Spawn,
        theme: Callable[[], Theme],
    ) -> None:
        super().__init__(bar)
        self.bar = bar
        self.chat_view = chat_view
        self._find = find
        self._reveal_message = reveal
        self._spawn = spawn
        self._theme = theme
        self.ids: list[int] = []
        self.index = -1
        self._query = ""
        self._pattern: re.Pattern[str] | None = None
        self._asked_in: int | None = None  # the conversation searched last
        self._generation = 0  # bumped by every search and by closing: older answers are dropped
        self._highlighted: list[MessageView] = []
        self._refresh = QTimer(self, singleShot=True, interval=REFRESH_MS)
        self._refresh.timeout.connect(self._after_redraw)
        bar.query_changed.connect(self.search)
        bar.next_requested.connect(lambda: self.step(1))
        bar.previous_requested.connect(lambda: self.step(-1))
        chat_view.verticalScrollBar().rangeChanged.connect(lambda *_: self._schedule_refresh())
        chat_view.conversation_changed.connect(lambda _id: self._follow_the_chat())

    @property
    def query(self) -> str:
        return self._query

    @property
    def current_id(self) -> int | None:
        return self.ids[self.index] if 0 <= self.index < len(self.ids) else None

    # -- finding -------------------------------------------------------------------------------

    def search(self, text: str, *, prefer: int | None = None) -> None:
        """Find `text` in the chat on screen; `prefer` a message id to start at."""
        self._generation += 1
        self._query = text.strip()
        self._pattern = highlight_pattern(self._query)
        conversation_id = self._asked_in = self.chat_view.conversation_id
        if not self._query or conversation_id is None or self._pattern is None:
            self._found([], None)
            return
        self._spawn(self._search(self._generation, conversation_id, self._query, prefer))

    async def _search(self, generation: int, conversation_id: int, text: str, prefer) -> None:
        ids = await self._find(conversation_id, text)
        if generation == self._generation and conversation_id == self.chat_view.conversation_id:
            self._found(ids, prefer)

    def _found(self, ids: list[int], prefer: int | None) -> None:
        self.ids = ids
        self.index = self._start_index(prefer)
        self._show_count()
        if self.current_id is not None:
            self._reveal()
        else:
            self._highlight()

    def _start_index(self, prefer: int | None) -> int:
        """The preferred hit, else the newest one on screen, else the newest: chats open at the
        end, so that is where the reader is."""
        if not self.ids:
            return -1
        if prefer in self.ids:
            return self.ids.index(prefer)
        viewport = self.chat_view.viewport()
        wanted = set(self.ids)
        for widget in reversed(self._drawn()):
            if widget.message.id in wanted and widget.isVisible():
                top = widget.mapTo(viewport, widget.rect().topLeft()).y()
                if top < viewport.height() and top + widget.height() > 0:
                    return self.ids.index(widget.message.id)
        return len(self.ids) - 1

    def step(self, direction: int) -> None:
        """Next (1) or previous (-1) hit, round the ends."""
        if self.chat_view.conversation_id != self._asked_in:
            self.search(self._query)  # another chat is shown now: find there instead
            return
        if not self.ids:
            return
        self.index = (self.index + direction) % len(self.ids)
        self._show_count()
        self._reveal()

    def _show_count(self) -> None:
        if self._query and self.chat_view.conversation_id is None:
            self.bar.set_count(0, 0, note=NOTHING_TO_FIND)
        else:
            self.bar.set_count(self.index + 1, len(self.ids))

    def _reveal(self) -> None:
        current = self.current_id
        if current is not None:
            self._reveal_message(current)
        self._highlight()
        # A long message may hold the words below the fold: once it is laid out, and again
        # once the chat view stops holding it in place, bring the words themselves into view.
        generation = self._generation
        for delay in (0, SETTLED_MS):
            QTimer.singleShot(delay, lambda: self._scroll_to_words(generation, current))

    # -- highlights ----------------------------------------------------------------------------

    def clear(self) -> None:
        """Close: forget the hits and take every highlight away."""
        self._generation += 1
        self.ids, self.index, self._query, self._pattern = [], -1, "", None
        self._asked_in = None
        self._refresh.stop()
        self._unhighlight()

    def _schedule_refresh(self) -> None:
        if self.bar.isVisible():
            self._refresh.start()

    def refresh(self) -> None:
        """Messages were drawn again (say, in the other theme's colours): highlight them anew."""
        self._schedule_refresh()

    def _after_redraw(self) -> None:
        if self.bar.isVisible() and not self._follow_the_chat():
            self._highlight()

    def _follow_the_chat(self) -> bool:
        """Another chat (or a new one) is shown: find the words there. True when it was."""
        if self.bar.isVisible() and self.chat_view.conversation_id != self._asked_in:
            self.search(self._query)
            return True
        return False

    def _scroll_to_words(self, generation: int, message_id: int | None) -> None:
        if generation == self._generation and message_id == self.current_id:
            self._highlight(scroll=True)

    def _highlight(self, *, scroll: bool = False) -> None:
        self._unhighlight()
        if self._pattern is None:
            return
        match, current = (QColor(c) for c in highlight_colours(self._theme()))
        wanted = set(self.ids)
        for widget in self._drawn():
            if widget.message.id not in wanted:
                continue
            is_current = widget.message.id == self.current_id
            colour = current if is_current else match
            for view in widget.findChildren(MessageView):
                cursors = _matches(view, self._pattern)
                if not cursors:
                    continue
                view.setExtraSelections([_selection(c, colour) for c in cursors])
                self._highlighted.append(view)
                if is_current and scroll:
                    self._scroll_to(view, cursors[0])
                    scroll = False

    def _drawn(self) -> list:
        """The messages drawn in the chat view (not notices), top to bottom."""
        return [w for w in self.chat_view.messages_shown() if hasattr(w, "message")]

    def _unhighlight(self) -> None:
        for view in self._highlighted:
            if isValid(view):
                view.setExtraSelections([])
        self._highlighted = []

    def _scroll_to(self, view: MessageView, cursor: QTextCursor) -> None:
        """A long message may hold the words below the fold: bring the words themselves in."""
        content = self.chat_view.widget()
        spot = view.cursorRect(cursor)
        centre = view.viewport().mapTo(content, spot.center())
        self.chat_view.ensureVisible(centre.x(), centre.y(), 20, WORDS_MARGIN)


def _matches(view: MessageView, pattern: re.Pattern[str]) -> list[QTextCursor]:
    """A cursor over every match, block by block (positions are counted in UTF-16 units)."""
    doc = view.document()
    cursors = []
    block = doc.begin()
    while block.isValid():
        text = block.text()
        for found in pattern.finditer(text):
            start = block.position() + _utf16_len(text[: found.start()])
            cursor = QTextCursor(doc)
            cursor.setPosition(start)
            end = start + _utf16_len(found.group())
            cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
            cursors.append(cursor)
        block = block.next()
    return cursors


def _utf16_len(text: str) -> int:
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def _selection(cursor: QTextCursor, colour: QColor) -> QTextEdit.ExtraSelection:
    selection = QTextEdit.ExtraSelection()
    selection.cursor = cursor
    fmt = QTextCharFormat()
    fmt.setBackground(colour)
    selection.format = fmt
    return selection
