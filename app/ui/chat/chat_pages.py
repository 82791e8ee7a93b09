"""Which part of a long conversation the chat holds: the window of pages drawn, the pages being
drawn above and below it, the messages read but not drawn, and whether the database holds more
above or below (asked for with earlier_requested / later_requested).

A mixin of ChatView (see chat_view.py), kept apart so each file stays small; the drawing itself
is PacedDrawing's (chat_drawing.py), the links above and below are in chat_paging.py.
"""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from app.core.records import Message
from app.ui.chat.assistant_message import AssistantMessage
from app.ui.chat.chat_drawing import BATCH_SIZE, NEAR_BOTTOM_PIXELS, MessageWidget
from app.ui.chat.chat_paging import PAGE_SIZE
from app.ui.chat.user_message import UserMessage

# At most about this many pages stay drawn: paging down past them drops the oldest page from the
# top, paging up the newest from the bottom (read again from the database if the user scrolls
# back to it), so however far the user scrolls, the widgets alive stay a few pages' worth.
MAX_DRAWN_PAGES = 4


class PageWindow:
    def _reset_pages(self) -> None:
        self._pending_older: list[Message] = []  # this page, still being drawn in batches above
        self._pending_newer: list[Message] = []  # and below
        self._hidden_earlier: list[Message] = []  # loaded, not drawn
        self._more_before = False  # the database holds messages above the oldest loaded
        self._more_after = False  # and below the newest loaded: the chat's end is not drawn
        self._oldest_loaded: int | None = None
        self._newest_loaded: int | None = None
        self._loading_earlier = False
        self._loading_later = False
        self._fill_above = False  # the page above is wanted below the fold, the end kept in view

    def _open_window(
        self,
        messages: list[Message],
        *,
        more_before: bool,
        more_after: bool,
        focus_id: int | None,
    ) -> list[Message]:
        """A conversation is shown: the messages to draw at once (at `focus_id`, else at the
        end); the rest of the page is left to draw in batches, the pages above it hidden."""
        self._more_before = more_before
        self._more_after = more_after and bool(messages)
        self._oldest_loaded = messages[0].id if messages else None
        self._newest_loaded = messages[-1].id if messages else None
        focus = next((i for i, m in enumerate(messages) if m.id == focus_id), None)
        if focus is None:
            focus = max(0, len(messages) - BATCH_SIZE)
        above = messages[:focus]
        self._pending_newer = messages[focus + BATCH_SIZE :]
        self._hidden_earlier = above[:-PAGE_SIZE]
        self._pending_older = above[-PAGE_SIZE:]
        return messages[focus : focus + BATCH_SIZE]

    @property
    def has_earlier(self) -> bool:
        """Messages above the ones drawn: in memory, being drawn, or still in the database."""
        return bool(self._pending_older or self._hidden_earlier or self._more_before)

    @property
    def has_later(self) -> bool:
        """Messages below the ones drawn: being drawn, or still in the database."""
        return bool(self._pending_newer or self._more_after)

    @property
    def oldest_loaded_id(self) -> int | None:
        return self._oldest_loaded

    @property
    def newest_loaded_id(self) -> int | None:
        return self._newest_loaded

    def message_ids_shown(self) -> list[int]:
        """The messages drawn, and those of the pages still being drawn."""
        drawn = [w.message.id for w in self.messages_shown() if isinstance(w, MessageWidget)]
        return [m.id for m in self._pending_older] + drawn + [m.id for m in self._pending_newer]

    # -- above ---------------------------------------------------------------------------------

    def show_earlier(self) -> None:
        """Draw the page above, keeping the message being read where it is on screen."""
        if self._pending_older:
            return  # being drawn already, a batch at a time
        if self._hidden_earlier:
            page = self._hidden_earlier[-PAGE_SIZE:]
            self._hidden_earlier = self._hidden_earlier[:-PAGE_SIZE]
            if not self._fill_above:
                self._stick_to_bottom = False  # the reader's place is kept while it is drawn
            self._fill_above = False
            self._drop_newest_page(coming=len(page))
            self._pending_older = page
            self._draw_pending_batch(self._generation)
            self.page_drawn.emit()
        elif self._more_before and not self._loading_earlier and self._oldest_loaded is not None:
            self._loading_earlier = True
            self.earlier_requested.emit(self._oldest_loaded)
        self._update_paging_controls()

    def add_earlier(self, messages: list[Message], *, more_before: bool) -> None:
        """The page the view asked for with earlier_requested (oldest first)."""
        self._loading_earlier = False
        self._more_before = more_before
        if messages:
            self._oldest_loaded = messages[0].id
            self._hidden_earlier = messages + self._hidden_earlier
            self.show_earlier()
        self._update_paging_controls()

    def earlier_failed(self) -> None:
        """The page above could not be read; the button offers to try again."""
        self._loading_earlier = False
        self._update_paging_controls()

    def _draw_hidden_page_with(self, message_id: int) -> None:
        """Draw the hidden pages down to (and with) the one holding this message, if any."""
        if not any(m.id == message_id for m in self._hidden_earlier):
            return
        if self._pending_older:  # the page being drawn goes on top of the one revealed
            self._draw_pending_until(self._pending_older[0].id)
        hidden = self._hidden_earlier
        index = next(i for i, m in enumerate(hidden) if m.id == message_id)
        # Whole pages, so "Show earlier" goes on from a page boundary as before.
        start = max(0, index - (len(hidden) - index) % PAGE_SIZE)
        page, self._hidden_earlier = hidden[start:], hidden[:start]
        self._insert_above(page)
        self._update_paging_controls()
        self.page_drawn.emit()

    # -- below ---------------------------------------------------------------------------------

    def show_later(self) -> None:
        """Read the page below the newest message drawn (the chat was opened far from its end);
        it is added below, so what is on screen stays where it is."""
        if self._pending_newer:
            return  # being drawn already
        if self._more_after and not self._loading_later and self._newest_loaded is not None:
            self._loading_later = True
            self.later_requested.emit(self._newest_loaded)
        self._update_paging_controls()

    def add_later(self, messages: list[Message], *, more_after: bool) -> None:
        """The page the view asked for with later_requested (oldest first)."""
        self._loading_later = False
        self._more_after = more_after
        if messages:
            self._newest_loaded = messages[-1].id
            self._pending_newer = list(messages)
            self._drop_oldest_page()
            self._draw_pending_batch(self._generation)
            self.page_drawn.emit()
        self._update_paging_controls()

    def later_failed(self) -> None:
        """The page below could not be read; the link offers to try again."""
        self._loading_later = False
        self._update_paging_controls()

    def _draw_instead(self, old: MessageWidget, below: list[Message], *, more_after: bool) -> None:
        """Another version of a message: it and what follows it (`below`; `more_after`, the
        rest is in the database) are drawn instead of `old` and what followed it, the new
        version where the old one was on screen."""
        offset = self._offset_of(old)
        self.remove_from(old.message.id)
        for message in below[:BATCH_SIZE]:
            self._append(self._widget_for(message))
        self._pending_newer = below[BATCH_SIZE:]
        self._more_after = more_after
        self._newest_loaded = below[-1].id
        self._refresh_regenerate_links()
        self._update_paging_controls()
        self._hold(self._widgets[below[0].id], offset)
        if self._pending_newer:
            self._draw_pending_later()

    def _drop_oldest_page(self) -> None:
        """With the page below, too many pages would be drawn: the oldest leaves the top, the
        message being read staying where it is on screen; “Show earlier messages” reads it
        again. Nothing leaves while a page is drawn above or the oldest page is on screen."""
        drawn = [w for w in self.messages_shown() if isinstance(w, MessageWidget)]
        wanted = len(drawn) + len(self._pending_newer)
        if self._pending_older or wanted <= MAX_DRAWN_PAGES * PAGE_SIZE:
            return
        anchor = self._anchor or self._top_anchor()
        first_kept = drawn[PAGE_SIZE]
        cut = self._layout.indexOf(first_kept)
        if anchor is None or self._layout.indexOf(anchor[0]) < cut:
            return
        for widget in self.messages_shown()[:cut]:  # with the notices among them
            if isinstance(widget, MessageWidget):
                self._used.pop(widget.message.id, None)
            self._remove(widget)
        # Pages read above it are forgotten too: the database has them all.
        self._hidden_earlier = []
        self._more_before = True
        self._oldest_loaded = first_kept.message.id
        self._loading_earlier = self._fill_above = (
            False  # a page being read is for above the old top
        )
        self._hold(*anchor)

    def _drop_newest_page(self, *, coming: int) -> None:
        """With `coming` messages drawn above, too many pages would be drawn: the newest leaves
        the bottom, below the screen, so nothing on it moves; the newer bar reads it again.
        Nothing leaves while a page is drawn below, the newest page is on screen (or near
        enough that scrolling would ask for it again), or a message in it is being written."""
        drawn = [w for w in self.messages_shown() if isinstance(w, MessageWidget)]
        # Usually a page leaves; more when one was kept for a message being written meanwhile.
        kept = MAX_DRAWN_PAGES * PAGE_SIZE - coming
        if self._pending_newer or len(drawn) <= kept:
            return
        last_kept = drawn[kept - 1]
        # With the notices after the last message kept: a fallback note belongs to the reply
        # below it, an error line to the message it follows, and neither is stored to come back.
        dropped = self.messages_shown()[self._layout.indexOf(last_kept) + 1 :]
        if any(_being_written(w) for w in dropped):
            return
        if self._offset_of(dropped[0]) < self.viewport().height() + NEAR_BOTTOM_PIXELS:
            return
        for widget in dropped:
            if isinstance(widget, MessageWidget):
                self._used.pop(widget.message.id, None)
            self._remove(widget)
        self._more_after = True
        self._newest_loaded = last_kept.message.id
        self._loading_later = False  # a page being read is for below the old bottom
        self._stick_to_bottom = False
        self._refresh_regenerate_links()  # the chat's last reply is not drawn now

    def _cut_after_drawn(self) -> None:
        """What followed the last message drawn (drawn or not) is gone from this version."""
        self._pending_newer = []
        self._more_after = self._loading_later = False
        shown = [w for w in self.messages_shown() if isinstance(w, MessageWidget)]
        self._newest_loaded = shown[-1].message.id if shown else None
        self._update_paging_controls()

    def _make_room_at_the_end(self, first: Message) -> None:
        """A reply starts while the newest messages are not drawn: the view moves to the end
        first, so the new messages appear after the ones they follow. `first` (the message
        sent, or the reply) is drawn alone; the page above it is read again."""
        if not self._more_after:
            return
        conversation_id = self._conversation_id
        self._reset()
        self._conversation_id = conversation_id
        self._more_before = first.parent_id is not None
        self._oldest_loaded = self._newest_loaded = first.id
        self._fill_above = self._more_before
        self._stick_to_bottom = True

    def _fill_from_above(self) -> None:
        if self._fill_above and not self._loading_earlier:
            self.show_earlier()  # the page above the new message, read again

    # -- done ----------------------------------------------------------------------------------

    def _page_done(self) -> None:
        """The pages being drawn are drawn."""
        self._refresh_regenerate_links()
        self._update_paging_controls()

    def _update_paging_controls(self) -> None:
        self._earlier_button.set_state(
            hidden=len(self._hidden_earlier),
            more=self._more_before,
            loading=self._loading_earlier,
        )
        self._newer_bar.set_state(more=self.has_later, loading=self._loading_later)


def _being_written(widget: QWidget) -> bool:
    """A reply streaming into it, or the user editing it: it must stay drawn."""
    if isinstance(widget, AssistantMessage):
        return widget.is_streaming
    return isinstance(widget, UserMessage) and widget.editing
