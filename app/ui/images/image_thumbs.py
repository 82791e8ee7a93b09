"""Small pictures: reading a thumbnail at its small size (never the whole photo on the UI
thread), and the row of thumbnails under a sent message, each opening the viewer on click.

A message only knows its pictures' content hashes; the folder they are kept in is set once by
the controller (`set_data_dir`), so a message drawn anywhere in the chat can find its files."""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from pathlib import Path

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QImage, QImageReader, QMouseEvent, QPixmap
from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from app.core.images import ImageRef
from app.store.images import image_file

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".gif", ".heic", ".heif")
MESSAGE_THUMB = 160  # px, the longest side of a thumbnail under a sent message
_CACHE_SIZE = 64

_data_dir: Path | None = None
_cache: OrderedDict[tuple[str, int], QImage] = OrderedDict()
_pending: set[asyncio.Future] = set()


def set_data_dir(path: Path) -> None:
    global _data_dir
    _data_dir = path


def path_of(ref: ImageRef) -> Path | None:
    return image_file(_data_dir, ref.sha256, ref.mime) if _data_dir is not None else None


def is_image_file(path: str | Path) -> bool:
    """An image by its name: these go with the message; other files are documents."""
    return Path(path).suffix.lower() in IMAGE_SUFFIXES


def read_thumbnail(source: str | Path | bytes, longest: int) -> QImage:
    """The picture scaled to `longest` while decoding (JPEG decodes at 1/2, 1/4, 1/8 directly),
    upright by its EXIF orientation. Safe on a worker thread (QImage, not QPixmap). A null
    QImage when it cannot be read."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice

    if isinstance(source, bytes):
        buffer = QBuffer()
        buffer.setData(QByteArray(source))
        buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        reader = QImageReader(buffer)
    else:
        reader = QImageReader(str(source))
    reader.setAutoTransform(True)
    size = reader.size()
    if size.isValid() and max(size.width(), size.height()) > longest:
        reader.setScaledSize(size.scaled(longest, longest, Qt.AspectRatioMode.KeepAspectRatio))
    image = reader.read()
    if image.isNull():
        return image
    if max(image.width(), image.height()) > longest:  # formats that ignore the scaled size
        image = shrink(image, longest)
    return image


def shrink(image: QImage, longest: int) -> QImage:
    """Scaled to `longest`: a fast step to 4x, then a smooth one. QImage.scaled holds Python's
    lock while it works, and a smooth scale of a 12 MP picture would stall the window ~15 ms."""
    keep = Qt.AspectRatioMode.KeepAspectRatio
    if max(image.width(), image.height()) > 4 * longest:
        image = image.scaled(
            4 * longest, 4 * longest, keep, Qt.TransformationMode.FastTransformation
        )
    return image.scaled(longest, longest, keep, Qt.TransformationMode.SmoothTransformation)


def load_later(ref: ImageRef, longest: int, label: QLabel) -> None:
    """Show the thumbnail in `label` once read on a worker thread (at once when cached)."""
    key = (ref.sha256, longest)
    if key in _cache:
        _cache.move_to_end(key)
        label.setPixmap(QPixmap.fromImage(_cache[key]))
        return
    path = path_of(ref)
    if path is None:
        return
    try:
        future = asyncio.ensure_future(asyncio.to_thread(read_thumbnail, path, longest))
    except RuntimeError:  # no event loop (a widget built outside the window): read it now
        image = read_thumbnail(path, longest)
        if image.isNull():
            _set_missing(label)
        else:
            label.setPixmap(QPixmap.fromImage(image))
        return
    _pending.add(future)

    def done(f: asyncio.Future) -> None:
        _pending.discard(f)
        if f.cancelled() or f.exception() is not None:
            return
        image = f.result()
        if image.isNull():
            _set_missing(label)
            return
        _cache[key] = image
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
        try:
            label.setPixmap(QPixmap.fromImage(image))
        except RuntimeError:  # the message left the screen first
            pass

    future.add_done_callback(done)


def _set_missing(label: QLabel) -> None:
    try:
        label.setText("picture\nmissing")
    except RuntimeError:
        pass


class Thumb(QLabel):
    """One clickable thumbnail of a sent picture."""

    clicked = Signal(object)  # ImageRef

    def __init__(self, ref: ImageRef, longest: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ref = ref
        self.setObjectName("messageThumb")
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip(f"{ref.name} ({ref.width}×{ref.height}) — click to view")
        width, height = _fit(ref.width, ref.height, longest)
        self.setFixedSize(QSize(width, height))
        load_later(ref, longest, self)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit(self.ref)
        super().mouseReleaseEvent(event)


def _fit(width: int, height: int, longest: int) -> tuple[int, int]:
    scale = min(1.0, longest / max(width, height, 1))
    return max(1, round(width * scale)), max(1, round(height * scale))


class MessageThumbs(QWidget):
    """The pictures of a sent message, in a row; a click opens the viewer."""

    def __init__(self, refs: tuple[ImageRef, ...], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("messageThumbs")
        self.thumbs = [Thumb(ref, MESSAGE_THUMB, self) for ref in refs]
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(6)
        row.addStretch(1)
        for thumb in self.thumbs:
            thumb.clicked.connect(self.open_viewer)
            row.addWidget(thumb, 0, Qt.AlignmentFlag.AlignBottom)
        self.viewer = None

    def open_viewer(self, ref: ImageRef) -> None:
        from app.ui.images.image_viewer import ImageViewer

        path = path_of(ref)
        if path is None:
            return
        self.viewer = ImageViewer(path, ref.name, self.window())
        self.viewer.show()
