"""Settings → Chats: export every chat, import chats (ChatGPT's data export or a Hearth export),
and where Hearth keeps them."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.core.errors import HearthError
from app.paths import db_path
from app.services import Services
from app.services.transfer import ImportSummary
from app.ui.conversations import ask_for_export_path, export_to_file
from app.ui.settings.privacy_page import separator, setting_row
from app.ui.shell.buttons import dialog_button
from app.ui.shell.tasks import TaskKeeper

EXPORT_TEXT = (
    "Save every chat to one file: Markdown to read or print, or Hearth JSON, which keeps every "
    "version of edited and regenerated messages and can be imported again."
)
IMPORT_TEXT = (
    "Bring in chats from ChatGPT (the .zip from Settings → Data controls → Export data, or the "
    "conversations.json inside it) or from a Hearth export. Chats already imported are skipped; "
    "a damaged file imports nothing."
)
IMPORT_FILTERS = ["Chat exports (*.zip *.json)", "All files (*)"]
KEPT_TEXT = (
    "Chats, memories and usage are in one file on this computer. Hearth copies it before every "
    "upgrade that changes its layout, next to the original."
)


class ChatsPage(QWidget):
    imported = Signal(object)  # ImportSummary: the conversation list should be refreshed

    def __init__(self, services: Services, tasks: TaskKeeper, parent=None) -> None:
        super().__init__(parent)
        self._services = services
        self._tasks = tasks
        self._dialogs: list[QWidget] = []
        self.export_button = self._button("Export all chats…")
        self.export_button.clicked.connect(self.choose_export_path)
        self.export_note = self._note()
        self.import_button = self._button("Import chats…")
        self.import_button.clicked.connect(self.choose_import_file)
        self.import_note = self._note()
        self.folder_button = self._button("Show in folder")
        self.folder_button.clicked.connect(self.show_folder)
        self.folder_label = QLabel(str(db_path(services.data_dir)), self)
        self.folder_label.setObjectName("settingsText")
        self.folder_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.folder_label.setWordWrap(True)
        self._build()

    def _button(self, text: str) -> QPushButton:
        button = dialog_button(text, self)
        return button

    def _note(self) -> QLabel:
        note = QLabel(self)
        note.setObjectName("testResult")
        note.setWordWrap(True)
        return note

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(28, 18, 28, 22)
        layout.setSpacing(4)
        layout.addLayout(setting_row("Export", EXPORT_TEXT, None, self))
        layout.addLayout(_row(self.export_button, self.export_note))
        layout.addSpacing(6)
        layout.addWidget(separator(self))
        layout.addLayout(setting_row("Import", IMPORT_TEXT, None, self))
        layout.addLayout(_row(self.import_button, self.import_note))
        layout.addSpacing(6)
        layout.addWidget(separator(self))
        layout.addLayout(setting_row("Where your chats are kept", KEPT_TEXT, None, self))
        layout.addWidget(self.folder_label)
        layout.addLayout(_row(self.folder_button, None))
        layout.addStretch(1)

    # -- export ------------------------------------------------------------------------------------

    def choose_export_path(self) -> None:
        dialog = ask_for_export_path(
            self,
            "Hearth chats",
            lambda path: self._tasks.spawn(self.export_to(path)),
            caption="Export all chats",
        )
        self._keep(dialog)

    async def export_to(self, path: Path) -> bool:
        self.export_button.setEnabled(False)
        self.export_note.setText("Exporting…")
        try:
            await export_to_file(self._services, None, path)
        except OSError as error:
            self.export_note.setText(f"Could not save {path.name}: {error.strerror or error}.")
            return False
        finally:
            self.export_button.setEnabled(True)
        self.export_note.setText(f"Saved to {path}.")
        return True

    # -- import ------------------------------------------------------------------------------------

    def choose_import_file(self) -> None:
        dialog = QFileDialog(self, "Import chats", str(Path.home()))
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.setNameFilters(IMPORT_FILTERS)
        dialog.fileSelected.connect(lambda name: self._tasks.spawn(self.import_from(Path(name))))
        dialog.open()
        self._keep(dialog)

    async def import_from(self, path: Path) -> ImportSummary | None:
        self.import_button.setEnabled(False)
        self.import_note.setText(f"Reading {path.name}…")
        try:
            summary = await self._services.transfer.import_file(path=path)
        except HearthError as error:
            self.import_note.setText(error.plain())
            return None
        finally:
            self.import_button.setEnabled(True)
        self.import_note.setText(summary.plain())
        self.imported.emit(summary)
        return summary

    # -- the data folder ---------------------------------------------------------------------------

    def show_folder(self) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(self._services.data_dir)))

    def _keep(self, dialog: QWidget) -> None:
        self._dialogs = [d for d in self._dialogs if d.isVisible()] + [dialog]


def _row(button: QPushButton, note: QLabel | None) -> QHBoxLayout:
    row = QHBoxLayout()
    row.setContentsMargins(0, 6, 0, 0)
    row.addWidget(button)
    if note is not None:
        row.addWidget(note, 1)
    else:
        row.addStretch(1)
    return row
