"""Python's cycle collector, run only on the window's thread.

Left automatic, the collector runs on whichever thread happens to allocate when a threshold is
reached: the database worker, llama.cpp's owner thread, an HTTP stream. If it then frees a closed
window or dialog (they sit in reference cycles through their connected lambdas), Qt destroys the
widgets on that thread; it cannot stop their timers from there ("QObject::~QObject: Timers cannot
be stopped from another thread", e.g. a text field's cursor blink) and crashes the next time the
dangling timer fires. So automatic collection is turned off and the same generational checks run
from a timer on the window's thread instead (pyqtgraph's GarbageCollector does the same).
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QApplication

INTERVAL_MS = 1000

_installed: MainThreadCollector | None = None


class MainThreadCollector(QObject):
    def __init__(self, app: QApplication) -> None:
        super().__init__(app)
        self.threshold = gc.get_threshold()
        gc.disable()
        self.timer = QTimer(self)
        self.timer.setInterval(INTERVAL_MS)
        self.timer.timeout.connect(self.collect)
        self.timer.start()
        app.destroyed.connect(gc.enable)  # no window thread any more: automatic again

    def collect(self) -> int:
        """What automatic collection would have done by now: the generations over threshold."""
        counts = gc.get_count()
        generation = -1
        for level, (count, limit) in enumerate(zip(counts, self.threshold, strict=True)):
            if count <= limit:
                break
            generation = level
        return gc.collect(generation) if generation >= 0 else 0


def collect_on_main_thread() -> MainThreadCollector:
    """Install once per QApplication (idempotent)."""
    global _installed
    app = QApplication.instance()
    if _installed is None or not _belongs_to(_installed, app):
        _installed = MainThreadCollector(app)
    return _installed


def _belongs_to(collector: MainThreadCollector, app) -> bool:
    try:
        return collector.parent() is app
    except RuntimeError:  # that QApplication is gone
        return False
