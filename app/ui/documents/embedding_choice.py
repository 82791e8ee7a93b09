"""The Documents window's line on how passages are found: by meaning with which embedding
model (always on this computer), or by keywords only and why, with Change… to pick another.

Change… offers the embedding models already here (the catalog's, once downloaded, and model
files added to Hearth that can embed), any GGUF file on disk, and the standard model back. A
choice is loaded and checked before it is kept (DocumentSearch.use_embed_model): a chat model or
a broken file is refused in plain words and nothing changes. Passages read before are embedded
again with the new model in the background (vectors are kept per model, so switching back is
free).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLabel, QMenu, QPushButton, QWidget

from app.core.errors import HearthError
from app.services.doc_search import SETTING
from app.ui.shell.theme import current_theme

if TYPE_CHECKING:
    from app.services import Services
    from app.ui.shell.tasks import TaskKeeper

KEYWORDS_ONLY = "Passages are found by their words only: no model for meaning is set up yet."


class EmbeddingChoice(QWidget):
    def __init__(self, services: Services, tasks: TaskKeeper, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("embeddingChoice")
        self.services = services
        self.tasks = tasks
        self.text = QLabel("", self)
        self.text.setObjectName("dialogHint")
        self.text.setWordWrap(True)
        self.change_button = QPushButton("Change…", self)
        self.change_button.setObjectName("linkButton")
        self.change_button.clicked.connect(self.open_menu)
        self.menu: QMenu | None = None
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.text, 1)
        row.addWidget(self.change_button)
        self.checking: asyncio.Task | None = None

    # -- what it shows ---------------------------------------------------------------------------

    def refresh(self) -> asyncio.Task:
        return self.tasks.spawn(self._refresh(), name="embedding-choice")

    async def _refresh(self) -> None:
        search = self.services.doc_search
        try:
            path = await search.embed_model_path()
        except HearthError as err:
            self._say(f"Passages are found by their words only: {err.plain()}", problem=True)
            return
        if path is None:
            self._say(KEYWORDS_ONLY)
        elif search.problem is not None:
            self._say(
                f"Passages are found by their words only: {search.problem.plain()}", problem=True
            )
        else:
            self._say(
                f"Passages are found by meaning too, with {model_name(path)} (on this computer)."
            )

    def _say(self, text: str, *, problem: bool = False) -> None:
        self.text.setText(text)
        self.text.setStyleSheet(f"color: {current_theme().danger};" if problem else "")
        self.change_button.setEnabled(True)

    # -- changing it -----------------------------------------------------------------------------

    def open_menu(self) -> QMenu:
        """The models already here, a file on disk, or the standard one back."""
        menu = self.menu = QMenu(self)
        self.tasks.spawn(self._fill_menu(menu), name="embedding-menu")
        return menu

    async def _fill_menu(self, menu: QMenu) -> None:
        chosen = self.services.settings.get(SETTING)
        for name, path in await self.models_here():
            action = menu.addAction(name)
            action.setCheckable(True)
            action.setChecked(bool(chosen) and Path(chosen).resolve() == path)
            action.triggered.connect(lambda _=False, p=path: self.choose(str(p)))
        if not menu.isEmpty():
            menu.addSeparator()
        menu.addAction("A model file on this computer…", self.choose_file)
        if chosen:
            menu.addAction("Back to the standard model", lambda: self.choose(None))
        if not self.change_button.isVisible():
            return  # a test drives it directly
        menu.popup(self.change_button.mapToGlobal(self.change_button.rect().bottomLeft()))

    async def models_here(self) -> list[tuple[str, Path]]:
        """Embedding models on this computer: the catalog's downloaded files, and added model
        files named as embedding models."""
        from app.core.embed_models import is_embedding_only

        found: dict[Path, str] = {}
        for model, file, where in self.services.doc_search.downloaded_catalog_files():
            found[where.resolve()] = f"{model.name} {file.quant or ''}".strip()
        for info in await self.services.models.list_models(embedding=True):
            if info.path and is_embedding_only(info) and Path(info.path).is_file():
                found.setdefault(Path(info.path).resolve(), info.display_name)
        return [(name, path) for path, name in found.items()]

    def choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Choose an embedding model", "", "Model files (*.gguf);;All files (*)"
        )
        if path:
            self.choose(path)

    def choose(self, name_or_path: str | None) -> asyncio.Task:
        self.checking = self.tasks.spawn(self._choose(name_or_path), name="embedding-choose")
        return self.checking

    async def _choose(self, name_or_path: str | None) -> None:
        search = self.services.doc_search
        self.change_button.setEnabled(False)
        self.text.setText("Checking the model…")
        try:
            await search.use_embed_model(name_or_path)
        except HearthError as err:
            await self._refresh()
            self._say(f"That model was not changed: {err.plain()}", problem=True)
            return
        search.chunks_added()  # passages without a vector for this model are embedded now
        await self._refresh()


def model_name(path: Path) -> str:
    return path.stem
