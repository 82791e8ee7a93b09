"""What closing the window does while the local server is on.

Only if the user chose “Keep the server running when I close the window” (and the desktop has a
system tray) does the window hide to a tray icon (Open / Quit) while the server goes on serving.
Otherwise closing quits, and the server stopping with it is said first (“The local server will
stop”), a question the user can choose not to be asked again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QCheckBox, QMenu, QMessageBox, QSystemTrayIcon, QWidget

from app.ui.server.server_text import STOP_DETAIL, STOP_QUESTION, TRAY_MESSAGE

if TYPE_CHECKING:
    from app.ui.server.server_actions import ServerController

KEEP_RUNNING = "server_keep_running"  # settings key: hide to the tray instead of quitting
SKIP_STOP_QUESTION = "server_skip_stop_question"  # settings key: “Don't ask again”


class CloseGuard(QObject):
    def __init__(self, window: QWidget, server: ServerController) -> None:
        super().__init__(window)
        self.window = window
        self.server = server
        self.settings = server.settings
        self.tray: QSystemTrayIcon | None = None
        self.question: QMessageBox | None = None
        self._agreed = False  # the user said yes: the next close goes through
        self._told = False

    @staticmethod
    def tray_available() -> bool:
        return QSystemTrayIcon.isSystemTrayAvailable()

    @property
    def keeps_running(self) -> bool:
        return bool(self.settings.get(KEEP_RUNNING, False)) and self.tray_available()

    def may_close(self) -> bool:
        """MainWindow.closeEvent asks: True closes (and quits); False keeps the window's event
        ignored, because it went to the tray or a question is open."""
        if self._agreed or not self.server.running:
            return True
        if self.keeps_running and self.window.isVisible():
            self.hide_to_tray()
            return False
        if self.settings.get(SKIP_STOP_QUESTION, False):
            return True
        self.ask()
        return False

    def quit(self) -> None:
        """Quit Hearth (the tray's Quit): the same question when the server is on."""
        if self.server.running and not self.settings.get(SKIP_STOP_QUESTION, False):
            self.ask()
            return
        self._agreed = True
        self.window.close()

    def hide_to_tray(self) -> None:
        tray = self._tray()
        tray.setToolTip(f"Hearth — local server on {self.server.address}")
        tray.show()
        self.window.hide()
        if not self._told:  # once a session: where the window went, and how to quit
            self._told = True
            tray.showMessage("Hearth", TRAY_MESSAGE, QSystemTrayIcon.MessageIcon.Information)

    def open_window(self) -> None:
        self.window.showNormal()
        self.window.raise_()
        self.window.activateWindow()

    def ask(self) -> None:
        if self.question is not None and self.question.isVisible():
            self.question.raise_()
            return
        box = QMessageBox(QMessageBox.Icon.Question, "Hearth", STOP_QUESTION, parent=self.window)
        box.setInformativeText(STOP_DETAIL.format(address=self.server.address))
        self.quit_button = box.addButton("Quit Hearth", QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(self.quit_button)
        box.setCheckBox(QCheckBox("Don't ask again", box))
        box.finished.connect(lambda _r: self._answered(box))
        self.question = box
        box.open()

    def _answered(self, box: QMessageBox) -> None:
        if box.clickedButton() is not self.quit_button:
            return
        if box.checkBox().isChecked():
            self.settings.set(SKIP_STOP_QUESTION, True)
        self._agreed = True
        self.window.close()

    def _tray(self) -> QSystemTrayIcon:
        if self.tray is None:
            from app.ui.shell.logo import app_icon

            self.tray = QSystemTrayIcon(app_icon(), self)
            menu = QMenu(self.window)
            menu.addAction("Open Hearth", self.open_window)
            menu.addSeparator()
            menu.addAction("Quit Hearth", self.quit)
            self.tray.setContextMenu(menu)
            self.tray.activated.connect(self._clicked)
            self.tray_menu = menu
        return self.tray

    def _clicked(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason in (
            QSystemTrayIcon.ActivationReason.Trigger,
            QSystemTrayIcon.ActivationReason.DoubleClick,
        ):
            self.open_window()

    def close(self) -> None:
        if self.tray is not None:
            self.tray.hide()
