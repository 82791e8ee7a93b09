"""“Your models”: every model file Hearth knows, downloaded or added from disk, with its size and
shape; delete (after asking, saying whether disk space is freed), show in folder, and the
defaults each model starts with. A plain window: show(), never exec()."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app.core.chat import human_bytes
from app.core.errors import HearthError
from app.services import Services
from app.services.downloads import InstalledModel, ModelDefaults
from app.ui.downloads import DownloadEvents, OwnedTasks, apply_downloads_style, ask_to_confirm
from app.ui.models.model_manager_row import InstalledRow
from app.ui.shell.tasks import TaskKeeper

log = logging.getLogger(__name__)

INTRO = (
    "The models on this computer. Deleting one that Hearth downloaded frees its disk space; "
    "a file you added from elsewhere stays where it is."
)
EMPTY = "No models yet. Download one, or add a model file from this computer."


def delete_question(model: InstalledModel) -> tuple[str, str, str]:
    """(question, what happens, button) for the confirmation."""
    name = model.info.display_name
    if model.file_missing:
        return (
            f"Remove {name} from Hearth?",
            "Its file is already gone, so there is no disk space to free.",
            "Remove",
        )
    if model.downloaded:
        size = human_bytes(model.info.size_bytes)
        freed = f"frees {size} of disk space" if size else "frees its disk space"
        return (
            f"Delete {name}?",
            f"This deletes the model file and {freed}. You can download it again later.",
            "Delete",
        )
    return (
        f"Remove {name} from Hearth?",
        f"Hearth forgets it, but the file stays where it is ({model.info.path}), "
        "so no disk space is freed.",
        "Remove",
    )


class ModelManager(QDialog):
    models_changed = Signal()  # a model was deleted: the picker lists again
    defaults_changed = Signal(str)  # model id
    download_requested = Signal()  # “Download more…”
    add_from_disk_requested = Signal()

    def __init__(self, services: Services, tasks: TaskKeeper, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("modelManager")
        self.setWindowTitle("Your models")
        self.setModal(False)
        self.resize(760, 620)
        self._services = services
        self._tasks = OwnedTasks(self, tasks)
        self.rows: list[InstalledRow] = []
        self.confirm_box: QMessageBox | None = None
        self._build()
        apply_downloads_style(self)
        # A download that finishes while this window is open shows up in it at once.
        events = DownloadEvents.for_service(services.downloads)
        events.model_ready.connect(self._on_model_ready)  # a bound method: dropped with us
        QShortcut(QKeySequence.StandardKey.Close, self, activated=self.close)
        self.loaded = self.refresh()

    def _build(self) -> None:
        heading = QLabel("Your models", self)
        heading.setObjectName("dialogHeading")
        intro = QLabel(INTRO, self)
        intro.setObjectName("dialogText")
        intro.setWordWrap(True)
        self.notice = QLabel(self)
        self.notice.setObjectName("dlNotice")
        self.notice.setWordWrap(True)
        self.notice.hide()
        self.summary = QLabel(self)
        self.summary.setObjectName("dialogHint")
        self.empty = QLabel(EMPTY, self)
        self.empty.setObjectName("dlStatus")
        self.empty.setWordWrap(True)
        self.empty.hide()
        body = QWidget()
        body.setObjectName("dlScrollBody")
        self.list = QVBoxLayout(body)
        self.list.setContentsMargins(24, 4, 24, 12)
        self.list.setSpacing(10)
        self.list.addWidget(self.empty)
        self.list.addStretch(1)
        self._body = body
        scroll = QScrollArea(self)
        scroll.setObjectName("dlScroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(body)
        self.download_button = _button("Download more…", "dialogPrimary", self)
        self.download_button.clicked.connect(self.download_requested)
        self.add_button = _button("Add a file from this computer…", "dialogButton", self)
        self.add_button.clicked.connect(self.add_from_disk_requested)
        footer = QHBoxLayout()
        footer.setContentsMargins(24, 10, 24, 16)
        footer.setSpacing(10)
        footer.addWidget(self.summary, 1)
        footer.addWidget(self.add_button)
        footer.addWidget(self.download_button)
        head = QVBoxLayout()
        head.setContentsMargins(24, 18, 24, 10)
        head.setSpacing(8)
        head.addWidget(heading)
        head.addWidget(intro)
        head.addWidget(self.notice)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(head)
        layout.addWidget(scroll, 1)
        layout.addLayout(footer)

    # -- the list ------------------------------------------------------------------------------

    def refresh(self) -> asyncio.Task:
        return self._tasks.spawn(self._refresh(), name="model-manager")

    async def _refresh(self) -> None:
        downloads = self._services.downloads
        installed = await downloads.installed()
        for row in self.rows:
            self.list.removeWidget(row)
            row.hide()
            row.deleteLater()
        self.rows = []
        for model in installed:
            row = InstalledRow(model, downloads.model_defaults(model_id=model.info.id), self._body)
            row.delete_requested.connect(self.ask_to_delete)
            row.show_folder_requested.connect(show_in_folder)
            row.defaults_saved.connect(self._save_defaults)
            self.rows.append(row)
            self.list.insertWidget(self.list.count() - 1, row)
        self.empty.setVisible(not installed)
        self.summary.setText(_summary(installed))
        self.download_button.setText("Download more…" if installed else "Download a model…")

    def _on_model_ready(self, _model_id: str) -> None:
        self.refresh()

    def row_for(self, model_id: str) -> InstalledRow | None:
        return next((r for r in self.rows if r.model_id == model_id), None)

    def present(self) -> None:
        self.refresh()
        self.show()
        self.raise_()
        self.activateWindow()
        self.setWindowState(self.windowState() & ~Qt.WindowState.WindowMinimized)

    # -- deleting ------------------------------------------------------------------------------

    def ask_to_delete(self, model_id: str) -> QMessageBox | None:
        row = self.row_for(model_id)
        if row is None:
            return None
        question, detail, confirm = delete_question(row.model)
        self.confirm_box = ask_to_confirm(
            self,
            question=question,
            detail=detail,
            confirm=confirm,
            keep="Keep it",
            on_confirm=lambda: self._tasks.spawn(self._delete(model_id), name="delete-model"),
        )
        return self.confirm_box

    async def _delete(self, model_id: str) -> None:
        try:
            # Shielded: closing the window must not stop a delete half-way.
            deleted = await asyncio.shield(self._services.downloads.delete_model(model_id=model_id))
        except HearthError as error:
            self.say(error.plain(), error=True)
            return
        self.say(deleted.message)
        await self._refresh()
        self.models_changed.emit()

    # -- defaults ------------------------------------------------------------------------------

    def _save_defaults(self, model_id: str, defaults: ModelDefaults) -> None:
        try:
            self._services.downloads.set_model_defaults(model_id=model_id, defaults=defaults)
        except (HearthError, OSError) as error:
            text = error.plain() if isinstance(error, HearthError) else str(error)
            self.say(f"The defaults could not be saved: {text}", error=True)
            return
        row = self.row_for(model_id)
        if row is not None:
            row.editor.show_saved()
        self.defaults_changed.emit(model_id)

    def say(self, text: str, *, error: bool = False) -> None:
        self.notice.setText(text)
        self.notice.setProperty("tone", "error" if error else "")
        self.notice.style().unpolish(self.notice)
        self.notice.style().polish(self.notice)
        self.notice.show()


def show_in_folder(path: str) -> bool:
    """Open the folder holding the file in the system's file manager."""
    folder = Path(path).parent
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))


def _summary(installed: list[InstalledModel]) -> str:
    if not installed:
        return ""
    downloaded = sum(m.info.size_bytes or 0 for m in installed if m.downloaded)
    count = f"{len(installed)} model" + ("s" if len(installed) != 1 else "")
    return f"{count} · downloads use {human_bytes(downloaded)}" if downloaded else count


def _button(text: str, name: str, parent: QWidget) -> QPushButton:
    button = QPushButton(text, parent)
    button.setObjectName(name)
    button.setCursor(Qt.CursorShape.PointingHandCursor)
    button.setAutoDefault(False)
    return button
