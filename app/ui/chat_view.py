"""The conversation: a scrolling column of messages; a streaming reply is drawn as it arrives."""

from __future__ import annotations

import time

from PySide6.QtCore import Qt, QTimer, QUrl, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QPushButton, QScrollArea, QVBoxLayout, QWidget

from app.core.errors import HearthError
from app.core.records import Message
from app.ui.assistant_message import AssistantMessage, CostNoteFor
from app.ui.notice_line import NoticeLine
from app.ui.theme import Theme
from app.ui.user_message import UserMessage

# Readable line length, as in other chat apps; the column is centred in wider windows.
COLUMN_MAX_WIDTH = 780
# Long conversations open at the end; older messages are drawn on request, a page at a time.
PAGE_SIZE = 40
# The newest messages are drawn at once; the rest of the page follows in small batches between
# events, so opening a long conversation never freezes the window.
BATCH_SIZE = 6
# New text is drawn at once unless the last frame was very recent; then when the next one is due.
# Frames are spaced by twice what drawing took (at least MIN_FRAME_MS, at most MAX_FRAME_MS), so
# words reach the screen within a few milliseconds while drawing never takes more than about
# half the time, however long the reply or its code blocks get.
MIN_FRAME_MS = 4
MAX_FRAME_MS = 33
FRAME_COST_FACTOR = 1.0
# Within this many pixels of the bottom, new text keeps the view scrolled to the end.
STICKY_PIXELS = 48


