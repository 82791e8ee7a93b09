"""Pacing for a streaming reply: new text is drawn on the next frame, never once per token.

New text is drawn at once unless the last frame was very recent; then when the next one is due.
Frames are spaced by twice what drawing took (at least MIN_FRAME_MS, at most MAX_FRAME_MS), so
words reach the screen within a few milliseconds while drawing never takes more than about half
the time, however long the reply or its code blocks get.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, QTimer

MIN_FRAME_MS = 4
MAX_FRAME_MS = 33
FRAME_COST_FACTOR = 1.0


class FramePacer(QObject):
    """Calls `draw` when a frame is due after `request()`; many requests, one frame."""

    def __init__(self, draw: Callable[[], None], parent: QObject) -> None:
        super().__init__(parent)
        self._draw = draw
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self._frame)
        self._last_frame = 0.0
        self._gap_ms = float(MIN_FRAME_MS)

    def request(self) -> None:
        if not self._timer.isActive():
            since = (time.perf_counter() - self._last_frame) * 1000
            self._timer.start(max(0, round(self._gap_ms - since)))

    def stop(self) -> None:
        self._timer.stop()

    def _frame(self) -> None:
        began = time.perf_counter()
        self._draw()
        self._last_frame = time.perf_counter()
        cost_ms = (self._last_frame - began) * 1000
        self._gap_ms = min(MAX_FRAME_MS, max(MIN_FRAME_MS, FRAME_COST_FACTOR * cost_ms))
