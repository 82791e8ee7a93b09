"""Hearth's mark: the window icon and the logo on the welcome screen."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QLabel, QWidget

from app.paths import resource_path


def app_icon() -> QIcon:
    return QIcon(str(resource_path("ui", "hearth.svg")))


def logo_label(size: int, parent: QWidget | None = None) -> QLabel:
    label = QLabel(parent)
    label.setPixmap(app_icon().pixmap(size, size))  # sharp on high-DPI screens (Qt 6)
    label.setFixedSize(size, size)
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    return label
