"""A quiet line for the sidebar while something downloads: “Downloading 1 model · 42%” over a
thin bar. Hidden when nothing is downloading, paused or stuck; click it to open the downloads."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent, QMouseEvent
from PySide6.QtWidgets import QFrame, QProgressBar, QVBoxLayout, QWidget

from app.downloads.queue import DownloadProgress
from app.services.downloads import DownloadService
from app.ui.downloads.download_events import DownloadEvents
from app.ui.downloads.download_style import apply_downloads_style
from app.ui.downloads.download_text import ACTIVE, indicator_summary, progress_words
from app.ui.shell.elided_label import ElidedLabel

STATE_WORDS = {"paused": "paused", "failed": "stopped", "verifying": "checking the file"}


class DownloadIndicator(QFrame):
    open_requested = Signal()

    def __init__(self, downloads: DownloadService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dlIndicator")
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.setAccessibleName("Downloads")
        self.events = DownloadEvents.for_service(downloads)
        self.label = ElidedLabel("", self)  # “…” in a narrow sidebar, never cut mid-letter
        self.label.setObjectName("dlIndicatorText")
        self.bar = QProgressBar(self)
        self.bar.setObjectName("dlIndicatorBar")
        self.bar.setTextVisible(False)
        self.bar.setFixedHeight(3)
        column = QVBoxLayout(self)
        column.setContentsMargins(10, 6, 10, 7)
        column.setSpacing(5)
        column.addWidget(self.label)
        column.addWidget(self.bar)
        apply_downloads_style(self)
        # Bound methods, not lambdas: Qt drops these connections when the indicator is destroyed.
        self.events.changed.connect(self._on_changed)
        self.events.removed.connect(self._on_changed)
        self.refresh()

    def refresh(self) -> None:
        jobs = self.events.jobs()
        summary = indicator_summary(jobs)
        if summary is None:
            self.hide()
            return
        text, fraction = summary
        self.label.setText(text)
        if fraction is None:
            self.bar.setRange(0, 0 if any(j.state in ACTIVE for j in jobs) else 1)
        else:
            self.bar.setRange(0, 1000)
            self.bar.setValue(round(fraction * 1000))
        paused = not any(j.state in ACTIVE for j in jobs)
        if self.bar.property("tone") != ("paused" if paused else ""):
            self.bar.setProperty("tone", "paused" if paused else "")
            self.bar.style().unpolish(self.bar)
            self.bar.style().polish(self.bar)
        self.setToolTip(_tooltip(jobs))
        self.show()

    def _on_changed(self, _what: object) -> None:
        self.refresh()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if event.button() == Qt.MouseButton.LeftButton and self.rect().contains(
            event.position().toPoint()
        ):
            self.open_requested.emit()
        super().mouseReleaseEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        if event.key() in (Qt.Key.Key_Space, Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.open_requested.emit()
            return
        super().keyPressEvent(event)


def _tooltip(jobs: list[DownloadProgress]) -> str:
    lines = []
    for job in jobs:
        if job.state in ("downloading", "queued"):
            lines.append(f"{job.name}: {progress_words(job)}")
        elif job.state in STATE_WORDS:
            lines.append(f"{job.name}: {STATE_WORDS[job.state]}")
    return "\n".join([*lines, "Click to see your downloads."])
