"""Which models can answer and which one will: the list (model files, servers here, online
services), the picker and its favourites, the model a chat reopens with, offline mode's effect.

A controller MainWindow composes: it is given the services, the task keeper and the widgets it
drives (the header, the empty chat's line, the picker), and tells the rest through its signals
(`shown`: the model on screen changed; `listed`: the list changed; `regenerate_with`: the picker
was opened to regenerate). It asks the window only whether the welcome screen is up and which
chat is on screen.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QObject, QPoint, Signal

from app.core.chat import ModelInfo
from app.core.errors import HearthError
from app.core.records import Message
from app.services.models import ModelGroup
from app.ui.models.picker_entries import all_models

if TYPE_CHECKING:
    from app.services import Services
    from app.ui.models.model_header import ModelHeader
    from app.ui.models.model_picker import ModelPicker
    from app.ui.shell.tasks import TaskKeeper

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


class ShowsModel(Protocol):
    """A widget that names the model the next reply comes from (the empty chat's line)."""

    def set_model(self, model: ModelInfo | None) -> None: ...


class ModelController(QObject):
    shown = Signal()  # the model on screen changed (the estimate next to Send follows it)
    listed = Signal()  # the list of models changed (Settings shows it)
    regenerate_with = Signal(str)  # a model chosen in the picker opened by “Regenerate with…”

    def __init__(
        self,
        services: Services,
        tasks: TaskKeeper,
        *,
        header: ModelHeader,
        empty_chat: ShowsModel,
        picker: ModelPicker,
        showing_welcome: Callable[[], bool],
        conversation_id: Callable[[], int | None],
    ) -> None:
        super().__init__()
        self.services = services
        self.tasks = tasks
        self.header = header
        self.empty_chat = empty_chat
        self.picker = picker
        self._showing_welcome = showing_welcome
        self._conversation_id = conversation_id
        self.groups: list[ModelGroup] = []
        self.models: list[ModelInfo] = []  # every model that can answer now, local first
        self.current_model: ModelInfo | None = None
        self._generation = 0
        self._purpose = PICK
        header.picker_requested.connect(self.open_picker)
        picker.model_chosen.connect(self._on_picker_chosen)
        picker.favourite_toggled.connect(self.toggle_favourite)

    # -- the model list ------------------------------------------------------------------------

    async def refresh_models(self) -> None:
        """Every model the picker shows: model files, servers here, online services."""
        self._generation += 1
        generation = self._generation
        groups = await self.services.models.all_models()
        if generation != self._generation:
            return  # a newer refresh started meanwhile: its list wins
        await self._use_groups(groups)
        self.listed.emit()

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
        self.shown.emit()

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
        if self._showing_welcome():
            return  # nothing to chat in yet: the welcome screen offers the ways to start
        self._purpose = purpose
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
        if self._purpose == REGENERATE:
            self._purpose = PICK
            self.regenerate_with.emit(model_id)
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
        if not model_id or self._conversation_id() != conversation_id:
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
            if self._conversation_id() != conversation_id:
                return
        self.services.settings.set("default_model", model_id)
        self.current_model = model
        self._show_current_model()

    def toggle_favourite(self, model_id: str, favourite: bool) -> None:
        ids = [m for m in self.services.settings.get("favourite_models") or [] if m != model_id]
        self.services.settings.set("favourite_models", [*ids, model_id] if favourite else ids)

    def offline_changed(self, offline: bool) -> None:
        self.header.set_offline(offline)
        if self.picker.isVisible():
            self.open_picker(self._purpose)  # online models greyed out, or back
