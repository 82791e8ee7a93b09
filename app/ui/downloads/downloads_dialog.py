"""“Download a model”: good models marked by how well they run here, a Hugging Face search, and
the downloads in progress. A plain window (show(), never exec()): chats go on while it is open,
and closing it never stops a download.

    Download a model                                              Your models…
    This computer: 16.0 GB memory (9.1 GB free), 8 cores, no graphics card Hearth can use
    [Search Hugging Face for any GGUF model…                                  ] [Search]
    Recommended for this computer
    ┌ Qwen2.5 1.5B Instruct  [Suggested to start]                     1.5B parameters ┐
    │ Small and quick on any recent computer; …                                       │
    │ Best quality that fits  Q4_K_M · 1.0 GB · about 9 tokens…  [Runs well] [Download]│
    │ Other sizes (2) ▾                                                                │
    └─────────────────────────────────────────────────────────────────────────────────┘
    Downloads
    ┌ Qwen2.5 1.5B Instruct (Q4_K_M)                                 [Pause] [Cancel] ┐
    │ ███████████░░░░░░░  312 MB of 1.1 GB · 24.0 MB/s · about 35 s left              │
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.core.errors import HearthError
from app.downloads.catalog import Catalog, CatalogFile, CatalogModel
from app.downloads.hub import HubFile
from app.downloads.queue import DownloadProgress
from app.services import Services
from app.ui.downloads.download_catalog_row import CatalogRow
from app.ui.downloads.download_events import DownloadEvents
from app.ui.downloads.download_panel import DownloadsPanel
from app.ui.downloads.download_search import SearchPanel
from app.ui.downloads.download_style import apply_downloads_style
from app.ui.downloads.download_tasks import OwnedTasks
from app.ui.shell.buttons import dialog_button
from app.ui.shell.tasks import TaskKeeper

log = logging.getLogger(__name__)

CATALOG_HINT = (
    "Each model is marked by how well it would run on this computer; point at a mark to see "
    "the numbers. Everything you download stays on this computer and works without internet."
)
VERDICT_ORDER = {"runs well": 0, "will be slow": 1, "won't fit": 2}


class DownloadsDialog(QDialog):
    start_chat_requested = Signal(str)  # the id of a model that just finished downloading
    manage_requested = Signal()  # “Your models…”: open the model manager

    def __init__(self, services: Services, tasks: TaskKeeper, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("downloadsDialog")
        self.setWindowTitle("Download a model")
        self.setModal(False)
        self.resize(780, 740)
        self._services = services
        self._downloads = services.downloads
        self._tasks = OwnedTasks(self, tasks)
        self.events = DownloadEvents.for_service(services.downloads)
        self.catalog: Catalog | None = None
        self.catalog_rows: list[CatalogRow] = []
        self.too_big_rows: list[CatalogRow] = []
        self._installed_files: set[str] = set()
        self._build()
        apply_downloads_style(self)
        self.events.changed.connect(self._on_progress)
        # Bound methods, not lambdas: Qt drops these connections when this window is destroyed.
        self.events.removed.connect(self._on_removed)
        self.events.model_ready.connect(self._on_model_ready)
        QShortcut(QKeySequence.StandardKey.Close, self, activated=self.close)
        self.loaded = self._tasks.spawn(self._load(), name="downloads-dialog")

    # -- building ------------------------------------------------------------------------------

    def _build(self) -> None:
        heading = QLabel("Download a model", self)
        heading.setObjectName("dialogHeading")
        self.manage_button = QPushButton("Your models…", self)
        self.manage_button.setObjectName("linkButton")
        self.manage_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.manage_button.setToolTip("See, delete and set up the models you already have")
        self.manage_button.setAutoDefault(False)
        self.manage_button.clicked.connect(self.manage_requested)
        top = QHBoxLayout()
        top.addWidget(heading)
        top.addStretch(1)
        top.addWidget(self.manage_button)
        self.hardware_label = QLabel("Looking at what this computer can run…", self)
        self.hardware_label.setObjectName("dlHardware")
        self.hardware_label.setWordWrap(True)
        self.search_box = QLineEdit(self)
        self.search_box.setObjectName("dlSearch")
        self.search_box.setPlaceholderText("Search Hugging Face for any GGUF model, e.g. “mistral”")
        self.search_box.setClearButtonEnabled(True)
        self.search_box.returnPressed.connect(self.search)
        self.search_button = dialog_button("Search", self)
        self.search_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.search_button.setDefault(True)  # Enter in the search box searches
        self.search_button.clicked.connect(self.search)
        search_row = QHBoxLayout()
        search_row.setSpacing(8)
        search_row.addWidget(self.search_box, 1)
        search_row.addWidget(self.search_button)
        self.notice = QLabel(self)
        self.notice.setObjectName("dlNotice")
        self.notice.setWordWrap(True)
        self.notice.hide()
        head = QVBoxLayout()
        head.setContentsMargins(24, 18, 24, 6)
        head.setSpacing(10)
        head.addLayout(top)
        head.addWidget(self.hardware_label)
        head.addLayout(search_row)
        head.addWidget(self.notice)

        self.search_panel = SearchPanel(self._downloads, self._tasks, self)
        self.search_panel.download_requested.connect(self.download)
        self.search_panel.back_requested.connect(self.show_catalog)
        self.pages = QStackedWidget(self)
        self.pages.addWidget(self._catalog_page())
        self.pages.addWidget(self.search_panel)
        self.panel = DownloadsPanel(self._downloads, self.events, self._tasks, self.title_for, self)
        self.panel.start_chat_requested.connect(self._start_chat)
        self.panel.changed.connect(self._update_statuses)
        self.panel.failed.connect(lambda text: self.say(text, error=True))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(head)
        layout.addWidget(self.pages, 1)
        layout.addWidget(self.panel)

    def _catalog_page(self) -> QScrollArea:
        scroll = QScrollArea(self)
        scroll.setObjectName("dlScroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        body = QWidget(scroll)
        body.setObjectName("dlScrollBody")
        section = QLabel("Recommended for this computer", body)
        section.setObjectName("dlSection")
        hint = QLabel(CATALOG_HINT, body)
        hint.setObjectName("dialogHint")
        hint.setWordWrap(True)
        self.catalog_status = QLabel("Checking which models suit this computer…", body)
        self.catalog_status.setObjectName("dlStatus")
        self.catalog_status.setWordWrap(True)
        self.catalog_list = QVBoxLayout()
        self.catalog_list.setSpacing(10)
        self.too_big_button = QPushButton(body)
        self.too_big_button.setObjectName("linkButton")
        self.too_big_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.too_big_button.setAutoDefault(False)
        self.too_big_button.clicked.connect(lambda: self.show_too_big(not self.showing_too_big))
        self.too_big_button.hide()
        self.too_big_list = QVBoxLayout()
        self.too_big_list.setSpacing(10)
        column = QVBoxLayout(body)
        column.setContentsMargins(24, 6, 24, 16)
        column.setSpacing(8)
        column.addWidget(section)
        column.addWidget(hint)
        column.addWidget(self.catalog_status)
        column.addLayout(self.catalog_list)
        column.addWidget(self.too_big_button, 0, Qt.AlignmentFlag.AlignLeft)
        column.addLayout(self.too_big_list)
        column.addStretch(1)
        scroll.setWidget(body)
        self._catalog_body = body
        return scroll

    # -- loading -------------------------------------------------------------------------------

    async def _load(self) -> None:
        try:
            hardware = await self._downloads.hardware()
            self.catalog = await asyncio.to_thread(self._downloads.catalog)
        except HearthError as error:
            self.catalog_status.setText(error.plain())
            return
        self.hardware_label.setText(f"This computer: {hardware.summary()}.")
        await self._load_installed()
        self._show_catalog_models(self.catalog)

    async def _load_installed(self) -> None:
        models = await self._services.models.list_models()
        self._installed_files = {Path(m.path).name for m in models if m.path}
        self._update_statuses()

    def _show_catalog_models(self, catalog: Catalog) -> None:
        suggestion = self._downloads.first_run_suggestion()
        rows = [self._catalog_row(m, suggestion) for m in catalog.models]
        rows.sort(key=lambda r: (not r.suggested, VERDICT_ORDER.get(r.verdict, 3)))
        for row in rows:
            if row.verdict == "won't fit":
                self.too_big_rows.append(row)
                self.too_big_list.addWidget(row)
            else:
                self.catalog_rows.append(row)
                self.catalog_list.addWidget(row)
        self.catalog_status.setVisible(not rows)
        self.catalog_status.setText("The list of suggested models is empty.")
        self.too_big_button.setVisible(bool(self.too_big_rows))
        self.show_too_big(False)
        self._update_statuses()

    def _catalog_row(self, model: CatalogModel, suggestion: CatalogFile | None) -> CatalogRow:
        recommended = self._downloads.recommend(files=model.files)
        suggested = suggestion is not None and suggestion.model_id == model.id
        row = CatalogRow(
            model,
            lambda f: self._downloads.fit(file=f),
            recommended,
            suggested=suggested,
            parent=self._catalog_body,
        )
        row.download_requested.connect(self.download)
        return row

    @property
    def showing_too_big(self) -> bool:
        return bool(self.too_big_rows) and not self.too_big_rows[0].isHidden()

    def show_too_big(self, show: bool) -> None:
        for row in self.too_big_rows:
            row.setVisible(show)
        count = len(self.too_big_rows)
        self.too_big_button.setText(
            "Hide the models too big for this computer  ▴"
            if show
            else f"Show {count} more model{'s' if count != 1 else ''} too big for this computer  ▾"
        )

    # -- what a person does --------------------------------------------------------------------

    def search(self) -> asyncio.Task | None:
        query = self.search_box.text().strip()
        if not query:
            self.show_catalog()
            return None
        self.notice.hide()
        self.pages.setCurrentWidget(self.search_panel)
        return self.search_panel.search(query)

    def show_catalog(self) -> None:
        self.pages.setCurrentIndex(0)

    def download(self, file: CatalogFile | HubFile) -> asyncio.Task:
        return self._tasks.spawn(self._download(file), name="start-download")

    async def _download(self, file: CatalogFile | HubFile) -> str | None:
        self.notice.hide()
        try:
            return await self._downloads.start_file(file=file)
        except HearthError as error:
            self.say(error.plain(), error=True)
            return None

    def say(self, text: str, *, error: bool = False) -> None:
        """A line under the search box: what could not be done, or what just happened."""
        self.notice.setText(text)
        self.notice.setProperty("tone", "error" if error else "")
        self.notice.style().unpolish(self.notice)
        self.notice.style().polish(self.notice)
        self.notice.show()

    def present(self) -> None:
        """Show the window (again) and bring it to the front."""
        self.panel.reload()
        self.show()
        self.raise_()
        self.activateWindow()
        self.setWindowState(self.windowState() & ~Qt.WindowState.WindowMinimized)

    # -- keeping up ----------------------------------------------------------------------------

    def title_for(self, progress: DownloadProgress) -> str:
        """The catalog's name for a download when it has one, else the file's own name."""
        found = self.catalog.find(progress.name) if self.catalog is not None else None
        if found is None:
            return progress.name
        model, file = found
        return f"{model.name} ({file.quant})" if file is not None and file.quant else model.name

    def status_of(self, key: tuple[str, str]) -> str | None:
        """For a (repo, file): "active" when in the list, "installed" when on disk, else None."""
        repo, file = key
        for job in self.events.jobs():
            if (job.repo, job.file) == key:
                if job.state == "done":
                    return "installed"
                # A cancelled job is still listed while its "cancelled" event goes round.
                if job.state not in ("failed", "cancelled"):
                    return "active"
        return "installed" if file.rsplit("/", 1)[-1] in self._installed_files else None

    def _update_statuses(self) -> None:
        for row in [*self.catalog_rows, *self.too_big_rows]:
            row.set_statuses(self.status_of)
        self.search_panel.set_statuses(self.status_of)

    def _on_progress(self, progress: DownloadProgress) -> None:
        if progress.state in ("queued", "done", "failed", "cancelled"):
            self._update_statuses()

    def _on_removed(self, _job_id: str) -> None:
        self._update_statuses()

    def _on_model_ready(self, _model_id: str) -> None:
        self._tasks.spawn(self._load_installed(), name="installed-files")

    def _start_chat(self, model_id: str) -> None:
        self.start_chat_requested.emit(model_id)
        self.close()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        for row in self.panel.rows.values():
            if row.confirm_box is not None:
                row.confirm_box.close()
        super().closeEvent(event)
