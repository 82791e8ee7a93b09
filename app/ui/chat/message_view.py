"""A read-only, self-sizing rich-text view for one message; it never loads anything."""

from __future__ import annotations

import math

from PySide6.QtCore import QByteArray, QSize, Qt, QUrl, Signal
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import QFrame, QSizePolicy, QTextBrowser, QWidget

from app.ui.chat.markdown_render import ACTION_SCHEME


class MessageView(QTextBrowser):
    """Grows to fit its text (the chat scrolls, not the message)."""

    action_requested = Signal(str)  # "copy-code/2", ... from the hearth: scheme
    link_clicked = Signal(QUrl)  # an http(s)/mailto link the user clicked

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # Links never navigate by themselves: internal ones become actions, web ones are confirmed.
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.anchorClicked.connect(self._on_anchor)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setUndoRedoEnabled(False)
        self.viewport().setAutoFillBackground(False)
        self.setAttribute(Qt.WidgetAttribute.WA_TranslucentBackground)
        self.setStyleSheet("background: transparent;")
        self.document().setDocumentMargin(0)
        self.document().setIndentWidth(28)  # Qt's 40 px list indent looks lost in a chat column
        self.document().documentLayout().documentSizeChanged.connect(self._fit_height)
        self.setFixedHeight(24)
        self._last_margin = 0  # see keep_last_margin
        # Reading text a little larger than the controls around it, as chat apps do.
        font = self.font()
        font.setPointSizeF(font.pointSizeF() + 1.5)
        self.setFont(font)

    def loadResource(self, kind: int, url: QUrl) -> QByteArray:  # noqa: N802 (Qt override)
        """Nothing is ever fetched: no remote images, no local files, no data: URLs.

        Empty rather than None: on "nothing", QTextDocument would read file: URLs itself.
        """
        return QByteArray()

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(super().sizeHint().width(), self.height())

    def _fit_height(self, *_args) -> None:
        margins = self.contentsMargins()
        height = math.ceil(self.document().size().height()) + margins.top() + margins.bottom()
        height += self._last_margin
        if height != self.height():
            self.setFixedHeight(max(height, 1))

    def keep_last_margin(self) -> None:
        """A document leaves out its last block's bottom margin: for a view holding the first
        blocks of a reply (the rest in the next view), keep it, so the gap between the two
        is the one the whole reply in one view would have."""
        last = self.document().lastBlock()
        in_table = QTextCursor(last).currentTable() is not None  # a table keeps its own
        margin = 0 if in_table else math.ceil(last.blockFormat().bottomMargin())
        if margin != self._last_margin:
            self._last_margin = margin
            self._fit_height()

    def _on_anchor(self, url: QUrl) -> None:
        if url.scheme() == ACTION_SCHEME:
            self.action_requested.emit(url.path())
        elif url.scheme() in ("http", "https", "mailto"):
            self.link_clicked.emit(url)

    def wheelEvent(self, event) -> None:  # noqa: N802
        # The message never scrolls itself; let the chat around it scroll.
        event.ignore()
