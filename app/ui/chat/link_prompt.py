"""A link in a reply opens only after the user says so; the model cannot open anything itself."""

from __future__ import annotations

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QMessageBox, QWidget


def confirm_open_link(parent: QWidget, url: QUrl) -> QMessageBox:
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle("Open link")
    box.setText("Open this link in your web browser?")
    box.setInformativeText(url.toDisplayString())
    open_button = box.addButton("Open link", QMessageBox.ButtonRole.AcceptRole)
    copy_button = box.addButton("Copy link", QMessageBox.ButtonRole.ActionRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    open_button.clicked.connect(lambda: QDesktopServices.openUrl(url))
    copy_button.clicked.connect(lambda: QGuiApplication.clipboard().setText(url.toString()))
    box.open()
    return box
