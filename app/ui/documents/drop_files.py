"""Files and folders dropped on a window: their local paths, and an event filter that hands
them over (the main window uses it, so MainWindow needs no drag-and-drop methods of its own)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QMimeData, QObject
from PySide6.QtWidgets import QWidget

from app.ui.images import is_image_file


def dropped_paths(mime: QMimeData | None) -> list[str]:
    """The local files and folders in a drag; [] for text, web links and the like."""
    if mime is None or not mime.hasUrls():
        return []
    return [url.toLocalFile() for url in mime.urls() if url.isLocalFile()]


class DropCatcher(QObject):
    """Files dragged anywhere over `target` (a window) are accepted, and their drop calls
    `on_drop(paths)`. It watches the window and those of its widgets that take drops of their
    own (the composer, a search field), which would otherwise swallow the files as text; not the
    whole application (an application-wide Python filter sees every event of every window).
    Drags of text or links are left alone, and so are drags of pictures only: those are attached
    to the message (app/ui/images); a picture dragged with other files is read as a document."""

    def __init__(self, target: QWidget, on_drop: Callable[[list[str]], None]) -> None:
        super().__init__(target)
        self._target = target
        self._on_drop = on_drop
        target.setAcceptDrops(True)
        target.installEventFilter(self)

    def watch_children(self) -> None:
        """Once the window is laid out: its widgets that take drops of their own."""
        for child in self._target.findChildren(QWidget):
            if child.acceptDrops():
                child.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        kind = event.type()
        if kind not in _DRAG_EVENTS or not isinstance(watched, QWidget):
            return False
        if watched.window() is not self._target:
            return False
        paths = dropped_paths(event.mimeData())
        if not paths or all(is_image_file(p) for p in paths):
            return False  # text and links stay text; pictures alone are attached (ui/images)
        event.acceptProposedAction()
        if kind == QEvent.Type.Drop:
            self._on_drop(paths)
        return True


_DRAG_EVENTS = (QEvent.Type.DragEnter, QEvent.Type.DragMove, QEvent.Type.Drop)
