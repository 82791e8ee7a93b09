"""The links above and below the messages of a long chat drawn in part: “Show earlier messages”
at the top; “Show newer messages” and “Jump to the latest” at the bottom when the chat's end is not
drawn: opened far from it (a search hit, a version switched to far up), or scrolled far up (the
newest pages left the bottom).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QWidget

# Long conversations are drawn a page at a time, above or below what is shown.
PAGE_SIZE = 40


def link_button(text: str, parent: QWidget) -> QPushButton:
    button = QPushButton(text, parent)
    button.setObjectName("linkButton")
    button.setCursor(Qt.CursorShape.PointingHandCursor)
    # Focus would scroll the chat to the link (the bottom of the page) as the page is added.
    button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    return button


class EarlierButton(QPushButton):
    """“Show 40 earlier messages”, “Show earlier messages”, or “Loading earlier messages…”."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__("Show earlier messages", parent)
        self.setObjectName("linkButton")
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.hide()

    def set_state(self, *, hidden: int, more: bool, loading: bool) -> None:
        """`hidden` messages read but not drawn; `more` still in the database."""
        self.setVisible(bool(hidden or more))
        self.setEnabled(not loading)
        if loading:
            self.setText("Loading earlier messages…")
        elif hidden:
            self.setText(f"Show {min(hidden, PAGE_SIZE)} earlier messages")
        else:
            self.setText("Show earlier messages")


class NewerBar(QWidget):
    """Below the last message drawn while the newest messages of the chat are not."""

    newer_requested = Signal()
    latest_requested = Signal()

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("newerBar")
        self.newer_button = link_button("Show newer messages", self)
        self.newer_button.clicked.connect(self.newer_requested)
        self.latest_button = link_button("Jump to the latest", self)
        self.latest_button.clicked.connect(self.latest_requested)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 8, 0, 0)
        row.setSpacing(20)
        row.addStretch(1)
        row.addWidget(self.newer_button)
        row.addWidget(self.latest_button)
        row.addStretch(1)
        self.hide()

    def set_state(self, *, more: bool, loading: bool) -> None:
        """`more`: newer messages are in the database; `loading`: the next page is being read."""
        self.setVisible(more)
        self.newer_button.setEnabled(not loading)
        self.newer_button.setText("Loading newer messages…" if loading else "Show newer messages")
