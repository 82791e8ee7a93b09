"""Choosing models and opening Settings: the picker, favourites, keys, offline mode.

A mixin of MainWindow, kept apart so each file stays small; it uses the window's services,
header, empty chat, picker, task keeper and welcome screen.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QPoint

from app.core.chat import ModelInfo
from app.core.errors import HearthError
from app.core.records import Message
from app.services.models import ModelGroup
from app.ui.models.picker_entries import all_models

if TYPE_CHECKING:
    from app.ui.settings import SettingsDialog

log = logging.getLogger(__name__)

PICK = "choose"
REGENERATE = "regenerate"
# Looking for Ollama / LM Studio waits until the window is up: it needs httpx (0.2 s to import).
DETECT_AFTER_S = 1.0


# What the first HTTP request would otherwise import on the window's thread (httpx loads its
# transport lazily): ~0.3 s with the CA bundle, paid on a worker thread instead.
_HTTP_MODULES = (
    "app.providers.openai_compat",
    "httpcore",
    "httpcore._backends.anyio",
    "anyio._backends._asyncio",
)


def _load_http_client() -> None:
    for name in _HTTP_MODULES:
        importlib.import_module(name)
    importlib.import_module("app.providers.http_stream").tls_context()


class ModelActions:
    groups: list[ModelGroup]
    models: list[ModelInfo]
    current_model: ModelInfo | None
    settings_dialog: SettingsDialog | None

    _models_generation: int

    # -- the model list ------------------------------------------------------------------------

    async def refresh_models(self) -> None:
        """Every model the picker shows: model files, servers here, online services."""
        self._models_generation += 1
        generation = self._models_generation
        groups = await self.services.models.all_models()
        if generation != self._models_generation:
            return  # a newer refresh started meanwhile: its list wins
        await self._use_groups(groups)
        if self.settings_dialog is not None:
            self.settings_dialog.set_local_models(self.local_files)
            self.settings_dialog.set_models(self.models)

    async def refresh_all_models(self) -> None:
        """refresh_models, with the keychain's first (slow) loading done on a worker thread."""
        await asyncio.to_thread(lambda: self.services.providers.keychain_available)
        await self.refresh_models()

    async def show_local_models(self) -> None:
        """Only the model files (no keychain needed): enough to start with."""
        await self._use_groups([ModelGroup(None, await self.services.models.list_models())])

    async def _use_groups(self, groups: list[ModelGroup]) -> None:
        self.groups = groups
        self.models = all_models(groups)
        self.current_model = await self._chosen_model()
        self._show_current_model()

    async def _chosen_model(self) -> ModelInfo | None:
        chosen = self.services.settings.get("default_model")
        if chosen:
            found = self.find_model(chosen)
            if found is not None:
                return found
            try:  # e.g. a cloud model that is not in the cached list any more
                return await self.services.models.resolve(chosen)
            except HearthError:
                log.info("The chosen model %r is not available", chosen)
        return self.models[0] if self.models else None

    def find_model(self, model_id: str | None) -> ModelInfo | None:
        for group in self.groups:
            for model in group.models:
                if model.id == model_id:
                    return model
        return None

    @property
    def local_files(self) -> list[ModelInfo]:
        """The model files on this computer (the picker's first group)."""
        return list(self.groups[0].models) if self.groups else []

    @property
    def has_something_to_chat_with(self) -> bool:
        """A model file, or an online service with a key (then the welcome screen is skipped)."""
        if self.local_files:
            return True
        return any(g.provider is not None and g.provider.needs_key for g in self.ready_groups)

    @property
    def ready_groups(self) -> list[ModelGroup]:
        return [g for g in self.groups if not g.needs_key and g.models]

    def default_local_model(self) -> ModelInfo | None:
        """For “send to a model on this computer instead”: the fallback choice, else the most
        recently used model that keeps the words here, else the first one."""
        local = [m for m in self.models if m.is_local]
        preferred = [
            self.services.settings.get("fallback_model"),
            *(self.services.settings.get("recent_models") or []),
        ]
        for model_id in preferred:
            found = next((m for m in local if m.id == model_id), None)
            if found is not None:
                return found
        return local[0] if local else None

    def _show_current_model(self) -> None:
        self.header.set_model(self.current_model)
        self.empty_chat.set_model(self.current_model)
        self.costs.on_model_shown()  # the estimate next to Send follows the model

    async def detect_local_servers(self, *, delay: float = 0.0) -> None:
        """Ollama or LM Studio running on this computer join the picker (loopback only)."""
        await asyncio.sleep(delay)
        await asyncio.to_thread(_load_http_client)
        try:
            found = await self.services.models.detect_local_servers()
        except HearthError as error:
            log.info("Looking for local servers failed: %s", error)
            return
        if found:
            await self.refresh_models()

    # -- choosing ------------------------------------------------------------------------------

    def open_picker(self, purpose: str = PICK) -> None:
        if self.showing_welcome:
            return  # nothing to chat in yet: the welcome screen offers the ways to start
        self._picker_purpose = purpose
        settings = self.services.settings
        self.picker.set_models(
            self.groups,
            favourites=settings.get("favourite_models") or [],
            recent=settings.get("recent_models") or [],
            offline=self.services.providers.offline,
            current_id=self.current_model.id if self.current_model else None,
        )
        button = self.header.picker
        self.picker.popup_at(button.mapToGlobal(QPoint(0, button.height() + 4)))

    def _on_picker_chosen(self, model_id: str) -> None:
        if getattr(self, "_picker_purpose", PICK) == REGENERATE:
            self._picker_purpose = PICK
            self.regenerate(model_id=model_id)
        else:
            self.choose_model(model_id)

    def choose_model(self, model_id: str) -> None:
        """The next reply in this conversation comes from this model; new chats start with it."""
        model = self.find_model(model_id)
        if model is None:
            return
        self.services.settings.set("default_model", model_id)
        self.current_model = model
        self._show_current_model()

    async def use_chat_model(
        self, conversation_id: int, messages: list[Message], *, more_after: bool = False
    ) -> None:
        """A chat reopens with the model it last used (its newest reply's), while that model is
        still there; new chats then start with it too, as with a model chosen in the picker.
        `messages`: the page just drawn; `more_after`: the chat goes on below it."""
        replies = [m for m in messages if m.role == "assistant" and m.model_id]
        model_id = replies[-1].model_id if replies else None
        if model_id is None or more_after:
            model_id = await self.services.conversations.last_model(conversation_id)
        if not model_id or self.conversation_id != conversation_id:
            return
        if self.current_model is not None and self.current_model.id == model_id:
            return
        model = self.find_model(model_id)
        if model is None:
            try:  # an online model not listed yet (the keychain is read just after start)
                model = await self.services.models.resolve(model_id)
            except HearthError:
                log.info("The chat's model %r is not available; keeping the current one", model_id)
                return
            if self.conversation_id != conversation_id:
                return
        self.services.settings.set("default_model", model_id)
        self.current_model = model
        self._show_current_model()

    def toggle_favourite(self, model_id: str, favourite: bool) -> None:
        ids = [m for m in self.services.settings.get("favourite_models") or [] if m != model_id]
        self.services.settings.set("favourite_models", [*ids, model_id] if favourite else ids)

    # -- settings ------------------------------------------------------------------------------

    def open_settings(self, page: str = "providers", provider_id: str | None = None):
        dialog = self._settings()
        if page == "privacy":
            dialog.show_privacy()
        elif page == "costs":
            dialog.show_costs()
        elif page == "chats":
            dialog.show_chats()
        else:
            dialog.show_providers(provider_id)
        return dialog

    def _settings(self) -> SettingsDialog:
        if self.settings_dialog is None:
            from app.ui.settings import SettingsDialog  # built on first use

            dialog = SettingsDialog(self.services, self.tasks, self)
            dialog.models_changed.connect(
                lambda: self.tasks.spawn(self.after_models_changed(), name="models-changed")
            )
            dialog.offline_changed.connect(self._on_offline_changed)
            dialog.costs_changed.connect(self.costs.on_costs_changed)
            dialog.dashboard_requested.connect(self.costs.open_usage_dashboard)
            dialog.chats_imported.connect(
                lambda _summary: self.tasks.spawn(self.chats.after_import())
            )
            dialog.set_local_models(self.local_files)
            self.connect_memory_settings(dialog)
            self.settings_dialog = dialog
        else:
            self.settings_dialog.refresh()
        return self.settings_dialog

    async def after_models_changed(self) -> None:
        """A key or server appeared (or went): list again; a first key leaves the welcome."""
        await self.refresh_all_models()
        if self.showing_welcome and self.has_something_to_chat_with:
            self.pages.setCurrentWidget(self.splitter)
            self.new_chat()

    def _on_offline_changed(self, offline: bool) -> None:
        self.header.set_offline(offline)
        self.downloads.refresh_welcome_download()
        if self.picker.isVisible():
            self.open_picker(getattr(self, "_picker_purpose", PICK))
