"""Search Hugging Face: matching repos first, then one repo's .gguf files, each judged for fit."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent, QMouseEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app.core.errors import HearthError
from app.core.provider_errors import Offline, OfflineModeBlocked
from app.downloads.hub import HubFile, HubRepo
from app.services.downloads import DownloadService
from app.ui.downloads.download_choice import FileChoice
from app.ui.downloads.download_tasks import OwnedTasks
from app.ui.downloads.download_text import choice_headline

OFFLINE_ACTION = "Check the internet connection, then search again."
OFFLINE_MODE_ACTION = "Turn offline mode off in Settings → Privacy to search and download models."


def search_error_words(error: HearthError) -> str:
    """The error as the search page says it: what happened, then what to do."""
    if isinstance(error, OfflineModeBlocked):
        return f"Offline mode is on, so Hearth does not search the internet. {OFFLINE_MODE_ACTION}"
    if isinstance(error, Offline):
        return f"You appear to be offline. {OFFLINE_ACTION}"
    return error.plain()


class RepoRow(QFrame):
    """A search result: click it (or Tab to it and press Enter) to see its files."""

    activated = Signal(str)

    def __init__(self, repo: HubRepo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dlRepo")
        self.repo = repo
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAccessibleName(repo.id)
        name = QLabel(repo.id, self)
        name.setObjectName("dlChoiceTitle")
        facts = [f"{repo.downloads:,} downloads"] if repo.downloads else []
        if repo.gated:
            facts.append("asks you to accept its terms first")
        meta = QLabel(" · ".join(facts), self)
        meta.setObjectName("dlChoiceDetail")
        words = QVBoxLayout()
        words.setSpacing(1)
        words.addWidget(name)
        words.addWidget(meta)
        arrow = QLabel("Show files  ›", self)
        arrow.setObjectName("dlChoiceDetail")
        row = QHBoxLayout(self)
        row.setContentsMargins(12, 8, 12, 8)
        row.addLayout(words, 1)
        row.addWidget(arrow)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if event.button() == Qt.MouseButton.LeftButton and self.rect().contains(
            event.position().toPoint()
        ):
            self.activated.emit(self.repo.id)
        super().mouseReleaseEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        if event.key() in (Qt.Key.Key_Space, Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.activated.emit(self.repo.id)
            return
        super().keyPressEvent(event)


class SearchPanel(QScrollArea):
    download_requested = Signal(object)  # HubFile
    back_requested = Signal()  # back to the suggested models

    def __init__(
        self, downloads: DownloadService, tasks: OwnedTasks, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("dlScroll")
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self._downloads = downloads
        self._tasks = tasks
        self._generation = 0
        self.query = ""
        self.repo_id: str | None = None
        self.repos: list[HubRepo] = []
        self.repo_rows: list[RepoRow] = []
        self.choices: list[FileChoice] = []
        self._status_of: Callable[[tuple[str, str]], str | None] = lambda _key: None
        body = QWidget(self)
        body.setObjectName("dlScrollBody")
        self.back_button = QPushButton("‹  Suggested models", body)
        self.back_button.setObjectName("linkButton")
        self.back_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.back_button.clicked.connect(self._back)
        self.heading = QLabel(body)
        self.heading.setObjectName("dlSection")
        self.status = QLabel(body)
        self.status.setObjectName("dlStatus")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.items = QVBoxLayout()
        self.items.setSpacing(8)
        column = QVBoxLayout(body)
        column.setContentsMargins(24, 8, 24, 16)
        column.setSpacing(8)
        column.addWidget(self.back_button, 0, Qt.AlignmentFlag.AlignLeft)
        column.addWidget(self.heading)
        column.addWidget(self.status)
        column.addLayout(self.items)
        column.addStretch(1)
        self.setWidget(body)

    # -- what the dialog calls -----------------------------------------------------------------

    def search(self, query: str) -> asyncio.Task:
        self.query = query.strip()
        self.repo_id = None
        return self._tasks.spawn(self._search(self.query), name="hub-search")

    def open_repo(self, repo_id: str) -> asyncio.Task:
        self.repo_id = repo_id
        return self._tasks.spawn(self._files(repo_id), name="hub-files")

    def set_statuses(self, status_of: Callable[[tuple[str, str]], str | None]) -> None:
        self._status_of = status_of
        for choice in self.choices:
            choice.set_status(status_of(choice.key))

    # -- searching -----------------------------------------------------------------------------

    async def _search(self, query: str) -> None:
        generation = self._begin(f"Searching Hugging Face for “{query}”…")
        self.back_button.setText("‹  Suggested models")
        self.heading.setText("Search results")
        self.repos = []
        try:
            repos = await self._downloads.search(query=query, limit=30)
        except HearthError as error:
            if generation == self._generation:
                self._say(search_error_words(error), error=True)
            return
        if generation != self._generation:
            return  # a newer search or a click on a repo came first
        self.repos = repos
        self._show_repos(query, repos)

    def _show_repos(self, query: str, repos: list[HubRepo]) -> None:
        self.back_button.setText("‹  Suggested models")
        self.heading.setText("Search results")
        if not repos:
            self._say(f"No GGUF models found for “{query}”. Try a shorter or different name.")
            return
        found = f"{len(repos)} model" + ("s" if len(repos) != 1 else "")
        self._say(
            f"{found} found for “{query}”, most downloaded first. Choose one to see its files."
        )
        for repo in repos:
            row = RepoRow(repo, self.widget())
            row.activated.connect(self.open_repo)
            self.repo_rows.append(row)
            self.items.addWidget(row)

    async def _files(self, repo_id: str) -> None:
        generation = self._begin(f"Listing the files of {repo_id}…")
        self.back_button.setText("‹  Search results" if self.query else "‹  Suggested models")
        self.heading.setText(repo_id)
        try:
            files = await self._downloads.files(repo=repo_id)
        except HearthError as error:
            if generation == self._generation:
                self._say(search_error_words(error), error=True)
            return
        if generation != self._generation:
            return
        if not files:
            self._say("This model has no .gguf files Hearth can use.")
            return
        self._show_files(files)

    def _show_files(self, files: list[HubFile]) -> None:
        single = [f for f in files if not f.split]
        recommended = self._downloads.recommend(files=single) if single else None
        # A model split into parts is listed once (its first part), marked as not supported yet.
        shown = single + [f for f in files if f.split and f.split[0] == 1]
        count = f"{len(single)} file" + ("s" if len(single) != 1 else "")
        best = (
            f" The one marked “{choice_headline(recommended, self._fit(recommended), recommended)}”"
            " suits this computer best."
            if recommended is not None
            else " None of them runs well on this computer."
        )
        self._say(f"{count}, smallest first. Each is the same model at a different size.{best}")
        for file in shown:
            fit = self._fit(file)
            choice = FileChoice(
                file,
                fit,
                f"{file.name}" if file.split else choice_headline(file, fit, recommended),
                recommended=file is recommended,
                parent=self.widget(),
            )
            choice.download_requested.connect(self.download_requested)
            choice.set_status(self._status_of(choice.key))
            self.choices.append(choice)
            self.items.addWidget(choice)

    def _fit(self, file: HubFile):
        return self._downloads.fit(file=file)

    # -- small helpers -------------------------------------------------------------------------

    def _begin(self, status: str) -> int:
        self._generation += 1
        self._clear()
        self._say(status)
        return self._generation

    def _clear(self) -> None:
        for widget in [*self.repo_rows, *self.choices]:
            widget.hide()
            widget.deleteLater()
        self.repo_rows, self.choices = [], []

    def _say(self, text: str, *, error: bool = False) -> None:
        self.status.setText(text)
        self.status.setProperty("error", error)
        self.status.style().unpolish(self.status)
        self.status.style().polish(self.status)

    def _back(self) -> None:
        if self.repo_id is not None and self.query:
            self._begin("")  # the results are still at hand: no need to ask again
            self.repo_id = None
            self._show_repos(self.query, self.repos)
        else:
            self._generation += 1
            self.back_requested.emit()
