"""Settings → Personas: named sets of instructions (a system prompt, and a model to start on) that
a new chat can begin with. The list on the left, the chosen one's form on the right."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.core.chat import ModelInfo
from app.core.errors import HearthError
from app.services import Services
from app.store.personas import Persona
from app.ui.memory.persona_editor import PersonaEditor
from app.ui.shell.tasks import TaskKeeper
from app.ui.shell.toast import Toast

ID_ROLE = Qt.ItemDataRole.UserRole
LIST_WIDTH = 210
EMPTY = "No personas yet. Fill in the form to create one."


class PersonasPage(QWidget):
    changed = Signal()  # a persona was created, changed or deleted

    def __init__(self, services: Services, tasks: TaskKeeper, parent=None) -> None:
        super().__init__(parent)
        self._services = services
        self._tasks = tasks
        self.personas: list[Persona] = []
        self._loaded_once = False
        self.list = QListWidget(self)
        self.list.setObjectName("personaList")
        self.list.setFrameShape(QFrame.Shape.NoFrame)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.currentItemChanged.connect(self._on_current)
        self.new_button = QPushButton("+  New persona", self)
        self.new_button.setObjectName("linkButton")
        self.new_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.new_button.clicked.connect(self.start_new)
        self.empty = QLabel(EMPTY, self)
        self.empty.setObjectName("settingsHint")
        self.empty.setWordWrap(True)
        self.editor = PersonaEditor(self)
        self.editor.save_requested.connect(self.save)
        self.editor.delete_requested.connect(self.delete)
        self.toast = Toast(self)
        side = QWidget(self)
        side.setObjectName("personaSide")
        side.setFixedWidth(LIST_WIDTH)
        column = QVBoxLayout(side)
        column.setContentsMargins(6, 8, 6, 8)
        column.setSpacing(6)
        column.addWidget(self.list, 1)
        column.addWidget(self.empty)
        column.addWidget(self.new_button, 0, Qt.AlignmentFlag.AlignLeft)
        right = QVBoxLayout()
        right.setContentsMargins(0, 0, 0, 0)
        right.addWidget(self.editor, 1)
        right.addWidget(self.toast)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        row.addWidget(side)
        row.addLayout(right, 1)
        self.loaded = self.refresh()

    def set_models(self, models: list[ModelInfo]) -> None:
        self.editor.set_models(models)

    def refresh(self, select_id: int | None = None):
        return self._tasks.spawn(self._load(select_id), name="personas")

    def names(self) -> list[str]:
        return [self.list.item(i).text() for i in range(self.list.count())]

    def select(self, persona_id: int | None) -> None:
        for i in range(self.list.count()):
            if self.list.item(i).data(ID_ROLE) == persona_id:
                self.list.setCurrentRow(i)
                return
        self.start_new()

    def start_new(self) -> None:
        self.list.blockSignals(True)
        self.list.setCurrentRow(-1)
        self.list.clearSelection()
        self.list.blockSignals(False)
        self.editor.show_persona(None)
        self.editor.name_field.setFocus(Qt.FocusReason.OtherFocusReason)

    async def _load(self, select_id: int | None = None) -> None:
        current = self.editor.persona.id if self.editor.persona else None
        self.personas = await self._services.history.personas()
        self.list.blockSignals(True)
        try:
            self.list.clear()
            for persona in self.personas:
                item = QListWidgetItem(persona.name)
                item.setData(ID_ROLE, persona.id)
                item.setToolTip(persona.system_prompt[:300])
                self.list.addItem(item)
        finally:
            self.list.blockSignals(False)
        self.empty.setVisible(not self.personas)
        wanted = select_id if select_id is not None else current
        if wanted is None and self.personas and not self._loaded_once:
            wanted = self.personas[0].id  # on opening, show the first one rather than a blank form
        self._loaded_once = True
        if wanted is not None or self.editor.persona is not None:
            self.select(wanted)

    def _on_current(self, item: QListWidgetItem | None, _previous) -> None:
        if item is None:
            return
        chosen = next((p for p in self.personas if p.id == item.data(ID_ROLE)), None)
        self.editor.show_persona(chosen)

    # -- saving --------------------------------------------------------------------------------

    def save(self):
        return self._tasks.spawn(self._save(), name="persona-save")

    async def _save(self) -> None:
        values = self.editor.values()
        history = self._services.history
        editing = self.editor.persona
        try:
            if editing is None:
                saved = await history.create_persona(**values)
            else:
                saved = await history.update_persona(persona_id=editing.id, **values)
        except HearthError as error:
            self.editor.show_note(error.plain(), error=True)
            return
        await self._load(saved.id)
        self.editor.show_note("Saved.")
        self.changed.emit()

    def delete(self):
        return self._tasks.spawn(self._delete(), name="persona-delete")

    async def _delete(self) -> None:
        gone = self.editor.persona
        if gone is None:
            return
        try:
            await self._services.history.delete_persona(persona_id=gone.id)
        except HearthError as error:
            self.editor.show_note(error.plain(), error=True)
            return
        self.editor.show_persona(None)
        await self._load()
        self.changed.emit()
        self.toast.offer_undo(
            f"“{gone.name}” was deleted. Chats that used it keep its instructions.",
            lambda: self._tasks.spawn(self._restore(gone), name="persona-undo"),
        )

    async def _restore(self, persona: Persona) -> None:
        again = await self._services.history.create_persona(
            name=persona.name,
            system_prompt=persona.system_prompt,
            default_model=persona.default_model,
        )
        await self._load(again.id)
        self.changed.emit()
