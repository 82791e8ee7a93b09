"""Window size, position and splitter sizes, remembered in DATA/ui.ini between runs."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMainWindow, QSplitter

DEFAULT_SIZE = (1100, 720)
DEFAULT_SIDEBAR = 250


class WindowState:
    def __init__(self, data_dir: Path) -> None:
        # An INI file inside the data folder: portable installs and tests never touch the registry.
        self._settings = QSettings(str(data_dir / "ui.ini"), QSettings.Format.IniFormat)

    def restore(self, window: QMainWindow, splitter: QSplitter) -> None:
        geometry = self._settings.value("window/geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            window.restoreGeometry(geometry)
        else:
            window.resize(*first_size(window))
        splitter_state = self._settings.value("window/splitter")
        if not (isinstance(splitter_state, QByteArray) and splitter.restoreState(splitter_state)):
            splitter.setSizes([DEFAULT_SIDEBAR, window.width() - DEFAULT_SIDEBAR])

    def save(self, window: QMainWindow, splitter: QSplitter) -> None:
        self._settings.setValue("window/geometry", window.saveGeometry())
        self._settings.setValue("window/splitter", splitter.saveState())
        self._settings.sync()


def first_size(window: QMainWindow) -> tuple[int, int]:
    """The first window fits the screen it opens on (a small laptop screen, a 1024×768 VM):
    a window taller than the screen hides the composer and the status bar under the edge."""
    screen = window.screen() or QGuiApplication.primaryScreen()
    if screen is None:
        return DEFAULT_SIZE
    room = screen.availableGeometry()
    return min(DEFAULT_SIZE[0], room.width()), min(DEFAULT_SIZE[1], room.height())
