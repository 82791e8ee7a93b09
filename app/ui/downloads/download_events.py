"""DownloadService progress as Qt signals, one subscription shared by every widget.

The service calls its listeners on the event loop's thread, which under qasync is Qt's own, so
the signals can be emitted directly. Widgets connect bound methods (never lambdas), which Qt
disconnects when the widget is destroyed: a deleted dialog never receives a late event.
"""

from __future__ import annotations

import weakref

from PySide6.QtCore import QObject, Signal

from app.downloads.queue import DownloadProgress
from app.services.downloads import DownloadService

_shared: weakref.WeakKeyDictionary[DownloadService, DownloadEvents] = weakref.WeakKeyDictionary()


class DownloadEvents(QObject):
    changed = Signal(object)  # DownloadProgress, on every change of state and while bytes arrive
    removed = Signal(str)  # a job id that left the list (cancelled, or removed by the user)
    model_ready = Signal(str)  # the id of a model a download just installed

    def __init__(self, downloads: DownloadService) -> None:
        super().__init__()
        self._announced: set[str] = set()
        downloads.subscribe(self._on_progress)
        # Held weakly: this object must not keep the service (the dictionary's key) alive.
        self._downloads = weakref.ref(downloads)

    @classmethod
    def for_service(cls, downloads: DownloadService) -> DownloadEvents:
        events = _shared.get(downloads)
        if events is None:
            events = _shared[downloads] = cls(downloads)
        return events

    def jobs(self) -> list[DownloadProgress]:
        downloads = self._downloads()
        return downloads.jobs() if downloads is not None else []

    def forget(self, job_id: str) -> None:
        """Take a finished or failed download off the list, everywhere it is shown."""
        downloads = self._downloads()
        if downloads is not None:
            downloads.forget(job_id=job_id)  # a job already gone is simply not there
        self.removed.emit(job_id)

    def _on_progress(self, progress: DownloadProgress) -> None:
        self.changed.emit(progress)
        if progress.state == "cancelled":
            self.removed.emit(progress.job_id)
        elif progress.state == "done" and progress.model_id:
            if progress.job_id in self._announced:
                return  # "done" can arrive twice (e.g. once more when listed again)
            self._announced.add(progress.job_id)
            self.model_ready.emit(progress.model_id)
        elif progress.state != "done":
            self._announced.discard(progress.job_id)
