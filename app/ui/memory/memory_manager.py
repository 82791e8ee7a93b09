"""The memory manager: every fact Hearth remembers, newest first, to add, reword, find or forget,
with the switches that decide where memories go beside the list. A plain window: chats go on."""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app.core.errors import HearthError
from app.services import Services
from app.store.memory import DeletedMemory, Memory
from app.ui.memory.memory_row import MemoryRow
from app.ui.memory.memory_switches import MemorySwitches
from app.ui.shell.buttons import dialog_button
from app.ui.shell.tasks import TaskKeeper
from app.ui.shell.toast import Toast

log = logging.getLogger(__name__)

INTRO = (
    "Short facts about you that Hearth adds to your messages when they are relevant, so you need "
    "not repeat yourself. Type /remember and a fact in any chat to add one."
)
EMPTY = "No memories yet. Add one above, or use “Remember this” on any message."
NO_MATCH = "No memory contains these words."
SWITCHES_WIDTH = 330


class MemoryManager(QDialog):
    changed = Signal()  # a memory or a switch changed

    def __init__(self, services: Services, tasks: TaskKeeper, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("memoryManager")
        self.setWindowTitle("Memories")
        self.setModal(False)
        self.resize(900, 600)
        self._services = services
        self._tasks = tasks
        self.rows: list[MemoryRow] = []
        self.add_field = QLineEdit(self)
        self.add_field.setObjectName("settingsField")
        self.add_field.setPlaceholderText("A new fact, e.g. I live in Lyon and cycle to work")
        self.add_field.returnPressed.connect(self.add_from_field)
        self.add_button = dialog_button(
            "Add", self, self.add_from_field, primary=True, auto_default=False
        )
        self.search_box = QLineEdit(self)
        self.search_box.setObjectName("searchBox")
        self.search_box.setPlaceholderText("Find a memory")
        self.search_box.setClearButtonEnabled(True)
        self.search_box.textChanged.connect(lambda _t: self._filter())
        self.note = QLabel(self)
        self.note.setObjectName("testResult")
        self.note.setWordWrap(True)
        self.note.hide()
        self.count = QLabel(self)
        self.count.setObjectName("settingsHint")
        self.empty = QLabel(EMPTY, self)
        self.empty.setObjectName("settingsHint")
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.switches = MemorySwitches(services, self)
        self.switches.changed.connect(self.changed)
        self.toast = Toast(self)
        self._build()
        QShortcut(QKeySequence.StandardKey.Close, self, activated=self.close)
        QShortcut(QKeySequence.StandardKey.Find, self, activated=self._focus_search)
        self.loaded = self.refresh()

    def _build(self) -> None:
        heading = QLabel("Memories", self)
        heading.setObjectName("dialogHeading")
        intro = QLabel(INTRO, self)
        intro.setObjectName("settingsText")
        intro.setWordWrap(True)
        add_row = QHBoxLayout()
        add_row.setSpacing(8)
        add_row.addWidget(self.add_field, 1)
        add_row.addWidget(self.add_button)
        self.list_body = QWidget()
        self.list_body.setObjectName("memoryList")
        self.list_layout = QVBoxLayout(self.list_body)
        self.list_layout.setContentsMargins(0, 0, 0, 0)
        self.list_layout.setSpacing(0)
        self.list_layout.addWidget(self.empty)
        self.list_layout.addStretch(1)
        scroll = QScrollArea(self)
        scroll.setObjectName("memoryScroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(self.list_body)
        search_row = QHBoxLayout()
        search_row.addWidget(self.search_box, 1)
        search_row.addWidget(self.count)
        left = QVBoxLayout()
        left.setContentsMargins(24, 20, 20, 12)
        left.setSpacing(10)
        left.addWidget(heading)
        left.addWidget(intro)
        left.addLayout(add_row)
        left.addWidget(self.note)
        left.addLayout(search_row)
        left.addWidget(scroll, 1)
        left.addWidget(self.toast)
        side = QWidget(self)
        side.setObjectName("memorySide")
        side.setFixedWidth(SWITCHES_WIDTH)
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(20, 16, 20, 16)
        side_layout.addWidget(self.switches)
        side_layout.addStretch(1)
        side_scroll = QScrollArea(self)
        side_scroll.setObjectName("memorySideScroll")
        side_scroll.setWidgetResizable(True)
        side_scroll.setFrameShape(QFrame.Shape.NoFrame)
        side_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        side_scroll.setFixedWidth(SWITCHES_WIDTH + 12)
        side_scroll.setWidget(side)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        row.addLayout(left, 1)
        row.addWidget(side_scroll)

    # -- showing -------------------------------------------------------------------------------

    def refresh(self):
        """Read the memories again (a task the caller may wait on) and the switches."""
        self.switches.refresh()
        return self._tasks.spawn(self._load(), name="memories")

    async def _load(self) -> None:
        self.show_memories(await self._services.memory.list())

    def show_memories(self, memories: list[Memory]) -> None:
        for row in self.rows:
            row.setParent(None)
            row.deleteLater()
        self.rows = []
        for position, memory in enumerate(memories):
            row = MemoryRow(memory, self.list_body)
            row.save_requested.connect(self._save)
            row.delete_requested.connect(self._delete)
            self.list_layout.insertWidget(position, row)
            self.rows.append(row)
        self._filter()

    def texts(self) -> list[str]:
        """The memories listed and not filtered out, top to bottom."""
        return [r.memory.text for r in self.rows if not r.isHidden()]

    def row_for(self, memory_id: int) -> MemoryRow | None:
        return next((r for r in self.rows if r.memory.id == memory_id), None)

    def _filter(self) -> None:
        needle = self.search_box.text().strip()
        shown = 0
        for row in self.rows:
            visible = row.matches(needle)
            row.setVisible(visible)
            shown += visible
        self.empty.setText(NO_MATCH if self.rows else EMPTY)
        self.empty.setVisible(shown == 0)
        total = len(self.rows)
        self.count.setText(
            f"{shown} of {total}" if needle else (f"{total} memor{'y' if total == 1 else 'ies'}")
        )
        self.count.setVisible(total > 0)

    def _focus_search(self) -> None:
        self.search_box.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search_box.selectAll()

    # -- changing ------------------------------------------------------------------------------

    def add_from_field(self):
        text = self.add_field.text()
        return self._tasks.spawn(self._add(text), name="memory-add")

    async def _add(self, text: str) -> None:
        try:
            await self._services.memory.remember(text=text)
        except HearthError as error:
            self._show_error(error)
            return
        self.add_field.clear()
        self._show_error(None)
        await self._after_change()

    def _save(self, memory_id: int, text: str) -> None:
        self._tasks.spawn(self._edit(memory_id, text), name="memory-edit")

    async def _edit(self, memory_id: int, text: str) -> None:
        try:
            changed = await self._services.memory.edit(memory_id=memory_id, text=text)
        except HearthError as error:
            self._show_error(error)
            return
        self._show_error(None)
        row = self.row_for(memory_id)
        if row is not None:
            row.show_memory(changed)
        self.changed.emit()

    def _delete(self, memory_id: int) -> None:
        self._tasks.spawn(self.delete(memory_id), name="memory-delete")

    async def delete(self, memory_id: int) -> None:
        row = self.row_for(memory_id)
        if row is None:
            return
        try:
            gone = await self._services.memory.delete(memory_id=memory_id)
        except HearthError as error:
            self._show_error(error)
            return
        await self._after_change()
        self.toast.offer_undo(
            "Memory deleted.", lambda: self._tasks.spawn(self._restore(gone), name="memory-undo")
        )

    async def _restore(self, deleted: DeletedMemory) -> None:
        try:
            await self._services.memory.restore(deleted=deleted)
        except HearthError as error:
            self._show_error(error)
            return
        await self._after_change()

    async def _after_change(self) -> None:
        await self._load()
        self.changed.emit()

    def _show_error(self, error: HearthError | None) -> None:
        self.note.setProperty("error", error is not None)
        self.note.style().unpolish(self.note)
        self.note.style().polish(self.note)
        self.note.setText(error.plain() if error else "")
        self.note.setVisible(error is not None)

    def present(self) -> None:
        self.show()
        self.raise_()
        self.activateWindow()
