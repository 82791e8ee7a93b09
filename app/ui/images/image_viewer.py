"""A picture at full size in its own window: zoom with the wheel or + and −, Fit (0) shows all
of it, 1:1 (1) its real pixels. The kept copy (at most 4096 px) is read on a worker thread."""

from __future__ import annotations

import asyncio
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QKeySequence, QPixmap, QShortcut, QWheelEvent
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app.core.images import KEEP_LIMIT

ZOOM_STEP = 1.25
MIN_ZOOM, MAX_ZOOM = 0.05, 8.0


class _Scroll(QScrollArea):
    def __init__(self, viewer: ImageViewer) -> None:
        super().__init__(viewer)
        self._viewer = viewer

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802
        steps = event.angleDelta().y() / 120
        if steps:
            self._viewer.zoom_by(ZOOM_STEP**steps)
            event.accept()


class ImageViewer(QDialog):
    def __init__(self, path: Path, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("imageViewer")
        self.setWindowTitle(name)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.resize(900, 700)
        self.zoom = 1.0
        self.fitting = True
        self._pixmap = QPixmap()
        self.picture = QLabel("Opening…", self)
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.scroll = _Scroll(self)
        self.scroll.setWidget(self.picture)
        self.scroll.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.scroll.setWidgetResizable(False)
        self.zoom_label = QLabel(self)
        buttons = QHBoxLayout()
        for text, tip, slot in (
            ("−", "Zoom out (−)", lambda: self.zoom_by(1 / ZOOM_STEP)),
            ("+", "Zoom in (+)", lambda: self.zoom_by(ZOOM_STEP)),
            ("Fit", "Show all of it (0)", self.fit),
            ("1:1", "Real size (1)", lambda: self.set_zoom(1.0)),
        ):
            button = QPushButton(text, self)
            button.setToolTip(tip)
            button.setAutoDefault(False)
            button.clicked.connect(slot)
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.zoom_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self.scroll, 1)
        layout.addLayout(buttons)
        for keys, slot in (
            (("+", "="), lambda: self.zoom_by(ZOOM_STEP)),
            (("-",), lambda: self.zoom_by(1 / ZOOM_STEP)),
            (("0",), self.fit),
            (("1",), lambda: self.set_zoom(1.0)),
        ):
            for key in keys:
                QShortcut(QKeySequence(key), self, activated=slot)
        self.loaded = asyncio.ensure_future(self._load(path))

    async def _load(self, path: Path) -> None:
        from app.ui.images.image_thumbs import read_thumbnail

        image: QImage = await asyncio.to_thread(read_thumbnail, path, KEEP_LIMIT.longest)
        if image.isNull():
            self.picture.setText("This picture could not be opened.")
            return
        self._pixmap = QPixmap.fromImage(image)
        self.fit()

    def fit(self) -> None:
        if self._pixmap.isNull():
            return
        area = self.scroll.viewport().size()
        scale = min(area.width() / self._pixmap.width(), area.height() / self._pixmap.height())
        self.set_zoom(min(1.0, scale))
        self.fitting = True

    def zoom_by(self, factor: float) -> None:
        self.set_zoom(self.zoom * factor)

    def set_zoom(self, zoom: float) -> None:
        self.fitting = False
        self.zoom = max(MIN_ZOOM, min(MAX_ZOOM, zoom))
        self.zoom_label.setText(f"{self.zoom:.0%}")
        if self._pixmap.isNull():
            return
        size = self._pixmap.size() * self.zoom
        self.picture.setPixmap(
            self._pixmap.scaled(
                size, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
            )
        )
        self.picture.resize(size)

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        if self.fitting:
            self.fit()
