"""“Add model from disk…”: choose .gguf files, register them, and say plainly what failed."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from PySide6.QtWidgets import QFileDialog, QWidget

from app.core.chat import ModelInfo
from app.core.errors import HearthError
from app.services import Services
from app.ui.models.projector_choice import CANCELLED, NONE, ProjectorChoice

MODEL_FILE_FILTER = "Model files (*.gguf);;All files (*)"


@dataclass
class AddOutcome:
    added: list[ModelInfo] = field(default_factory=list)
    failures: list[tuple[str, HearthError]] = field(default_factory=list)

    def failure_text(self) -> str:
        lines = [f"{Path(path).name}: {error.plain()}" for path, error in self.failures]
        return "\n".join(lines)


async def add_model_files(services: Services, paths: list[str]) -> AddOutcome:
    """What the button does once files are chosen; the newest added model becomes the default."""
    added, failures = await services.models.add_from_disk(paths)
    if added:
        services.settings.set("default_model", added[-1].id)
    return AddOutcome(added, failures)


async def ask_about_projectors(
    parent: QWidget,
    services: Services,
    added: list[ModelInfo],
    show: Callable[[ProjectorChoice], None],
    warn: Callable[[str, str], None],
) -> list[ModelInfo]:
    """For each added model with several projectors beside it (one alone is paired already),
    ask which is its own, one dialog at a time; `show` opens it, `warn` says what failed.
    Returns the models changed."""
    changed = []
    for model in added:
        paths = await services.models.projector_choices(model.id)
        if not paths:
            continue
        answer: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        dialog = ProjectorChoice(model, paths, parent)
        dialog.chosen.connect(lambda value, f=answer: f.done() or f.set_result(value))
        show(dialog)
        value = await answer
        if value == CANCELLED:
            continue
        try:
            projector = None if value == NONE else value
            changed.append(await services.models.choose_projector(model.id, projector))
        except HearthError as error:  # the file went away, or is not a projector after all
            warn("The projector could not be used", error.plain())
    return changed


class ModelFilesHost(Protocol):
    """What adding model files asks of the main window."""

    services: Services
    tasks: Any  # TaskKeeper
    models: Any  # ModelController
    chats: Any  # ConversationController
    projector_choice: ProjectorChoice | None

    @property
    def showing_welcome(self) -> bool: ...
    def show_chats(self) -> None: ...
    def _warn(self, heading: str, detail: str) -> None: ...
    def _keep(self, dialog: QWidget) -> None: ...


async def add_from_disk(window: ModelFilesHost, paths: list[str]) -> AddOutcome:
    """What “Add model from disk…” does once files are chosen: register them, list them, say
    what failed, leave the welcome screen for a new chat, then ask about projectors."""
    outcome = await add_model_files(window.services, list(paths))
    await window.models.refresh_models()
    if outcome.failures:
        window._warn("Some files could not be added", outcome.failure_text())
    if outcome.added and window.showing_welcome:
        window.show_chats()
        window.chats.new_chat()
    if outcome.added:
        window.tasks.spawn(_projectors(window, outcome.added), name="projectors")
    return outcome


async def _projectors(window: ModelFilesHost, added: list[ModelInfo]) -> None:
    """Several projectors beside a new model: the user says which one is its own."""

    def show(dialog: ProjectorChoice) -> None:
        window.projector_choice = dialog  # tests answer it
        window._keep(dialog)
        dialog.open()

    if await ask_about_projectors(window, window.services, added, show, window._warn):
        await window.models.refresh_models()


def ask_for_model_files(parent: QWidget, on_chosen: Callable[[list[str]], None]) -> QFileDialog:
    # open() rather than exec(): no nested event loop while replies may still be streaming.
    dialog = QFileDialog(parent, "Add model from disk", str(Path.home()), MODEL_FILE_FILTER)
    dialog.setFileMode(QFileDialog.FileMode.ExistingFiles)
    dialog.filesSelected.connect(on_chosen)
    dialog.open()
    return dialog
