"""A question before something is thrown away, asked without blocking the window.

open() rather than exec(): no nested event loop while downloads and replies carry on. The box
is returned so its owner can keep it (and tests can press its buttons).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QMessageBox, QPushButton, QWidget


def ask_to_confirm(
    parent: QWidget,
    *,
    question: str,
    detail: str,
    confirm: str,
    keep: str,
    on_confirm: Callable[[], None],
) -> QMessageBox:
    box = QMessageBox(QMessageBox.Icon.Question, "Hearth", question, parent=parent)
    box.setInformativeText(detail)
    yes = box.addButton(confirm, QMessageBox.ButtonRole.DestructiveRole)
    no = box.addButton(keep, QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(no)
    box.setEscapeButton(no)

    def finished(_result: int) -> None:
        if box.clickedButton() is yes:
            on_confirm()

    box.finished.connect(finished)
    box.open()
    return box


def confirm_button(box: QMessageBox) -> QPushButton:
    """The button that goes ahead (for tests and keyboard users alike: it is never the default)."""
    return next(
        b for b in box.buttons() if box.buttonRole(b) == QMessageBox.ButtonRole.DestructiveRole
    )
