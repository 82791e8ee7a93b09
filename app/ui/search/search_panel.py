"""Search every chat (Ctrl/Cmd+Shift+F): a panel over the window; results come as you type.

The panel only shows: it asks for a search with `query_changed` (after a short pause in the
typing) and the window answers with `show_results`. An answer for anything but the latest query
is dropped, so a slow search can never replace the results of a newer one.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QPoint, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.store.history import SearchHit
from app.ui.search.search_delegate import HIT_ROLE, SearchHitDelegate
from app.ui.search.search_text import TYPE_A_WORD, TYPE_TO_SEARCH, has_words, no_messages_contain
from app.ui.shell.popup_frame import set_popup_background

RESULT_LIMIT = 50  # the best ones; more words narrow it down
WIDTH = 640
TOP_OFFSET = 56  # just under the chat's header
MAX_LIST_HEIGHT = 440
TYPING_PAUSE_MS = 150
PAGE_ROWS = 5
HINT = "↑ ↓ to move · Enter to open · Esc to close"
_NAVIGATION = {
    Qt.Key.Key_Down: 1,
    Qt.Key.Key_Up: -1,
    Qt.Key.Key_PageDown: PAGE_ROWS,
    Qt.Key.Key_PageUp: -PAGE_ROWS,
}


class SearchPanel(QWidget):
    query_changed = Signal(str)  # search for this now; answer with show_results
    hit_chosen = Signal(object)  # the SearchHit to open

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Popup | Qt.WindowType.FramelessWindowHint)
        self.setObjectName("searchPanelWindow")
        self._asked = ""  # the query whose answer is awaited (or shown)
        self.hits: list[SearchHit] = []
        self.answered = ""  # the query whose answer is on show
        self._pause = QTimer(self, singleShot=True, interval=TYPING_PAUSE_MS)
        self._pause.timeout.connect(self._ask)
        self._build()

    def _build(self) -> None:
        panel = QFrame(self)
        panel.setObjectName("searchPanel")
        self.field = QLineEdit(panel)
        self.field.setObjectName("searchPanelField")
        self.field.setPlaceholderText("Search all chats")
        self.field.setClearButtonEnabled(True)
        self.field.textChanged.connect(self._on_text_changed)
        self.field.installEventFilter(self)
        self.list = QListWidget(panel)
        self.list.setObjectName("searchResults")
        self.list.setItemDelegate(SearchHitDelegate(self.list))
        self.list.setFrameShape(QFrame.Shape.NoFrame)
        self.list.setMouseTracking(True)
        self.list.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # typing always goes to the field
        self.list.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.clicked.connect(lambda index: self.choose_row(index.row()))
        self.status = QLabel(TYPE_TO_SEARCH, panel)
        self.status.setObjectName("searchStatus")
        self.status.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.status.setWordWrap(True)
        self.hint = QLabel(HINT, panel)
        self.hint.setObjectName("searchHint")
        self.count = QLabel(panel)
        self.count.setObjectName("searchHint")
        footer = QHBoxLayout()
        footer.setContentsMargins(10, 2, 10, 0)
        footer.addWidget(self.hint)
        footer.addStretch(1)
        footer.addWidget(self.count)
        self.separator = separator = QFrame(panel)
        separator.setObjectName("pickerSeparator")
        separator.setFixedHeight(1)
        layout = QVBoxLayout(panel)
        layout.setContentsMargins(8, 10, 8, 8)
        layout.setSpacing(6)
        layout.addWidget(self.field)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.status)
        layout.addWidget(separator)
        layout.addLayout(footer)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(panel)
        self.panel = panel
        set_popup_background(self, panel)  # rounded only where a compositor draws the corners
        self._show_status(TYPE_TO_SEARCH)

    # -- showing -------------------------------------------------------------------------------

    def popup_over(self, window: QWidget) -> None:
        """Centred near the top of the window; the last search stays, selected, to retype."""
        width = max(360, min(WIDTH, window.width() - 48))
        self.setFixedWidth(width)
        self._fit_height()
        top_left = window.mapToGlobal(QPoint((window.width() - width) // 2, TOP_OFFSET))
        self.move(top_left)
        self.show()
        self.raise_()
        self.activateWindow()
        self.field.setFocus(Qt.FocusReason.PopupFocusReason)
        self.field.selectAll()
        if has_words(self.query):  # the chats may have changed since: search again
            self._asked = ""
            self._ask()
        QTimer.singleShot(0, self._fit_height)  # again, once the list has its real width

    @property
    def query(self) -> str:
        return self.field.text().strip()

    def show_results(self, query: str, hits: list[SearchHit]) -> bool:
        """Show the hits found for `query`; False (and nothing changes) when it is outdated."""
        if query != self._asked or query != self.query:
            return False
        self.hits = list(hits)
        self.answered = query
        self.list.clear()
        for hit in self.hits:
            item = QListWidgetItem()
            item.setData(HIT_ROLE, hit)
            item.setToolTip(f"{hit.title}\n{hit.marked('', '')}")
            self.list.addItem(item)
        if self.hits:
            self.list.setCurrentRow(0)
            self.list.scrollToTop()
            self.status.hide()
            for widget in (self.list, self.separator, self.hint, self.count):
                widget.show()
            self.count.setText(_count_text(len(self.hits)))
        else:
            self._show_status(no_messages_contain(query))
        self._fit_height()
        QTimer.singleShot(0, self._fit_height)  # again, once the list has its real width
        return True

    def show_problem(self, query: str, text: str) -> None:
        """Search failed (say, a damaged index): a plain sentence instead of the results."""
        if query == self._asked and query == self.query:
            self._show_status(text)
            self.answered = query
            self._fit_height()

    def _show_status(self, text: str) -> None:
        self.hits = []
        self.list.clear()
        for widget in (self.list, self.separator, self.hint, self.count):
            widget.hide()
        self.status.setText(text)
        self.status.show()

    def _fit_height(self) -> None:
        if self.hits:
            rows = sum(self.list.sizeHintForRow(r) for r in range(min(len(self.hits), 12)))
            self.list.setFixedHeight(max(60, min(MAX_LIST_HEIGHT, rows + 4)))
        self.adjustSize()

    # -- typing --------------------------------------------------------------------------------

    def _on_text_changed(self, _text: str) -> None:
        if not has_words(self.query):
            self._pause.stop()
            self._asked = self.answered = ""  # an answer on its way is for other words
            self._show_status(TYPE_A_WORD if self.query else TYPE_TO_SEARCH)
            self._fit_height()
            return
        self._pause.start()

    def _ask(self) -> None:
        if self.query and self.query != self._asked:
            self._asked = self.query
            self.query_changed.emit(self._asked)

    # -- keyboard and mouse --------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if watched is self.field and event.type() == QEvent.Type.KeyPress:
            return self._on_key(event)
        return super().eventFilter(watched, event)

    def _on_key(self, event) -> bool:
        key = event.key()
        if key in _NAVIGATION:
            self._move(_NAVIGATION[key])
            return True
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if self._pause.isActive():  # typed faster than the pause: search first
                self._pause.stop()
                self._ask()
            else:
                self.choose_row(self.list.currentRow())
            return True
        if key == Qt.Key.Key_Escape:
            self.close()
            return True
        return False

    def _move(self, step: int) -> None:
        if not self.hits:
            return
        row = max(0, min(self.list.currentRow() + step, len(self.hits) - 1))
        self.list.setCurrentRow(row)
        self.list.scrollTo(
            self.list.model().index(row, 0), QAbstractItemView.ScrollHint.EnsureVisible
        )

    def choose_row(self, row: int) -> None:
        if 0 <= row < len(self.hits):
            hit = self.hits[row]
            self.close()
            self.hit_chosen.emit(hit)


def _count_text(count: int) -> str:
    if count >= RESULT_LIMIT:
        return f"The {count} best matches"
    return "1 message" if count == 1 else f"{count} messages"
