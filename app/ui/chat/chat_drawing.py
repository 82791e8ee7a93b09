"""How the chat draws a page without freezing the window, and keeps the reader's place meanwhile.

The messages on screen are drawn at once; the rest of a page follows in small batches between
events. Drawn above what is read, a page would push it down: the message at the top of the
screen is held where it was until the new heights settle. Near the top (bottom) of what is
drawn, the page above (below) is asked for.

A mixin of ChatView (see chat_view.py), kept apart so each file stays small; it uses the view's
layout, its page window (chat_pages.py) and its widget factory.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QPoint, QTimer
from PySide6.QtWidgets import QWidget

from app.core.records import Message
from app.ui.chat.assistant_message import AssistantMessage
from app.ui.chat.user_message import UserMessage

MessageWidget = UserMessage | AssistantMessage

# The messages on screen are drawn at once; the rest of the page follows in small batches between
# events, so opening a long conversation never freezes the window.
BATCH_SIZE = 6
# The rest are drawn one by one for at most this long per batch (one widget takes 3-10 ms)...
BATCH_BUDGET_MS = 6
# ...and batches are this far apart: a real timer, so input, painting and other timers get their
# turn in between (zero-delay calls run back to back and starve them).
BATCH_GAP_MS = 2
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


class PacedDrawing:
    def setup_drawing(self) -> None:
        """Called once by ChatView.__init__, after its widgets are built."""
        self._stick_to_bottom = True
        self._anchor: tuple[QWidget, int] | None = None
        self._generation = 0  # bumped on every reset, so stale batches know to stop
        self._hold_timer = QTimer(self)
        self._hold_timer.setSingleShot(True)
        self._hold_timer.timeout.connect(self._on_hold_over)
        bar = self.verticalScrollBar()
        bar.rangeChanged.connect(self._on_range_changed)
        bar.valueChanged.connect(self._on_scrolled)
        # The user scrolls (wheel, keys, the bar itself): a held position lets go at once.
        bar.actionTriggered.connect(lambda _action: self._release_anchor())

    # -- drawing a page in batches -------------------------------------------------------------

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
            self._page_done()

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

    def _append(self, widget: QWidget) -> None:
        self._insert(self._layout.count(), widget)

    def _insert(self, index: int, widget: QWidget) -> None:
        self._layout.insertWidget(index, widget)
        # Shown now, inside the batch's time, rather than by the layout's queued call: those
        # calls run back to back and, a page at a time, stall the window.
        widget.show()

    # -- holding the reader's place ------------------------------------------------------------

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

    # -- asking for the next page --------------------------------------------------------------

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
