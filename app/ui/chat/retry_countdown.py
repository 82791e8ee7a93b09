"""“OpenAI is busy. Trying again in 4 s.”: a quiet line that counts down to the next try."""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer

from app.core.events import Retrying

TICK_MS = 250


def countdown_text(reason: str, seconds_left: float) -> str:
    left = math.ceil(max(0.0, seconds_left))
    when = f"Trying again in {left} s." if left > 0 else "Trying again…"
    return f"{reason.strip()} {when}".strip()


class RetryCountdown(QObject):
    """Calls `show` with the line to display, every quarter second; with "" once it is over."""

    def __init__(self, show: Callable[[str], None], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._show = show
        self._reason = ""
        self._deadline = 0.0
        self._timer = QTimer(self)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self._tick)

    @property
    def active(self) -> bool:
        return self._timer.isActive()

    def start(self, retrying: Retrying) -> None:
        self._reason = retrying.reason
        self._deadline = time.monotonic() + retrying.delay
        self._timer.start()
        self._tick()

    def stop(self) -> None:
        if self._timer.isActive():
            self._timer.stop()
            self._show("")

    def _tick(self) -> None:
        self._show(countdown_text(self._reason, self._deadline - time.monotonic()))
