"""The welcome screen's one-click first model: the file suggested for this computer (the catalog's
first-run model at the best size that runs well here), downloaded with its progress in place,
then straight into a chat with it.

What the button says is what it will do: "Download Qwen2.5 1.5B Instruct (1.8 GB)"; with
offline mode on, that Settings opens (Hearth never turns offline mode off by itself); after a
failure, "Try again" under the reason.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from PySide6.QtCore import QObject

from app.core.errors import HearthError
from app.downloads.catalog import CatalogFile
from app.downloads.queue import DownloadProgress
from app.services import Services
from app.ui.downloads import (
    ACTIVE,
    DownloadEvents,
    failure_action,
    progress_words,
    size_words,
    state_words,
)
from app.ui.shell.tasks import TaskKeeper
from app.ui.welcome.welcome import CHOOSE_TEXT, WelcomeScreen

log = logging.getLogger(__name__)

ONLINE_HINT = "Runs well on this computer. It comes from Hugging Face once; after that it works "
ONLINE_HINT += "without internet."
OFFLINE_BUTTON = "Offline mode is on: open Settings to download"
OFFLINE_HINT = (
    "{name} ({size}) comes from Hugging Face, and offline mode keeps Hearth from connecting "
    "to anything. Turn it off in Settings → Privacy to download."
)
NO_SUGGESTION_HINT = "Hearth lists a few good models and marks which run well on this computer."
STATE_TITLES = {"queued": "Getting ready to download {name}…", "verifying": "Checking {name}…"}


class WelcomeDownload(QObject):
    """Drives the welcome screen's main button; `open_chat(model_id)` is called once the model
    is installed, `open_catalog()` / `open_privacy()` when the button leads there instead."""

    def __init__(
        self,
        services: Services,
        welcome: WelcomeScreen,
        tasks: TaskKeeper,
        *,
        open_chat: Callable[[str], Awaitable[None]],
        open_catalog: Callable[[], object],
        open_privacy: Callable[[], object],
    ) -> None:
        super().__init__(welcome)
        self._services = services
        self._downloads = services.downloads
        self._welcome = welcome
        self._tasks = tasks
        self._open_chat = open_chat
        self._open_catalog = open_catalog
        self._open_privacy = open_privacy
        self.suggestion: CatalogFile | None = None
        self.job_id: str | None = None
        self._failed = False
        welcome.main_clicked.connect(self._on_main_clicked)
        welcome.cancel_requested.connect(self._on_cancel)
        DownloadEvents.for_service(services.downloads).changed.connect(self._on_progress)

    # -- what the screen offers ------------------------------------------------------------------

    def prepare(self) -> None:
        """Work out the suggestion (cheap: the shipped catalog and free memory) and show it."""
        try:
            self.suggestion = self._downloads.first_run_suggestion()
        except HearthError:  # an unreadable catalog: the download window says why
            log.warning("No first-run suggestion", exc_info=True)
            self.suggestion = None
        running = self._running_job()
        if running is not None:  # a first download cut off by quitting goes on where it was
            self.job_id = running.job_id
            self._on_progress(running)
        else:
            self.refresh()

    def refresh(self) -> None:
        """The button as it should read now (offline mode may have changed)."""
        if self.job_id is not None and not self._failed:
            return  # the progress is showing
        file = self.suggestion
        if file is None:
            self._welcome.show_choice(CHOOSE_TEXT, NO_SUGGESTION_HINT)
        elif self._services.providers.offline:
            hint = OFFLINE_HINT.format(name=file.model_name, size=size_words(file))
            self._welcome.show_choice(OFFLINE_BUTTON, hint)
        elif not self._failed:
            self._welcome.show_choice(button_text(file), ONLINE_HINT)

    # -- clicks ----------------------------------------------------------------------------------

    def _on_main_clicked(self) -> None:
        if self.suggestion is None:
            self._open_catalog()
        elif self._services.providers.offline:
            self._open_privacy()
        else:
            self._tasks.spawn(self.start(), name="welcome-download")

    async def start(self) -> None:
        file = self.suggestion
        if file is None:
            return
        self._failed = False
        self._welcome.show_progress(f"Downloading {file.model_name}…", None, "Starting…")
        try:
            self.job_id = await self._downloads.start_file(file=file)
        except HearthError as error:
            self._show_failure(error.message, error.action)
            return
        self._on_progress(self._downloads.job(job_id=self.job_id))

    def _on_cancel(self) -> None:
        if self.job_id is not None:
            self._tasks.spawn(self._downloads.cancel(job_id=self.job_id), name="welcome-cancel")

    # -- progress --------------------------------------------------------------------------------

    def _on_progress(self, progress: DownloadProgress) -> None:
        if progress.job_id != self.job_id or self.suggestion is None:
            return
        name = self.suggestion.model_name
        if progress.state in ACTIVE:
            self._failed = False
            title = STATE_TITLES.get(progress.state, "Downloading {name}…").format(name=name)
            words = (
                progress_words(progress)
                if progress.state == "downloading"
                else state_words(progress)
            )
            self._welcome.show_progress(title, progress.fraction, words)
        elif progress.state == "done" and progress.model_id:
            self.job_id = None
            self._tasks.spawn(self._open_chat(progress.model_id), name="welcome-chat")
        elif progress.state in ("failed", "paused"):
            self._show_failure(state_words(progress), failure_action(progress))
        elif progress.state == "cancelled":
            self.job_id = None
            self.refresh()

    def _show_failure(self, reason: str, action: str) -> None:
        self._failed = True
        words = f"{reason} {action}".strip() if action and action not in reason else reason
        self._welcome.show_choice("Try again", words, error=True)

    def _running_job(self) -> DownloadProgress | None:
        file = self.suggestion
        if file is None:
            return None
        return next(
            (
                j
                for j in self._downloads.jobs()
                if (j.repo, j.file) == (file.repo, file.file) and j.state in ACTIVE
            ),
            None,
        )


def button_text(file: CatalogFile) -> str:
    """ "Download Qwen2.5 1.5B Instruct (1.8 GB)"."""
    return f"Download {file.model_name} ({size_words(file)})"
