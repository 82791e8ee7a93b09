"""The Documents window: the collections with their files and how far each is read, adding
files and folders (buttons or drag and drop), renaming and removing, each collection's “use in
chats” switch, and the reading line with its progress bar and Cancel / Resume.

It only shows and asks: DocumentController does the work and fills it again (`show_listing`).
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QProgressBar,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.services.documents import CollectionListing
from app.store.documents import DocFile
from app.ui.documents.doc_text import collection_summary, file_state_text
from app.ui.documents.drop_files import dropped_paths
from app.ui.shell.switch import Switch
from app.ui.shell.theme import current_theme

KIND, NAME = Qt.ItemDataRole.UserRole, Qt.ItemDataRole.UserRole + 1
INTRO = (
    "Hearth reads these files on this computer and keeps what it read here. Turn a collection "
    "on to let your chats answer from it. Drop files or folders on this window to add them."
)
STATE_WRAP = 52  # characters a line in the State column
EMPTY = "No documents yet. Add files or a folder, or drop them here."


def wrapped(text: str) -> str:
    """Wrapped by hand: a tree row grows to fit its lines, but never wraps by itself."""
    return text if len(text) <= STATE_WRAP else textwrap.fill(text, STATE_WRAP)


class DocumentsWindow(QWidget):
    add_requested = Signal(list, object)  # paths, the collection's name (None: a new one)
    rename_requested = Signal(str, str)  # the collection's name, its new name
    remove_requested = Signal(str, str)  # "collection" or "file", its name or path
    enabled_changed = Signal(str, bool)  # a collection's name, use it in chats
    cancel_requested = Signal()
    resume_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("documentsWindow")
        self.setWindowTitle("Documents")
        self.setAcceptDrops(True)
        self.resize(720, 520)
        heading = QLabel("Your documents", self)
        heading.setObjectName("dialogHeading")
        intro = QLabel(INTRO, self)
        intro.setObjectName("dialogText")
        intro.setWordWrap(True)
        self.tree = QTreeWidget(self)
        self.tree.setColumnCount(3)
        self.tree.setHeaderLabels(["Name", "State", "Use in chats"])
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.tree.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(0, 230)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(False)
        self.tree.itemSelectionChanged.connect(self._update_buttons)
        self.empty = QLabel(EMPTY, self)
        self.empty.setObjectName("dialogHint")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.add_files_button = self._button("Add files…", self.choose_files)
        self.add_folder_button = self._button("Add folder…", self.choose_folder)
        self.rename_button = self._button("Rename…", self.ask_rename)
        self.remove_button = self._button("Remove", self.remove_selected)
        buttons = QHBoxLayout()
        for b in (self.add_files_button, self.add_folder_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.rename_button)
        buttons.addWidget(self.remove_button)
        self.reading = QLabel("", self)
        self.reading.setObjectName("dialogText")
        self.progress = QProgressBar(self)
        self.progress.setTextVisible(False)
        self.progress.setFixedHeight(8)
        self.stop_button = self._button("Cancel", self.cancel_requested.emit)
        self.resume_button = self._button("Resume reading", self.resume_requested.emit)
        reading_row = QHBoxLayout()
        reading_row.addWidget(self.reading, 1)
        reading_row.addWidget(self.stop_button)
        reading_row.addWidget(self.resume_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 16)
        layout.setSpacing(10)
        layout.addWidget(heading)
        layout.addWidget(intro)
        self._layout = layout
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.empty, 1)
        layout.addLayout(reading_row)
        layout.addWidget(self.progress)
        self.search_line = QVBoxLayout()  # how passages are found (embedding_choice), when shown
        layout.addLayout(self.search_line)
        layout.addLayout(buttons)
        self.switches: dict[str, Switch] = {}
        self._shape: list | None = None  # the collections and files the tree shows
        self.rows: dict[str, QTreeWidgetItem] = {}  # each file's row, by path
        self._text_colour = self.tree.palette().text()
        self.show_listing([])
        self.show_idle("")

    def _button(self, text: str, slot) -> QPushButton:
        button = QPushButton(text, self)
        button.setObjectName("dialogButton")
        button.setAutoDefault(False)
        button.clicked.connect(lambda: slot())
        return button

    # -- what the controller shows ---------------------------------------------------------------

    def show_listing(self, listing: list[CollectionListing]) -> None:
        shape = [(e.collection.name, [f.path for f in e.files]) for e in listing]
        if shape == self._shape:
            self._update_rows(listing)  # while reading: only the states change, in place
            return
        self._shape = shape
        selected = self.selected()
        expanded = {
            self.tree.topLevelItem(i).data(0, NAME)
            for i in range(self.tree.topLevelItemCount())
            if self.tree.topLevelItem(i).isExpanded()
        }
        self.tree.clear()
        self.switches = {}
        self.rows = {}
        for entry in listing:
            c = entry.collection
            item = QTreeWidgetItem([c.name, collection_summary(c), ""])
            item.setData(0, KIND, "collection")
            item.setData(0, NAME, c.name)
            font = item.font(0)
            font.setBold(True)
            item.setFont(0, font)
            self.tree.addTopLevelItem(item)
            for f in entry.files:
                child = QTreeWidgetItem([Path(f.path).name, "", ""])
                child.setData(0, KIND, "file")
                child.setData(0, NAME, f.path)
                child.setToolTip(0, f.path)
                self._show_file(child, f)
                item.addChild(child)
                self.rows[f.path] = child
            switch = Switch(f"Use “{c.name}” in chats", self.tree)
            switch.setChecked(c.enabled)
            switch.setToolTip("On: your chats can answer from these files")
            switch.toggled.connect(lambda on, name=c.name: self.enabled_changed.emit(name, on))
            holder = QWidget()
            row = QHBoxLayout(holder)
            row.setContentsMargins(8, 0, 8, 0)
            row.addWidget(switch, 0, Qt.AlignmentFlag.AlignCenter)
            self.tree.setItemWidget(item, 2, holder)
            self.switches[c.name] = switch
            item.setExpanded(c.name in expanded or not expanded)
            if selected and selected[1] == c.name:
                item.setSelected(True)
        self.tree.setVisible(bool(listing))
        self.empty.setVisible(not listing)
        self._update_buttons()

    def _update_rows(self, listing: list[CollectionListing]) -> None:
        for i, entry in enumerate(listing):
            item = self.tree.topLevelItem(i)
            summary = collection_summary(entry.collection)
            if item.text(1) != summary:
                item.setText(1, summary)
            switch = self.switches[entry.collection.name]
            if switch.isChecked() != entry.collection.enabled:
                switch.blockSignals(True)
                switch.setChecked(entry.collection.enabled)
                switch.blockSignals(False)
            for j, f in enumerate(entry.files):
                self._show_file(item.child(j), f)

    def _show_file(self, row: QTreeWidgetItem, f: DocFile) -> None:
        state = wrapped(file_state_text(f))
        if row.text(1) == state:
            return
        row.setText(1, state)
        row.setToolTip(1, file_state_text(f))
        failed = f.state == "failed"
        row.setForeground(1, QColor(current_theme().danger) if failed else self._text_colour)

    def show_offer(self, offer: QWidget) -> None:
        """A bar under the introduction (the embedding model's offer)."""
        offer.setParent(self)
        self._layout.insertWidget(2, offer)
        offer.show()

    def show_search_choice(self, choice: QWidget) -> None:
        """The line on how passages are found, above the buttons."""
        choice.setParent(self)
        self.search_line.addWidget(choice)
        choice.show()

    def show_file_state(self, path: str, text: str, *, failed: bool = False) -> None:
        """The file being read says how far it is, between two listings."""
        row = self.rows.get(path)
        if row is not None:
            row.setText(1, wrapped(text))
            row.setForeground(1, QColor(current_theme().danger) if failed else self._text_colour)

    def show_reading(self, text: str, done: int, total: int) -> None:
        self.reading.setText(text)
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(min(done, total))
        self.progress.show()
        self.stop_button.show()
        self.resume_button.hide()

    def show_idle(self, text: str, *, can_resume: bool = False) -> None:
        self.reading.setText(text)
        self.progress.hide()
        self.stop_button.hide()
        self.resume_button.setVisible(can_resume)

    # -- what the user asks ---------------------------------------------------------------------

    def selected(self) -> tuple[str, str] | None:
        """("collection", name) or ("file", path) of the selected row."""
        items = self.tree.selectedItems()
        return (items[0].data(0, KIND), items[0].data(0, NAME)) if items else None

    def selected_collection(self) -> str | None:
        items = self.tree.selectedItems()
        if not items:
            return None
        item = items[0].parent() or items[0]
        return item.data(0, NAME)

    def choose_files(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(
            self,
            "Add files",
            "",
            "Documents (*.pdf *.docx *.md *.markdown *.txt *.html *.htm *.eml);;All files (*)",
        )
        if paths:
            self.add_requested.emit(paths, self.selected_collection())

    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Add a folder")
        if folder:
            self.add_requested.emit([folder], self.selected_collection())

    def ask_rename(self) -> None:
        name = self.selected_collection()
        if name is None:
            return
        new, ok = QInputDialog.getText(self, "Rename collection", "New name:", text=name)
        if ok and new.strip() and new.strip() != name:
            self.rename_requested.emit(name, new.strip())

    def remove_selected(self) -> None:
        selected = self.selected()
        if selected is not None:
            self.remove_requested.emit(*selected)

    def _update_buttons(self) -> None:
        selected = self.selected()
        self.rename_button.setEnabled(selected is not None)
        self.remove_button.setEnabled(selected is not None)
        self.remove_button.setText(
            "Remove file" if selected and selected[0] == "file" else "Remove collection"
        )

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802
        if dropped_paths(event.mimeData()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        paths = dropped_paths(event.mimeData())
        if paths:
            event.acceptProposedAction()
            self.add_requested.emit(paths, self.selected_collection())