class ChatView(QScrollArea):
    regenerate_requested = Signal()
    link_clicked = Signal(QUrl)
    reply_action = Signal(str, object)  # action ("retry", "open-settings", ...), the Message

    def __init__(self, theme: Theme, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("chatView")
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._theme = theme
        self.conversation_id: int | None = None
        self._replies: dict[int, AssistantMessage] = {}
        self._hidden_earlier: list[Message] = []
        self._stick_to_bottom = True
        self._generation = 0  # bumped on every clear(), so stale batches know to stop
        self._regenerate_allowed = True
        self._cost_note: CostNoteFor | None = None
        self._build()
        self._frame_timer = QTimer(self)
        self._frame_timer.setSingleShot(True)
        self._frame_timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._frame_timer.timeout.connect(self._render_dirty)
        self._last_frame = 0.0
        self._frame_gap_ms = float(MIN_FRAME_MS)
        bar = self.verticalScrollBar()
        bar.rangeChanged.connect(self._keep_at_bottom)
        bar.valueChanged.connect(self._remember_if_at_bottom)

    def _build(self) -> None:
        content = QWidget()
        content.setObjectName("chatContent")
        self._column = QWidget(content)
        self._column.setMaximumWidth(COLUMN_MAX_WIDTH)
        self._layout = QVBoxLayout(self._column)
        self._layout.setContentsMargins(28, 24, 28, 24)
        self._layout.setSpacing(0)
        self._earlier_button = QPushButton("Show earlier messages", self._column)
        self._earlier_button.setObjectName("linkButton")
        self._earlier_button.clicked.connect(self.show_earlier)
        self._earlier_button.hide()
        self._layout.addWidget(self._earlier_button, 0, Qt.AlignmentFlag.AlignHCenter)
        self._layout.addStretch(1)
        row = QHBoxLayout(content)
        row.setContentsMargins(0, 0, 0, 0)
        row.addStretch(1)
        row.addWidget(self._column, 12)
        row.addStretch(1)
        self.setWidget(content)

    # -- what is shown -------------------------------------------------------------------------

    def show_conversation(self, conversation_id: int | None, messages: list[Message]) -> None:
        self.clear()
        self.conversation_id = conversation_id
        self._hidden_earlier = messages[:-PAGE_SIZE] if len(messages) > PAGE_SIZE else []
        page = messages[-PAGE_SIZE:]
        for message in page[-BATCH_SIZE:]:
            self._append(self._widget_for(message))
        self._refresh_regenerate_links()
        self.scroll_to_bottom()
        self._draw_older_later(page[:-BATCH_SIZE])

    def _draw_older_later(self, older: list[Message]) -> None:
        if not older:
            self._update_earlier_button()
            return
        generation = self._generation

        def draw_batch() -> None:
            if generation != self._generation:
                return  # another conversation is shown now
            for offset, message in enumerate(older[-BATCH_SIZE:]):
                self._layout.insertWidget(1 + offset, self._widget_for(message))
            self._draw_older_later(older[:-BATCH_SIZE])

        QTimer.singleShot(0, draw_batch)

    def clear(self) -> None:
        self._generation += 1
        self._frame_timer.stop()
        self._replies.clear()
        self._hidden_earlier = []
        while self._layout.count() > 2:  # keep the "earlier" button and the closing stretch
            item = self._layout.takeAt(1)
            if item.widget() is not None:
                item.widget().deleteLater()
        self._earlier_button.hide()
        self.conversation_id = None

    def show_earlier(self) -> None:
        page, self._hidden_earlier = (
            self._hidden_earlier[-PAGE_SIZE:],
            self._hidden_earlier[:-PAGE_SIZE],
        )
        bar = self.verticalScrollBar()
        distance_from_end = bar.maximum() - bar.value()
        for offset, message in enumerate(page):
            self._layout.insertWidget(1 + offset, self._widget_for(message))
        self._update_earlier_button()
        # Keep the message the user was reading where it was.
        self._stick_to_bottom = False
        QTimer.singleShot(0, lambda: bar.setValue(bar.maximum() - distance_from_end))

    def add_user_message(self, message: Message) -> UserMessage:
        widget = UserMessage(message)
        self._append(widget)
        return widget

    def add_reply(self, message: Message) -> AssistantMessage:
        widget = self._widget_for(message)
        self._append(widget)
        self._refresh_regenerate_links()
        return widget

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
        self._layout.insertWidget(self._layout.indexOf(widget), line)
        return line

    def set_live_note(self, message_id: int | None, text: str) -> None:
        widget = self._replies.get(message_id) if message_id is not None else None
        if widget is not None:
            widget.set_live_note(text)

    def reply_widget(self, message_id: int) -> AssistantMessage | None:
        return self._replies.get(message_id)

    def remove_trailing_replies(self) -> None:
        """Before regenerating: the replies after the last thing the user wrote go away."""
        while self._layout.count() > 2:
            widget = self._layout.itemAt(self._layout.count() - 2).widget()
            if isinstance(widget, UserMessage):
                break
            self._layout.removeWidget(widget)
            if isinstance(widget, AssistantMessage):
                self._replies.pop(widget.message.id, None)
            widget.deleteLater()

    def messages_shown(self) -> list[QWidget]:
        return [self._layout.itemAt(i).widget() for i in range(1, self._layout.count() - 1)]

    def set_regenerate_allowed(self, allowed: bool) -> None:
        self._regenerate_allowed = allowed
        self._refresh_regenerate_links()

    def set_theme(self, theme: Theme) -> None:
        self._theme = theme
        for widget in self._replies.values():
            widget.set_theme(theme)

    def set_cost_note(self, cost_note: CostNoteFor | None) -> None:
        """How each reply's cost line is written; the replies shown are redrawn with it."""
        self._cost_note = cost_note
        for widget in self._replies.values():
            widget.set_cost_note(cost_note)

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

    def _widget_for(self, message: Message) -> QWidget:
        if message.role == "user":
            return UserMessage(message)
        widget = AssistantMessage(message, self._theme, cost_note=self._cost_note)
        widget.regenerate_requested.connect(self.regenerate_requested)
        widget.action_requested.connect(
            lambda action, w=widget: self.reply_action.emit(action, w.message)
        )
        widget.link_clicked.connect(self.link_clicked)
        self._replies[message.id] = widget
        return widget

    def _append(self, widget: QWidget) -> None:
        self._layout.insertWidget(self._layout.count() - 1, widget)

    def _update_earlier_button(self) -> None:
        count = len(self._hidden_earlier)
        self._earlier_button.setVisible(count > 0)
        self._earlier_button.setText(f"Show {min(count, PAGE_SIZE)} earlier messages")

    def _refresh_regenerate_links(self) -> None:
        """Only the last reply offers Regenerate, and only while nothing is being written."""
        shown = self.messages_shown()
        last = next(
            (w for w in reversed(shown) if isinstance(w, (AssistantMessage, UserMessage))), None
        )
        for widget in self._replies.values():
            widget.set_can_regenerate(self._regenerate_allowed and widget is last)

    def scroll_to_bottom(self) -> None:
        self._stick_to_bottom = True
        bar = self.verticalScrollBar()
        bar.setValue(bar.maximum())

    def _keep_at_bottom(self, _minimum: int, maximum: int) -> None:
        if self._stick_to_bottom:
            self.verticalScrollBar().setValue(maximum)

    def _remember_if_at_bottom(self, value: int) -> None:
        self._stick_to_bottom = value >= self.verticalScrollBar().maximum() - STICKY_PIXELS
