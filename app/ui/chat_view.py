"""The conversation: a scrolling column of messages; a streaming reply is drawn as it arrives.

Long conversations are drawn a page at a time: the messages on screen at once, the rest of the
page in small batches between events, earlier pages when the user asks for them or scrolls near
the top (from memory, else from the database through `earlier_requested`). A chat opened far
from its end (at a search hit) shows a page around that message; newer pages follow when the
user scrolls near the bottom (`later_requested`), and “Jump to the latest” shows the end again.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QPoint, Qt, QTimer, QUrl, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QScrollArea, QVBoxLayout, QWidget

from app.core.errors import HearthError
from app.core.records import Message
from app.store.history import Branches
from app.store.memory import Memory
from app.ui import message_flash
from app.ui.assistant_message import AssistantMessage, CostNoteFor
from app.ui.chat_paging import PAGE_SIZE, EarlierButton, NewerBar
from app.ui.message_footer import BRANCH_NEXT, BRANCH_PREVIOUS, REMEMBER, USED_MEMORIES
from app.ui.notice_line import NoticeLine
from app.ui.theme import Theme
from app.ui.used_memories import UsedMemoriesPopup
from app.ui.user_message import UserMessage

# Readable line length, as in other chat apps; the column is centred in wider windows.
COLUMN_MAX_WIDTH = 780
__all__ = ["PAGE_SIZE", "ChatView"]
# The messages on screen are drawn at once; the rest of the page follows in small batches between
# events, so opening a long conversation never freezes the window.
BATCH_SIZE = 6
# The rest are drawn one by one for at most this long per batch (one widget takes 3-10 ms)...
BATCH_BUDGET_MS = 6
# ...and batches are this far apart: a real timer, so input, painting and other timers get their
# turn in between (zero-delay calls run back to back and starve them).
BATCH_GAP_MS = 2
# New text is drawn at once unless the last frame was very recent; then when the next one is due.
# Frames are spaced by twice what drawing took (at least MIN_FRAME_MS, at most MAX_FRAME_MS), so
# words reach the screen within a few milliseconds while drawing never takes more than about
# half the time, however long the reply or its code blocks get.
MIN_FRAME_MS = 4
MAX_FRAME_MS = 33
FRAME_COST_FACTOR = 1.0
# Within this many pixels of the bottom, new text keeps the view scrolled to the end.
STICKY_PIXELS = 48
# Scrolled to within this many pixels of the top (bottom), the page above (below) is drawn.
NEAR_TOP_PIXELS = 240
NEAR_BOTTOM_PIXELS = 240
# A revealed message sits this far below the top edge, with what led to it just visible above.
REVEAL_MARGIN = 56
# After messages are drawn above, the one being read is held in place while their heights
# settle (wrapped text is measured once it has a width).
HOLD_MS = 400

MessageWidget = UserMessage | AssistantMessage


class ChatView(QScrollArea):
    regenerate_requested = Signal()
    link_clicked = Signal(QUrl)
    reply_action = Signal(str, object)  # action ("retry", "open-settings", ...), the Message
    remember_requested = Signal(object)  # the Message whose text to remember
    manage_memories_requested = Signal()
    edit_submitted = Signal(object, str)  # the user Message edited, its new text
    branch_requested = Signal(int)  # the id of the version of a message to show instead
    earlier_requested = Signal(int)  # the oldest message id loaded: the page above it, please
    later_requested = Signal(int)  # the newest message id loaded: the page below it, please
    latest_requested = Signal()  # “Jump to the latest”: the last page, please
    page_drawn = Signal()  # a page is drawn above or below: its ‹ › and memories are wanted
    conversation_changed = Signal(object)  # another conversation's id, or None for a new chat

    def __init__(self, theme: Theme, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("chatView")
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._theme = theme
        self._conversation_id: int | None = None
        self._widgets: dict[int, MessageWidget] = {}
        self._replies: dict[int, AssistantMessage] = {}
        self._branches: dict[int, Branches] = {}
        self._used: dict[int, tuple[Memory, ...]] = {}
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
        self._stick_to_bottom = True
        self._anchor: tuple[QWidget, int] | None = None
        self._generation = 0  # bumped on every clear(), so stale batches know to stop
        self._idle = True  # nothing is being written: regenerate, edit and switch versions
        self._cost_note: CostNoteFor | None = None
        self.memories_popup: UsedMemoriesPopup | None = None
        self._build()
        self._frame_timer = QTimer(self)
        self._frame_timer.setSingleShot(True)
        self._frame_timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._frame_timer.timeout.connect(self._render_dirty)
        self._last_frame = 0.0
        self._frame_gap_ms = float(MIN_FRAME_MS)
        self._hold_timer = QTimer(self)
        self._hold_timer.setSingleShot(True)
        self._hold_timer.timeout.connect(self._on_hold_over)
        bar = self.verticalScrollBar()
        bar.rangeChanged.connect(self._on_range_changed)
        bar.valueChanged.connect(self._on_scrolled)
        # The user scrolls (wheel, keys, the bar itself): a held position lets go at once.
        bar.actionTriggered.connect(lambda _action: self._release_anchor())

    def _build(self) -> None:
        content = QWidget()
        content.setObjectName("chatContent")
        self._column = QWidget(content)
        self._column.setMaximumWidth(COLUMN_MAX_WIDTH)
        column = QVBoxLayout(self._column)
        column.setContentsMargins(28, 24, 28, 24)
        column.setSpacing(0)
        self._earlier_button = EarlierButton(self._column)
        self._earlier_button.clicked.connect(self.show_earlier)
        column.addWidget(self._earlier_button, 0, Qt.AlignmentFlag.AlignHCenter)
        self._layout = QVBoxLayout()  # the messages (and notices), top to bottom
        self._layout.setSpacing(0)
        column.addLayout(self._layout)
        self._newer_bar = NewerBar(self._column)
        self._newer_bar.newer_requested.connect(self.show_later)
        self._newer_bar.latest_requested.connect(self.latest_requested)
        column.addWidget(self._newer_bar)
        column.addStretch(1)
        row = QHBoxLayout(content)
        row.setContentsMargins(0, 0, 0, 0)
        row.addStretch(1)
        row.addWidget(self._column, 12)
        row.addStretch(1)
        self.setWidget(content)

    # -- what is shown -------------------------------------------------------------------------

    @property
    def conversation_id(self) -> int | None:
        return self._conversation_id

    @conversation_id.setter
    def conversation_id(self, value: int | None) -> None:
        """Set from outside when a new chat gets its id with its first message."""
        changed = value != self._conversation_id
        self._conversation_id = value
        if changed:
            self.conversation_changed.emit(value)

    def show_conversation(
        self,
        conversation_id: int | None,
        messages: list[Message],
        *,
        more_before: bool = False,
        more_after: bool = False,
        focus_id: int | None = None,
    ) -> None:
        """Show these messages (oldest first); `more_before` / `more_after`: the database holds
        more above / below them, asked for with earlier_requested / later_requested when the
        user wants them. Without `focus_id` the view opens at the end; with it, at that message
        (drawn first, the rest of the page around it in batches; reveal_message scrolls to it)."""
        previous = self._conversation_id
        self._reset()
        self._conversation_id = conversation_id
        self._more_before = more_before
        self._more_after = more_after and bool(messages)
        self._oldest_loaded = messages[0].id if messages else None
        self._newest_loaded = messages[-1].id if messages else None
        focus = next((i for i, m in enumerate(messages) if m.id == focus_id), None)
        if focus is None:
            focus = max(0, len(messages) - BATCH_SIZE)
        above, at_once = messages[:focus], messages[focus : focus + BATCH_SIZE]
        self._pending_newer = messages[focus + BATCH_SIZE :]
        self._hidden_earlier = above[:-PAGE_SIZE]
        self._pending_older = above[-PAGE_SIZE:]
        for message in at_once:
            self._append(self._widget_for(message))
        self._refresh_regenerate_links()
        if not self._more_after and focus_id is None:
            self.scroll_to_bottom()
        else:
            self._stick_to_bottom = False
        self._update_paging_controls()
        if self._pending_older or self._pending_newer:
            self._draw_pending_later()
        if conversation_id != previous:
            self.conversation_changed.emit(conversation_id)

    def _draw_pending_later(self) -> None:
        generation = self._generation
        QTimer.singleShot(BATCH_GAP_MS, lambda: self._draw_pending_batch(generation))

    def _draw_pending_batch(self, generation: int) -> None:
        """Draw the rest of the page until this batch's time is used up, then let events run:
        below first (it moves nothing on screen), then above, holding the reader's place."""
        if generation != self._generation or not (self._pending_older or self._pending_newer):
            return  # another conversation is shown now, or the rest was drawn at once
        began = time.perf_counter()

        def time_left() -> bool:
            return (time.perf_counter() - began) * 1000 < BATCH_BUDGET_MS

        while self._pending_newer and time_left():
            self._append(self._widget_for(self._pending_newer.pop(0)))
        if self._pending_older and time_left():
            # One anchor for the whole page: the widgets of the last batch may not be laid out.
            anchor = self._anchor or (None if self._stick_to_bottom else self._top_anchor())
            while self._pending_older and time_left():
                self._insert(0, self._widget_for(self._pending_older.pop()))
            if anchor is not None:
                self._hold(*anchor)
        if self._pending_older or self._pending_newer:
            self._draw_pending_later()
        else:
            self._refresh_regenerate_links()
            self._update_paging_controls()

    def clear(self) -> None:
        """Nothing shown (a new chat)."""
        self._reset()
        self.conversation_id = None

    def _reset(self) -> None:
        self._generation += 1
        self._frame_timer.stop()
        self._release_anchor()
        self._replies.clear()
        self._widgets.clear()
        self._branches.clear()
        self._used.clear()
        self._pending_older = []
        self._pending_newer = []
        self._hidden_earlier = []
        self._more_before = self._more_after = False
        self._oldest_loaded = self._newest_loaded = None
        self._loading_earlier = self._loading_later = self._fill_above = False
        while self._layout.count():
            item = self._layout.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        self._update_paging_controls()

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
            self._draw_pending_batch(self._generation)
            self.page_drawn.emit()
        self._update_paging_controls()

    def later_failed(self) -> None:
        """The page below could not be read; the link offers to try again."""
        self._loading_later = False
        self._update_paging_controls()

    def _draw_pending_until(self, message_id: int) -> None:
        """The page being drawn holds this message: draw it (and what lies between) now."""
        if any(m.id == message_id for m in self._pending_older):
            pending, self._pending_older = self._pending_older, []
            self._insert_above(pending, hold=True)
        index = next((i for i, m in enumerate(self._pending_newer) if m.id == message_id), None)
        if index is not None:
            drawn = self._pending_newer[: index + 1]
            self._pending_newer = self._pending_newer[index + 1 :]
            for message in drawn:
                self._append(self._widget_for(message))

    def _insert_above(self, messages: list[Message], *, hold: bool = False) -> None:
        """Draw messages above the ones shown. Unless the view follows the end, the message at
        the top of the screen stays where it is."""
        anchor = None if self._stick_to_bottom and not hold else self._top_anchor()
        for offset, message in enumerate(messages):
            self._insert(offset, self._widget_for(message))
        if anchor is not None:
            self._hold(*anchor)

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

    def add_user_message(self, message: Message) -> UserMessage:
        self._make_room_at_the_end(message)
        widget = self._widget_for(message)
        self._append(widget)
        self._fill_from_above()
        return widget

    def add_reply(self, message: Message) -> AssistantMessage:
        self._make_room_at_the_end(message)
        widget = self._widget_for(message)
        self._append(widget)
        self._refresh_regenerate_links()
        self._fill_from_above()
        return widget

    def _fill_from_above(self) -> None:
        if self._fill_above and not self._loading_earlier:
            self.show_earlier()  # the page above the new message, read again

    def add_notice(self, text: str, *, error: bool = False) -> NoticeLine:
        line = NoticeLine(text, error=error)
        self._append(line)
        return line

    def add_notice_before(self, message_id: int, text: str) -> NoticeLine:
        """A quiet line just above a reply, e.g. that the local fallback model answers it."""
        widget = self._replies.get(message_id)
        if widget is None:
            return self.add_notice(text)
        line = NoticeLine(text)
        self._insert(self._layout.indexOf(widget), line)
        return line

    def set_live_note(self, message_id: int | None, text: str) -> None:
        widget = self._replies.get(message_id) if message_id is not None else None
        if widget is not None:
            widget.set_live_note(text)

    def reply_widget(self, message_id: int) -> AssistantMessage | None:
        return self._replies.get(message_id)

    def widget_for_message(self, message_id: int) -> MessageWidget | None:
        """The UserMessage or AssistantMessage drawing this message, if it is drawn."""
        return self._widgets.get(message_id)

    def message_ids_shown(self) -> list[int]:
        """The messages drawn, and those of the pages still being drawn."""
        drawn = [w.message.id for w in self.messages_shown() if isinstance(w, MessageWidget)]
        return [m.id for m in self._pending_older] + drawn + [m.id for m in self._pending_newer]

    def remove_trailing_replies(self) -> None:
        """Before regenerating: the replies after the last thing the user wrote go away."""
        while self._layout.count():
            widget = self._layout.itemAt(self._layout.count() - 1).widget()
            if isinstance(widget, UserMessage):
                break
            self._remove(widget)

    def remove_from(self, message_id: int) -> bool:
        """This message and everything drawn after it go away (edit and resend, a switch to
        another version). False when the message is not drawn."""
        widget = self._widgets.get(message_id)
        if widget is None:
            return False
        index = self._layout.indexOf(widget)
        while self._layout.count() > index:
            self._remove(self._layout.itemAt(self._layout.count() - 1).widget())
        # What followed it (drawn or not) is gone from this version: what comes next ends it.
        self._pending_newer = []
        self._more_after = self._loading_later = False
        self._newest_loaded = self._last_drawn_id()
        self._update_paging_controls()
        return True

    def _last_drawn_id(self) -> int | None:
        shown = [w for w in self.messages_shown() if isinstance(w, MessageWidget)]
        return shown[-1].message.id if shown else None

    def show_branch(
        self, message_id: int, messages: list[Message], *, more_after: bool = False
    ) -> None:
        """Another version of a message was chosen: `messages` is the conversation now shown
        from that version down (or all of it); `more_after`: it goes on in the database.
        Everything from the old version down is drawn again, the new version where the old one
        was on screen."""
        index = next((i for i, m in enumerate(messages) if m.id == message_id), None)
        if index is None:
            return
        chosen = messages[index]
        old = next(
            (
                w
                for w in self._widgets.values()
                if w.message.parent_id == chosen.parent_id and w.message.role == chosen.role
            ),
            None,
        )
        if old is None:
            more_before = messages[0].parent_id is not None
            self.show_conversation(
                self.conversation_id,
                messages,
                more_before=more_before,
                more_after=more_after,
                focus_id=message_id,
            )
            self.reveal_message(message_id, flash=False)
            return
        offset = self._offset_of(old)
        self.remove_from(old.message.id)
        below = messages[index:]
        for message in below[:BATCH_SIZE]:
            self._append(self._widget_for(message))
        self._pending_newer = below[BATCH_SIZE:]
        self._more_after = more_after
        self._newest_loaded = below[-1].id
        self._refresh_regenerate_links()
        self._update_paging_controls()
        self._hold(self._widgets[message_id], offset)
        if self._pending_newer:
            self._draw_pending_later()

    def messages_shown(self) -> list[QWidget]:
        """The messages and notices drawn, top to bottom."""
        return [self._layout.itemAt(i).widget() for i in range(self._layout.count())]

    def set_regenerate_allowed(self, allowed: bool) -> None:
        """While a reply is written nothing may regenerate, edit or switch versions."""
        self._idle = allowed
        self._apply_idle(allowed)
        self._refresh_regenerate_links()

    def set_theme(self, theme: Theme) -> None:
        self._theme = theme
        for widget in self._widgets.values():
            widget.set_theme(theme)

    def set_cost_note(self, cost_note: CostNoteFor | None) -> None:
        """How each reply's cost line is written; the replies shown are redrawn with it."""
        self._cost_note = cost_note
        for widget in self._replies.values():
            widget.set_cost_note(cost_note)

    # -- versions and memories -----------------------------------------------------------------

    def set_branches(self, branches: dict[int, Branches], *, for_ids: list[int]) -> None:
        """‹ 1/2 › on the messages asked about (`for_ids`) that have other versions."""
        for message_id in for_ids:
            found = branches.get(message_id)
            if found is None:
                self._branches.pop(message_id, None)
            else:
                self._branches[message_id] = found
            widget = self._widgets.get(message_id)
            if widget is not None:
                widget.set_branch(_position(found))

    def set_used_memories(self, used: dict[int, list[Memory] | tuple[Memory, ...]]) -> None:
        """“Used N memories” under the replies given memories (reply id → its memories)."""
        for message_id, memories in used.items():
            self._used[message_id] = tuple(memories)
            widget = self._replies.get(message_id)
            if widget is not None:
                widget.set_used_memories(memories)

    def show_used_memories(self, message_id: int) -> UsedMemoriesPopup | None:
        widget = self._replies.get(message_id)
        if widget is None or not widget.used_memories:
            return None
        popup = UsedMemoriesPopup(list(widget.used_memories), self)
        popup.manage_requested.connect(self.manage_memories_requested)
        self.memories_popup = popup
        popup.destroyed.connect(lambda *_: setattr(self, "memories_popup", None))
        footer = widget.footer
        popup.show_at(footer.mapToGlobal(QPoint(0, footer.height())))
        return popup

    # -- finding a message ---------------------------------------------------------------------

    def reveal_message(self, message_id: int, *, flash: bool = True) -> bool:
        """Scroll this message into view (drawing the pages above if it is among them) and
        briefly tint it. False when the message is not in the conversation shown."""
        widget = self._widgets.get(message_id)
        if widget is None:
            self._draw_pending_until(message_id)
            widget = self._widgets.get(message_id)
        if widget is None and any(m.id == message_id for m in self._hidden_earlier):
            if self._pending_older:  # the page being drawn goes on top of the one revealed
                self._draw_pending_until(self._pending_older[0].id)
            index = next(i for i, m in enumerate(self._hidden_earlier) if m.id == message_id)
            # Whole pages, so "Show earlier" goes on from a page boundary as before.
            start = max(0, index - (len(self._hidden_earlier) - index) % PAGE_SIZE)
            page, self._hidden_earlier = self._hidden_earlier[start:], self._hidden_earlier[:start]
            self._insert_above(page)
            self._update_paging_controls()
            self.page_drawn.emit()
        widget = self._widgets.get(message_id)
        if widget is None:
            return False
        self._hold(widget, REVEAL_MARGIN)
        if flash:
            message_flash.flash(widget, self._theme.accent)
        return True

    # -- streaming -----------------------------------------------------------------------------

    def stream_into(self, message_id: int, text: str) -> None:
        """New text for a streaming reply; drawn on the next frame, not once per token."""
        widget = self._replies.get(message_id)
        if widget is None:
            return
        widget.set_streaming_text(text)
        if not self._frame_timer.isActive():
            since = (time.perf_counter() - self._last_frame) * 1000
            self._frame_timer.start(max(0, round(self._frame_gap_ms - since)))

    def finish_reply(self, message: Message, error: HearthError | None = None) -> None:
        widget = self._replies.get(message.id)
        if widget is not None:
            widget.finish(message, error)
        self._refresh_regenerate_links()

    def _render_dirty(self) -> None:
        began = time.perf_counter()
        for widget in self._replies.values():
            if widget.is_dirty:
                widget.render()
        self._last_frame = time.perf_counter()
        cost_ms = (self._last_frame - began) * 1000
        self._frame_gap_ms = min(MAX_FRAME_MS, max(MIN_FRAME_MS, FRAME_COST_FACTOR * cost_ms))

    # -- helpers -------------------------------------------------------------------------------

    def _widget_for(self, message: Message) -> MessageWidget:
        if message.role == "user":
            widget = UserMessage(message, theme=self._theme)
            widget.edit_submitted.connect(
                lambda text, w=widget: self.edit_submitted.emit(w.message, text)
            )
        else:
            widget = AssistantMessage(message, self._theme, cost_note=self._cost_note)
            widget.regenerate_requested.connect(self.regenerate_requested)
            widget.link_clicked.connect(self.link_clicked)
            self._replies[message.id] = widget
        widget.action_requested.connect(lambda action, w=widget: self._on_action(action, w))
        widget.set_branch(_position(self._branches.get(message.id)))
        if isinstance(widget, UserMessage):
            widget.set_can_edit(self._idle)
        else:
            widget.set_can_switch(self._idle)
        if message.id in self._used and isinstance(widget, AssistantMessage):
            widget.set_used_memories(self._used[message.id])
        self._widgets[message.id] = widget
        return widget

    def _on_action(self, action: str, widget: MessageWidget) -> None:
        message = widget.message
        if action == REMEMBER:
            self.remember_requested.emit(message)
        elif action == USED_MEMORIES:
            self.show_used_memories(message.id)
        elif action in (BRANCH_PREVIOUS, BRANCH_NEXT):
            branches = self._branches.get(message.id)
            target = None
            if branches is not None and self._idle:
                target = branches.previous_id if action == BRANCH_PREVIOUS else branches.next_id
            if target is not None:
                self.branch_requested.emit(target)
        else:
            self.reply_action.emit(action, message)

    def _remove(self, widget: QWidget) -> None:
        self._layout.removeWidget(widget)
        if isinstance(widget, MessageWidget):
            self._widgets.pop(widget.message.id, None)
            self._replies.pop(widget.message.id, None)
            self._branches.pop(widget.message.id, None)
        widget.hide()
        widget.deleteLater()

    def _append(self, widget: QWidget) -> None:
        self._insert(self._layout.count(), widget)

    def _insert(self, index: int, widget: QWidget) -> None:
        self._layout.insertWidget(index, widget)
        # Shown now, inside the batch's time, rather than by the layout's queued call: those
        # calls run back to back and, a page at a time, stall the window.
        widget.show()

    def _apply_idle(self, idle: bool) -> None:
        for widget in self._widgets.values():
            if isinstance(widget, UserMessage):
                widget.set_can_edit(idle)
            else:
                widget.set_can_switch(idle)

    def _update_paging_controls(self) -> None:
        self._earlier_button.set_state(
            hidden=len(self._hidden_earlier),
            more=self._more_before,
            loading=self._loading_earlier,
        )
        self._newer_bar.set_state(more=self.has_later, loading=self._loading_later)

    def _refresh_regenerate_links(self) -> None:
        """Only the last reply offers Regenerate, and only while nothing is being written."""
        shown = [] if self.has_later else self.messages_shown()
        last = next((w for w in reversed(shown) if isinstance(w, MessageWidget)), None)
        for widget in self._replies.values():
            widget.set_can_regenerate(self._idle and widget is last)

    # -- scrolling -----------------------------------------------------------------------------

    def scroll_to_bottom(self) -> None:
        self._release_anchor()
        self._stick_to_bottom = True
        bar = self.verticalScrollBar()
        bar.setValue(bar.maximum())

    def _offset_of(self, widget: QWidget) -> int:
        """How far below the top edge of the view the widget's top is, in pixels."""
        top = widget.mapTo(self.widget(), QPoint(0, 0)).y()
        return top - self.verticalScrollBar().value()

    def _top_anchor(self) -> tuple[QWidget, int] | None:
        """The message at the top of the screen, and where it is."""
        value = self.verticalScrollBar().value()
        for widget in self.messages_shown():
            if (
                widget.isVisible()
                and widget.mapTo(self.widget(), QPoint(0, widget.height())).y() > value
            ):
                return widget, self._offset_of(widget)
        return None

    def _hold(self, widget: QWidget, offset: int) -> None:
        """Keep `widget` `offset` pixels below the top edge while the layout settles."""
        self._stick_to_bottom = False
        self._anchor = (widget, offset)
        self.widget().layout().activate()
        self._apply_anchor()
        self._hold_timer.start(HOLD_MS)
        QTimer.singleShot(0, self._apply_anchor_and_wait)

    def _apply_anchor_and_wait(self) -> None:
        """Once the events queued by drawing (showing the new widgets) are done."""
        if self._anchor is not None:
            self._apply_anchor()
            self._hold_timer.start(HOLD_MS)

    def _apply_anchor(self) -> None:
        if self._anchor is None:
            return
        widget, offset = self._anchor
        try:
            top = widget.mapTo(self.widget(), QPoint(0, 0)).y()
        except RuntimeError:  # the widget was deleted meanwhile
            self._anchor = None
            return
        self.verticalScrollBar().setValue(top - offset)

    def _on_hold_over(self) -> None:
        self._release_anchor()
        self._on_scrolled(self.verticalScrollBar().value())  # the user may be at the top now

    def _release_anchor(self) -> None:
        self._anchor = None
        self._hold_timer.stop()

    def _on_range_changed(self, _minimum: int, maximum: int) -> None:
        if self._anchor is not None:
            self._apply_anchor()
            QTimer.singleShot(0, self._apply_anchor)  # and again once the layout is done
            self._hold_timer.start(HOLD_MS)  # held until the heights stop changing
        elif self._stick_to_bottom and not self.has_later:
            self.verticalScrollBar().setValue(maximum)

    def _on_scrolled(self, value: int) -> None:
        bar = self.verticalScrollBar()
        if self._anchor is None:
            # Only the chat's real end is followed; the end of a page keeps its place.
            self._stick_to_bottom = not self.has_later and value >= bar.maximum() - STICKY_PIXELS
        if self._anchor is not None or bar.maximum() <= 0:
            return
        if value <= NEAR_TOP_PIXELS and self.has_earlier and not self._loading_earlier:
            QTimer.singleShot(0, self._earlier_if_still_near_top)
        near_bottom = value >= bar.maximum() - NEAR_BOTTOM_PIXELS
        if near_bottom and self._more_after and not self._loading_later:
            QTimer.singleShot(0, self._later_if_still_near_bottom)

    def _earlier_if_still_near_top(self) -> None:
        bar = self.verticalScrollBar()
        if bar.value() <= NEAR_TOP_PIXELS and self._anchor is None and not self._loading_earlier:
            self.show_earlier()

    def _later_if_still_near_bottom(self) -> None:
        bar = self.verticalScrollBar()
        near_bottom = bar.value() >= bar.maximum() - NEAR_BOTTOM_PIXELS
        if near_bottom and self._anchor is None and not self._loading_later:
            self.show_later()


def _position(branches: Branches | None) -> tuple[int, int] | None:
    return (branches.position, branches.count) if branches is not None else None
