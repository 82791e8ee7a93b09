"""The model picker (header button, Ctrl/Cmd+K): type to search, arrows and Enter to choose.

Favourites and recent models come first, then everything on this computer, one section per
cloud provider, and the providers that still need a key. Each row says where the words go.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QModelIndex, QObject, QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.services.models import ModelGroup
from app.ui.models.picker_delegate import ENTRY_ROLE, PickerDelegate, star_rect
from app.ui.models.picker_entries import PickerEntry, build_entries, next_choosable
from app.ui.shell.popup_frame import set_popup_background

WIDTH = 620
MAX_LIST_HEIGHT = 420
PAGE_ROWS = 8
_NAVIGATION = {
    Qt.Key.Key_Down: 1,
    Qt.Key.Key_Up: -1,
    Qt.Key.Key_PageDown: PAGE_ROWS,
    Qt.Key.Key_PageUp: -PAGE_ROWS,
}


class ModelPicker(QWidget):
    model_chosen = Signal(str)
    add_key_requested = Signal(str)  # provider id
    add_model_requested = Signal()
    providers_requested = Signal()
    favourite_toggled = Signal(str, bool)  # model id, now a favourite

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Popup | Qt.WindowType.FramelessWindowHint)
        self.setObjectName("modelPickerWindow")
        self._groups: list[ModelGroup] = []
        self._favourites: list[str] = []
        self._recent: list[str] = []
        self._offline = False
        self._current_id: str | None = None
        self.entries: list[PickerEntry] = []
        self._build()

    def _build(self) -> None:
        panel = QFrame(self)
        panel.setObjectName("pickerPanel")
        self.search = QLineEdit(panel)
        self.search.setObjectName("pickerSearch")
        self.search.setPlaceholderText("Search models")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(lambda _text: self._rebuild(keep_selection=False))
        self.search.installEventFilter(self)
        self.offline_note = QLabel("Offline mode is on: online models are greyed out.", panel)
        self.offline_note.setObjectName("pickerNote")
        self.offline_note.hide()
        self.list = QListView(panel)
        self.list.setObjectName("pickerList")
        self.list.setItemDelegate(PickerDelegate(self.list))
        self.list.setFrameShape(QFrame.Shape.NoFrame)
        self.list.setMouseTracking(True)
        self.list.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # typing always goes to the search box
        self.list.setUniformItemSizes(False)
        self.list.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.viewport().installEventFilter(self)
        self.model = QStandardItemModel(self.list)
        self.list.setModel(self.model)
        self.empty_label = QLabel("No model matches.", panel)
        self.empty_label.setObjectName("pickerNote")
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.hide()

        add_model = _link_button("Add model from disk…", panel)
        add_model.clicked.connect(lambda: self._close_then(self.add_model_requested.emit))
        providers = _link_button("Online services and keys…", panel)
        providers.clicked.connect(lambda: self._close_then(self.providers_requested.emit))
        footer = QHBoxLayout()
        footer.setContentsMargins(8, 4, 8, 2)
        footer.addWidget(add_model)
        footer.addStretch(1)
        footer.addWidget(providers)

        layout = QVBoxLayout(panel)
        layout.setContentsMargins(8, 10, 8, 8)
        layout.setSpacing(6)
        layout.addWidget(self.search)
        layout.addWidget(self.offline_note)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.empty_label)
        layout.addWidget(_separator(panel))
        layout.addLayout(footer)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(panel)
        self.panel = panel
        set_popup_background(self, panel)  # rounded only where a compositor draws the corners
        self.setFixedWidth(WIDTH)

    # -- contents ------------------------------------------------------------------------------

    def set_models(
        self,
        groups: list[ModelGroup],
        *,
        favourites: list[str],
        recent: list[str],
        offline: bool,
        current_id: str | None,
    ) -> None:
        self._groups, self._favourites, self._recent = groups, list(favourites), list(recent)
        self._offline, self._current_id = offline, current_id
        self.offline_note.setVisible(offline)
        self._rebuild()

    def _rebuild(self, *, keep_selection: bool = True) -> None:
        """Fill the list again; typing selects the best match, anything else keeps the row."""
        keep = self._entry_at(self.list.currentIndex().row()) if keep_selection else None
        self.entries = build_entries(
            self._groups,
            favourites=self._favourites,
            recent=self._recent,
            offline=self._offline,
            current_id=self._current_id,
            query=self.search.text(),
        )
        self.model.clear()
        for entry in self.entries:
            item = QStandardItem(entry.title)
            item.setData(entry, ENTRY_ROLE)
            item.setToolTip(entry.tooltip)
            item.setEditable(False)
            if not entry.choosable:
                item.setFlags(Qt.ItemFlag.NoItemFlags)
            self.model.appendRow(item)
        self.empty_label.setVisible(not self.entries)
        self.list.setVisible(bool(self.entries))
        self._select(self._row_to_select(keep))
        self._fit_height()

    def _row_to_select(self, keep: PickerEntry | None) -> int | None:
        searching = bool(self.search.text().strip())
        current = [] if searching else [e for e in self.entries if e.current]
        for wanted in (keep, *current):
            if wanted is None:
                continue
            for row, entry in enumerate(self.entries):
                if entry.choosable and _same(entry, wanted):
                    return row
        return next_choosable(self.entries, 0, 1)

    def _fit_height(self) -> None:
        rows = sum(self.list.sizeHintForRow(r) for r in range(min(self.model.rowCount(), 60)))
        self.list.setFixedHeight(max(40, min(MAX_LIST_HEIGHT, rows + 4)))
        self.adjustSize()

    # -- showing -------------------------------------------------------------------------------

    def popup_at(self, point: QPoint) -> None:
        self.list.setCurrentIndex(QModelIndex())  # opens on the current model, not the last row
        self.search.clear()
        self._rebuild()
        screen = QApplication.screenAt(point) or QApplication.primaryScreen()
        if screen is not None:
            room = screen.availableGeometry()
            point.setX(max(room.left(), min(point.x(), room.right() - self.width())))
            point.setY(max(room.top(), min(point.y(), room.bottom() - self.height())))
        self.move(point)
        self.show()
        self.raise_()
        self.activateWindow()
        self.search.setFocus(Qt.FocusReason.PopupFocusReason)
        # Scrolled once the list has its real height, so the top stays in view when it can.
        self.list.scrollToTop()
        QTimer.singleShot(0, self._scroll_to_current)

    def _scroll_to_current(self) -> None:
        current = self.list.currentIndex()
        if current.isValid():
            self.list.scrollTo(current)

    def choose_row(self, row: int) -> None:
        entry = self._entry_at(row)
        if entry is None or not entry.choosable:
            return
        if entry.kind == "add_key":
            self._close_then(lambda: self.add_key_requested.emit(entry.provider_id))
        else:
            self._close_then(lambda: self.model_chosen.emit(entry.model.id))

    def toggle_favourite(self, row: int) -> None:
        entry = self._entry_at(row)
        if entry is None or entry.model is None:
            return
        model_id = entry.model.id
        now = not entry.favourite
        if now:
            self._favourites.append(model_id)
        else:
            self._favourites = [m for m in self._favourites if m != model_id]
        self._rebuild()
        self.favourite_toggled.emit(model_id, now)

    def shown_titles(self) -> list[str]:
        """The names of the choosable rows, as shown (for tests and screen readers' sake)."""
        return [e.title for e in self.entries if e.kind != "section"]

    # -- keyboard and mouse --------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if watched is self.search and event.type() == QEvent.Type.KeyPress:
            return self._on_key(event)
        if (
            watched is self.list.viewport()
            and event.type() == QEvent.Type.MouseButtonRelease
            and event.button() == Qt.MouseButton.LeftButton
        ):
            return self._on_click(event.position().toPoint())
        return super().eventFilter(watched, event)

    def _on_key(self, event) -> bool:
        key = event.key()
        if key in _NAVIGATION:
            self._move(_NAVIGATION[key])
            return True
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.choose_row(self.list.currentIndex().row())
            return True
        if key == Qt.Key.Key_Escape:
            self.close()
            return True
        if key == Qt.Key.Key_D and event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.toggle_favourite(self.list.currentIndex().row())
            return True
        return False

    def _on_click(self, pos: QPoint) -> bool:
        index = self.list.indexAt(pos)
        if not index.isValid():
            return False
        entry = self._entry_at(index.row())
        if entry is None or not entry.choosable:
            return True
        if entry.kind == "model" and star_rect(self.list.visualRect(index)).contains(pos):
            self.toggle_favourite(index.row())
        else:
            self.choose_row(index.row())
        return True

    def _move(self, step: int) -> None:
        current = self.list.currentIndex().row()
        start = current + step if current >= 0 else 0
        start = max(0, min(start, len(self.entries) - 1))
        direction = 1 if step > 0 else -1
        row = next_choosable(self.entries, start, direction)
        if row is None:
            row = next_choosable(self.entries, start, -direction)
        self._select(row)

    def _select(self, row: int | None) -> None:
        if row is None:
            self.list.setCurrentIndex(QModelIndex())
            return
        index = self.model.index(row, 0)
        self.list.setCurrentIndex(index)
        if self.isVisible():
            self.list.scrollTo(index)

    def _entry_at(self, row: int) -> PickerEntry | None:
        return self.entries[row] if 0 <= row < len(self.entries) else None

    def _close_then(self, action) -> None:
        self.close()
        action()


def _same(a: PickerEntry, b: PickerEntry) -> bool:
    if a.model is not None and b.model is not None:
        return a.model.id == b.model.id
    return a.kind == b.kind and a.provider_id == b.provider_id


def _link_button(text: str, parent: QWidget) -> QPushButton:
    button = QPushButton(text, parent)
    button.setObjectName("linkButton")
    button.setCursor(Qt.CursorShape.PointingHandCursor)
    button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    return button


def _separator(parent: QWidget) -> QFrame:
    line = QFrame(parent)
    line.setObjectName("pickerSeparator")
    line.setFixedHeight(1)
    return line
