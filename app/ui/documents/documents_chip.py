"""The small chip by the composer: “Documents: Taxes 2026” or “Documents off”, so the user
always sees whether their files go with the message. A click opens its menu: each collection
to turn on or off, and the Documents window."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCursor
from PySide6.QtWidgets import QMenu, QPushButton, QWidget

from app.ui.documents.doc_text import chip_text

MANAGE = "Manage documents…"


class DocumentsChip(QPushButton):
    toggled_collection = Signal(str, bool)  # a collection's name, use it in chats
    manage_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(chip_text([]), parent)
        self.setObjectName("documentsChip")
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setFlat(True)
        self.collections: list[tuple[str, bool]] = []
        self.menu: QMenu | None = None
        self.clicked.connect(self.open_menu)
        self.set_collections([])

    @property
    def in_use(self) -> bool:
        return any(on for _name, on in self.collections)

    def set_collections(self, collections: Sequence[tuple[str, bool]]) -> None:
        self.collections = list(collections)
        self.setText(chip_text([name for name, on in self.collections if on]))
        self.setProperty("on", self.in_use)  # the style sheet colours it while files go along
        self.style().unpolish(self)
        self.style().polish(self)
        self.setToolTip(
            "Passages of these files go with your messages. Click to choose."
            if self.in_use
            else "Your files do not go with your messages. Click to choose documents."
        )

    def open_menu(self) -> QMenu:
        menu = QMenu(self)
        for name, on in self.collections:
            action = menu.addAction(name)
            action.setCheckable(True)
            action.setChecked(on)
            action.toggled.connect(lambda checked, n=name: self.toggled_collection.emit(n, checked))
        if self.collections:
            menu.addSeparator()
        menu.addAction(MANAGE if self.collections else "Add documents…", self.manage_requested.emit)
        self.menu = menu
        menu.popup(QCursor.pos())
        return menu
