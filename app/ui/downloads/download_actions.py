"""Downloading and managing models from the main window: the downloads window, “Your models”,
the welcome screen's one-click download, and models that finish downloading.

A controller MainWindow composes. It is given the services, the task keeper, the welcome screen
and the window that owns its dialogs, and reaches the rest of the window only through the narrow
`DownloadHost` interface (list, find and choose models, show a new chat, open Settings).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Protocol

from app.ui.downloads.download_events import DownloadEvents

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from app.core.chat import ModelInfo
    from app.services import Services
    from app.ui.downloads.downloads_dialog import DownloadsDialog
    from app.ui.models import ModelManager
    from app.ui.shell.tasks import TaskKeeper
    from app.ui.welcome import WelcomeDownload, WelcomeScreen

log = logging.getLogger(__name__)


class DownloadHost(Protocol):
    """What the downloads need from the rest of the window."""

    async def refresh_models(self) -> None: ...

    def find_model(self, model_id: str | None) -> ModelInfo | None: ...

    def choose_model(self, model_id: str) -> None: ...

    def show_new_chat(self) -> None: ...  # leaves the welcome screen, raises the window

    def open_settings(self, page: str = ..., provider_id: str | None = ...): ...

    def choose_model_files(self) -> None: ...


class DownloadController:
    def __init__(
        self,
        services: Services,
        tasks: TaskKeeper,
        welcome: WelcomeScreen,
        *,
        parent: QWidget,
        host: DownloadHost,
    ) -> None:
        self.services = services
        self.tasks = tasks
        self.welcome = welcome
        self.parent = parent  # the dialogs' parent window
        self.host = host
        self.downloads_dialog: DownloadsDialog | None = None
        self.model_manager: ModelManager | None = None
        self.welcome_download: WelcomeDownload | None = None

    def start_downloads(self) -> None:
        """At start-up, on the loop: unfinished downloads go on; finished ones join the picker."""
        events = DownloadEvents.for_service(self.services.downloads)
        events.model_ready.connect(self._on_model_downloaded)
        resumed = self.services.downloads.resume_unfinished()
        if resumed:
            log.info("Resuming %d unfinished download(s)", len(resumed))

    def prepare_welcome(self) -> WelcomeDownload:
        """The welcome screen's main button: download the model suggested for this computer."""
        if self.welcome_download is None:
            from app.ui.welcome import WelcomeDownload  # only on a first start

            self.welcome_download = WelcomeDownload(
                self.services,
                self.welcome,
                self.tasks,
                open_chat=self.start_chat_with,
                open_catalog=self.open_downloads,
                open_privacy=lambda: self.host.open_settings("privacy"),
            )
        self.welcome_download.prepare()
        return self.welcome_download

    def refresh_welcome_download(self) -> None:
        """Offline mode changed: the main button says what it will do now."""
        if self.welcome_download is not None:
            self.welcome_download.refresh()

    def open_downloads(self) -> DownloadsDialog:
        """The download window, in place of “Your models” (one of the two at a time)."""
        if self.model_manager is not None:
            self.model_manager.hide()
        if self.downloads_dialog is None:
            from app.ui.downloads.downloads_dialog import DownloadsDialog  # built on first use

            dialog = DownloadsDialog(self.services, self.tasks, self.parent)
            dialog.start_chat_requested.connect(
                lambda model_id: self.tasks.spawn(self.start_chat_with(model_id))
            )
            dialog.manage_requested.connect(self.open_model_manager)
            self.downloads_dialog = dialog
        self.downloads_dialog.present()
        return self.downloads_dialog

    def open_model_manager(self) -> ModelManager:
        """“Models” in the sidebar: the person's models, with “Download more” inside. A second
        click raises the same window; the download window gives way to it, so none stack."""
        if self.downloads_dialog is not None:
            self.downloads_dialog.hide()
        if self.model_manager is None:
            from app.ui.models import ModelManager  # built on first use

            manager = ModelManager(self.services, self.tasks, self.parent)
            manager.models_changed.connect(lambda: self.tasks.spawn(self.host.refresh_models()))
            manager.download_requested.connect(self.open_downloads)
            manager.add_from_disk_requested.connect(self.host.choose_model_files)
            self.model_manager = manager
        self.model_manager.present()
        return self.model_manager

    async def start_chat_with(self, model_id: str) -> None:
        """“Start chatting” on a finished download: that model, in a new chat."""
        # The download's own "model ready" refresh may overtake this one (the newer list
        # wins), so list again until the model is in; as the default, any list picks it.
        self.services.settings.set("default_model", model_id)
        for _attempt in range(3):
            await self.host.refresh_models()
            if self.host.find_model(model_id) is not None:
                break
        self.host.choose_model(model_id)
        self.host.show_new_chat()

    def close_download_windows(self) -> None:
        for dialog in (self.downloads_dialog, self.model_manager):
            if dialog is not None:
                dialog.close()

    def _on_model_downloaded(self, model_id: str) -> None:
        # In the picker at once, even while the person is busy chatting elsewhere.
        self.tasks.spawn(self.host.refresh_models(), name="model-downloaded")
