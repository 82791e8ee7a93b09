"""Files and folders dropped on a window: their local paths, and an event filter that hands
them over (the main window uses it, so MainWindow needs no drag-and-drop methods of its own)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QMimeData, QObject


def dropped_paths(mime: QMimeData | None) -> list[str]:
    """The local files and folders in a drag; [] for text, web links and the like."""
    if mime is None or not mime.hasUrls():
        return []
    return [url.toLocalFile() for url in mime.urls() if url.isLocalFile()]


class DropCatcher(QObject):
    """Installed on a window: a drag of files is accepted, and the drop calls `on_drop(paths)`."""

    def __init__(self, target: QObject, on_drop: Callable[[list[str]], None]) -> None:
        super().__init__(target)
        self._on_drop = on_drop
        target.setAcceptDrops(True)
        target.installEventFilter(self)

    def eventFilter(self, _watched: QObject, event: QEvent) -> bool:  # noqa: N802
        kind = event.type()
        if kind in (QEvent.Type.DragEnter, QEvent.Type.DragMove):
            if dropped_paths(event.mimeData()):
                event.acceptProposedAction()
                return True
        elif kind == QEvent.Type.Drop:
            paths = dropped_paths(event.mimeData())
            if paths:
                event.acceptProposedAction()
                self._on_drop(paths)
                return True
        return False
