"""The conversation: a scrolling column of messages; a streaming reply is drawn as it arrives.

Long conversations are drawn a page at a time: the messages on screen at once, the rest of the
page in small batches between events, earlier pages when the user asks for them or scrolls near
the top (from memory, else from the database through `earlier_requested`). A chat opened far
from its end (at a search hit) shows a page around that message; newer pages follow when the
user scrolls near the bottom (`later_requested`), and “Jump to the latest” shows the end again.
Only a few pages stay drawn: scrolling up a long way, the newest leave the bottom (read again
through `later_requested`); scrolling down, the oldest leave the top.

This file is the view's face: its signals and what it shows. Paging (show_earlier, add_earlier,
show_later, add_later, has_earlier, has_later, ...) is PageWindow's, in chat_pages.py; drawing
in batches and holding the reader's place (scroll_to_bottom) PacedDrawing's, in chat_drawing.py;
the message widgets are made in chat_widgets.py, streamed text paced in chat_frames.py.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt, QUrl, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QScrollArea, QVBoxLayout, QWidget

from app.core.errors import HearthError
from app.core.records import Message
from app.store.history import Branches
from app.store.memory import Memory
from app.ui.chat import message_flash
from app.ui.chat.assistant_message import AssistantMessage, CostNoteFor
from app.ui.chat.chat_drawing import HOLD_MS, REVEAL_MARGIN, MessageWidget, PacedDrawing
from app.ui.chat.chat_frames import FramePacer
from app.ui.chat.chat_pages import PageWindow
from app.ui.chat.chat_paging import PAGE_SIZE, EarlierButton, NewerBar
from app.ui.chat.chat_widgets import MessageWidgets, branch_position
from app.ui.chat.used_memories import UsedMemoriesPopup
from app.ui.chat.user_message import UserMessage
from app.ui.shell.notice_line import NoticeLine
from app.ui.shell.theme import Theme

# Readable line length, as in other chat apps; the column is centred in wider windows.
COLUMN_MAX_WIDTH = 780
__all__ = ["COLUMN_MAX_WIDTH", "HOLD_MS", "PAGE_SIZE", "ChatView"]


class ChatView(PageWindow, PacedDrawing, MessageWidgets, QScrollArea):
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
        self._idle = True  # nothing is being written: regenerate, edit and switch versions
        self._cost_note: CostNoteFor | None = None
        self.memories_popup: UsedMemoriesPopup | None = None
        self._reset_pages()
        self._build()
        self._frames = FramePacer(self._render_dirty, self)
        self.setup_drawing()

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
        at_once = self._open_window(
            messages, more_before=more_before, more_after=more_after, focus_id=focus_id
        )
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

    def clear(self) -> None:
        """Nothing shown (a new chat)."""
        self._reset()
        self.conversation_id = None

    def _reset(self) -> None:
        self._generation += 1
        self._frames.stop()
        self._release_anchor()
        self._replies.clear()
        self._widgets.clear()
        self._branches.clear()
        self._used.clear()
        self._reset_pages()
        while self._layout.count():
            item = self._layout.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        self._update_paging_controls()

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

    def add_notice(self, text: str, *, error: bool = False) -> NoticeLine:
        line = NoticeLine(text, error=error)
        self._append(line)
        return line

    def add_notice_widget(self, widget: QWidget) -> QWidget:
        """A notice with its own controls (e.g. Retry saving), at the end of the chat."""
        self._append(widget)
        return widget

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

    def messages_shown(self) -> list[QWidget]:
        """The messages and notices drawn, top to bottom."""
        return [self._layout.itemAt(i).widget() for i in range(self._layout.count())]

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
        self._cut_after_drawn()
        return True

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
        self._draw_instead(old, messages[index:], more_after=more_after)

    def reveal_message(self, message_id: int, *, flash: bool = True) -> bool:
        """Scroll this message into view (drawing the pages above if it is among them) and
        briefly tint it. False when the message is not in the conversation shown."""
        if message_id not in self._widgets:
            self._draw_pending_until(message_id)
        if message_id not in self._widgets:
            self._draw_hidden_page_with(message_id)
        widget = self._widgets.get(message_id)
        if widget is None:
            return False
        self._hold(widget, REVEAL_MARGIN)
        if flash:
            message_flash.flash(widget, self._theme.accent)
        return True

    def set_regenerate_allowed(self, allowed: bool) -> None:
        """While a reply is written nothing may regenerate, edit or switch versions."""
        self._idle = allowed
        for widget in self._widgets.values():
            self._apply_idle(widget)
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
                widget.set_branch(branch_position(found))

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

    # -- streaming -----------------------------------------------------------------------------

    def stream_into(self, message_id: int, text: str) -> None:
        """New text for a streaming reply; drawn on the next frame, not once per token."""
        widget = self._replies.get(message_id)
        if widget is None:
            return
        widget.set_streaming_text(text)
        self._frames.request()

    def finish_reply(self, message: Message, error: HearthError | None = None) -> None:
        widget = self._replies.get(message.id)
        if widget is not None:
            widget.finish(message, error)
        self._refresh_regenerate_links()

    def _render_dirty(self) -> None:
        for widget in self._replies.values():
            if widget.is_dirty:
                widget.render()
