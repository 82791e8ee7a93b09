"""When Hearth cannot start (a data folder it cannot use, a damaged database): one plain dialog
that names the file or folder and what to do, instead of a traceback or a silent exit."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from app.core.errors import HearthError

HEADING = "Hearth could not start"
UNEXPECTED = HearthError(
    "Something unexpected stopped Hearth from starting.",
    action="The details are in the log file; please send them to us.",
)


def startup_dialog(error: HearthError, *, log_file: str | None = None) -> QMessageBox:
    """The dialog, built but not shown (tests read it)."""
    box = QMessageBox(QMessageBox.Icon.Critical, "Hearth", HEADING)
    box.setInformativeText(startup_text(error, log_file=log_file))
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)  # paths copyable
    box.setStandardButtons(QMessageBox.StandardButton.Close)
    return box


def startup_text(error: HearthError, *, log_file: str | None = None) -> str:
    parts = [error.message]
    if error.action:
        parts.append(error.action)
    if log_file:
        parts.append(f"Log file: {log_file}")
    return "\n\n".join(parts)


def show_startup_error(error: HearthError, *, log_file: str | None = None) -> int:
    """Show the dialog (making a QApplication if needed) and return the exit status."""
    from app.ui.shell.app import create_application

    if QApplication.instance() is None:
        create_application()
    startup_dialog(error, log_file=log_file).exec()
    return 1
