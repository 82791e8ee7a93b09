"""The “Downloads” part of the download window: one DownloadRow per job, kept up to date.

Pause, resume, retry, cancel and “remove from list” go to the DownloadService from here; the
rows only say what the person asked for. Hidden while there is nothing to show.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QLabel, QScrollArea, QVBoxLayout, QWidget

from app.core.errors import HearthError
from app.downloads.queue import DownloadProgress
from app.services.downloads import DownloadService
from app.ui.downloads.download_events import DownloadEvents
from app.ui.downloads.download_row import DownloadRow
from app.ui.downloads.download_tasks import OwnedTasks

MAX_LIST_HEIGHT = 250  # about two and a half rows; more scroll


class DownloadsPanel(QFrame):
    start_chat_requested = Signal(str)  # model id
    changed = Signal()  # a row came, went or changed state: the dialog updates its buttons
    failed = Signal(str)  # an action that could not be done, in plain words

    def __init__(
        self,
        downloads: DownloadService,
        events: DownloadEvents,
        tasks: OwnedTasks,
        title_for: Callable[[DownloadProgress], str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("dlPanel")
        self._downloads = downloads
        self._events = events
        self._tasks = tasks
        self._title_for = title_for
        self.rows: dict[str, DownloadRow] = {}
        heading = QLabel("Downloads", self)
        heading.setObjectName("dlSection")
        self.body = QWidget()
        self.body.setObjectName("dlPanelBody")
        self.list = QVBoxLayout(self.body)
        self.list.setContentsMargins(0, 0, 0, 0)
        self.list.setSpacing(8)
        self.list.addStretch(1)
        self.scroll = QScrollArea(self)
        self.scroll.setObjectName("dlPanelScroll")
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll.setWidget(self.body)
        column = QVBoxLayout(self)
        column.setContentsMargins(24, 8, 24, 14)
        column.setSpacing(6)
        column.addWidget(heading)
        column.addWidget(self.scroll)
        events.changed.connect(self.show_progress)
        events.removed.connect(self.remove)
        self.reload()

    def reload(self) -> None:
        """Show the service's list as it is now (when the window opens)."""
        jobs = self._events.jobs()
        for job_id in [j for j in self.rows if j not in {p.job_id for p in jobs}]:
            self.remove(job_id)
        for progress in jobs:
            self.show_progress(progress)
        self._fit_height()

    def show_progress(self, progress: DownloadProgress) -> None:
        if progress.state == "cancelled":
            self.remove(progress.job_id)
            return
        row = self.rows.get(progress.job_id)
        if row is None:
            row = self._add_row(progress)
        else:
            before = row.state
            row.update_progress(progress)
            if before == progress.state:
                return
            self._fit_height()  # a message or a button may have come or gone
        self.changed.emit()

    def remove(self, job_id: str) -> None:
        row = self.rows.pop(job_id, None)
        if row is None:
            return
        self.list.removeWidget(row)
        row.hide()
        row.deleteLater()
        self._fit_height()
        self.changed.emit()

    def row_for(self, name: str) -> DownloadRow | None:
        """The row of a job id, or of a file's short name (for tests and the dialog)."""
        return self.rows.get(name) or next(
            (r for r in self.rows.values() if r.progress.name == name), None
        )

    # -- inside --------------------------------------------------------------------------------

    def _add_row(self, progress: DownloadProgress) -> DownloadRow:
        row = DownloadRow(progress, self._title_for(progress), self.body)
        row.pause_requested.connect(lambda job: self._act(self._downloads.pause, job))
        row.resume_requested.connect(lambda job: self._act(self._downloads.resume, job))
        row.retry_requested.connect(lambda job: self._act(self._downloads.resume, job))
        row.remove_requested.connect(self._events.forget)
        row.cancel_requested.connect(lambda job: self._tasks.spawn(self._cancel(job)))
        row.start_chat_requested.connect(self.start_chat_requested)
        self.rows[progress.job_id] = row
        # Newest at the top, above those already listed.
        self.list.insertWidget(0, row)
        self._fit_height()
        return row

    def _act(self, action: Callable[..., None], job_id: str) -> None:
        try:
            action(job_id=job_id)
        except HearthError as error:
            self.failed.emit(error.plain())

    async def _cancel(self, job_id: str) -> None:
        try:
            # Shielded: closing the window must not leave a half-done cancel behind.
            await asyncio.shield(self._downloads.cancel(job_id=job_id))
        except HearthError as error:
            self.failed.emit(error.plain())
        self.remove(job_id)

    def _fit_height(self) -> None:
        self.setVisible(bool(self.rows))
        self.body.adjustSize()
        wanted = self.body.sizeHint().height()
        self.scroll.setFixedHeight(min(MAX_LIST_HEIGHT, max(wanted, 1)))
