"""Downloading and managing models from the main window: a mixin of MainWindow, like
ModelActions. It uses the window's services, task keeper, welcome screen and model methods
(refresh_models, choose_model, new_chat, choose_model_files)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from app.ui.downloads.download_events import DownloadEvents

if TYPE_CHECKING:
    from app.ui.downloads.downloads_dialog import DownloadsDialog
    from app.ui.models.model_manager import ModelManager
    from app.ui.welcome.welcome_download import WelcomeDownload

log = logging.getLogger(__name__)


class DownloadActions:
    _downloads_dialog: DownloadsDialog | None = None
    _model_manager: ModelManager | None = None
    _welcome_download: WelcomeDownload | None = None

    def start_downloads(self) -> None:
        """At start-up, on the loop: unfinished downloads go on; finished ones join the picker."""
        events = DownloadEvents.for_service(self.services.downloads)
        events.model_ready.connect(self._on_model_downloaded)
        resumed = self.services.downloads.resume_unfinished()
        if resumed:
            log.info("Resuming %d unfinished download(s)", len(resumed))

    def prepare_welcome(self) -> WelcomeDownload:
        """The welcome screen's main button: download the model suggested for this computer."""
        if self._welcome_download is None:
            from app.ui.welcome.welcome_download import WelcomeDownload  # only on a first start

            self._welcome_download = WelcomeDownload(
                self.services,
                self.welcome,
                self.tasks,
                open_chat=self.start_chat_with,
                open_catalog=self.open_downloads,
                open_privacy=lambda: self.open_settings("privacy"),
            )
        self._welcome_download.prepare()
        return self._welcome_download

    def refresh_welcome_download(self) -> None:
        """Offline mode changed: the main button says what it will do now."""
        if self._welcome_download is not None:
            self._welcome_download.refresh()

    def open_downloads(self) -> DownloadsDialog:
        """The download window, in place of “Your models” (one of the two at a time)."""
        if self._model_manager is not None:
            self._model_manager.hide()
        if self._downloads_dialog is None:
            from app.ui.downloads.downloads_dialog import DownloadsDialog  # built on first use

            dialog = DownloadsDialog(self.services, self.tasks, self)
            dialog.start_chat_requested.connect(
                lambda model_id: self.tasks.spawn(self.start_chat_with(model_id))
            )
            dialog.manage_requested.connect(self.open_model_manager)
            self._downloads_dialog = dialog
        self._downloads_dialog.present()
        return self._downloads_dialog

    def open_model_manager(self) -> ModelManager:
        """“Models” in the sidebar: the person's models, with “Download more” inside. A second
        click raises the same window; the download window gives way to it, so none stack."""
        if self._downloads_dialog is not None:
            self._downloads_dialog.hide()
        if self._model_manager is None:
            from app.ui.models.model_manager import ModelManager  # built on first use

            manager = ModelManager(self.services, self.tasks, self)
            manager.models_changed.connect(lambda: self.tasks.spawn(self.refresh_models()))
            manager.download_requested.connect(self.open_downloads)
            manager.add_from_disk_requested.connect(self.choose_model_files)
            self._model_manager = manager
        self._model_manager.present()
        return self._model_manager

    async def start_chat_with(self, model_id: str) -> None:
        """“Start chatting” on a finished download: that model, in a new chat."""
        # The download's own "model ready" refresh may overtake this one (the newer list
        # wins), so list again until the model is in; as the default, any list picks it.
        self.services.settings.set("default_model", model_id)
        for _attempt in range(3):
            await self.refresh_models()
            if self.find_model(model_id) is not None:
                break
        self.choose_model(model_id)
        if self.showing_welcome:
            self.pages.setCurrentWidget(self.splitter)
        self.new_chat()
        self.raise_()
        self.activateWindow()

    def close_download_windows(self) -> None:
        for dialog in (self._downloads_dialog, self._model_manager):
            if dialog is not None:
                dialog.close()

    def _on_model_downloaded(self, model_id: str) -> None:
        # In the picker at once, even while the person is busy chatting elsewhere.
        self.tasks.spawn(self.refresh_models(), name="model-downloaded")
