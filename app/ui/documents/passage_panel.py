"""The side panel beside the chat that shows one cited passage: which file and page it came
from, its words with those of the question highlighted, and “Open file” (the system's own
viewer; a PDF opens at the page). Closable; a click on another citation replaces it."""

from __future__ import annotations

import html
import re
from pathlib import Path

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app.core.doc_prompt import source_where
from app.store.memory import query_terms
from app.ui.shell.theme import current_theme

PANEL_WIDTH = 340


def highlighted_html(text: str, question: str, colour: str) -> str:
    """The passage as HTML with each topic word of the question marked (whole words, any case)."""
    words = sorted(query_terms(question), key=len, reverse=True)
    escaped = html.escape(text)
    if words:
        pattern = re.compile(
            r"\b(" + "|".join(re.escape(html.escape(w)) for w in words) + r")\w*", re.IGNORECASE
        )
        escaped = pattern.sub(
            lambda m: f'<span style="background-color: {colour};">{m.group(0)}</span>', escaped
        )
    return escaped.replace("\n", "<br>")


def file_url(source: dict) -> QUrl:
    """The file's URL for the system viewer; a PDF's with #page=N."""
    url = QUrl.fromLocalFile(str(source.get("file") or ""))
    if str(source.get("file", "")).lower().endswith(".pdf") and source.get("page"):
        url.setFragment(f"page={source['page']}")
    return url


class PassagePanel(QFrame):
    open_requested = Signal(QUrl)  # "Open file": the controller opens it (tests watch this)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("passagePanel")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setFixedWidth(PANEL_WIDTH)
        self.source: dict | None = None
        self.title = QLabel("", self)
        self.title.setObjectName("dialogHeading")
        close = QPushButton("✕", self)
        close.setObjectName("linkButton")
        close.setToolTip("Close")
        close.setCursor(Qt.CursorShape.PointingHandCursor)
        close.clicked.connect(self.hide)
        self.close_button = close
        self.where = QLabel("", self)
        self.where.setObjectName("dialogText")
        self.where.setWordWrap(True)
        self.path = QLabel("", self)
        self.path.setObjectName("dialogHint")
        self.path.setWordWrap(True)
        self.text = QTextBrowser(self)
        self.text.setOpenLinks(False)
        self.open_button = QPushButton("Open file", self)
        self.open_button.setObjectName("dialogButton")
        self.open_button.clicked.connect(self._open)
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(close)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 12, 14, 12)
        layout.setSpacing(8)
        layout.addLayout(top)
        layout.addWidget(self.where)
        layout.addWidget(self.path)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.open_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.hide()

    def show_source(self, source: dict, question: str = "") -> None:
        self.source = source
        n = source.get("n")
        self.title.setText(f"Source [{n}]" if n else "Source")
        self.where.setText(source_where(source))
        self.path.setText(str(Path(str(source.get("file") or "")).parent))
        colour = current_theme().cloud_badge_bg  # the quiet amber the find bar marks with
        self.text.setHtml(highlighted_html(str(source.get("text") or ""), question, colour))
        exists = Path(str(source.get("file") or "")).exists()
        self.open_button.setEnabled(exists)
        self.open_button.setToolTip("" if exists else "This file is no longer where it was.")
        self.show()

    def _open(self) -> None:
        if self.source is None:
            return
        url = file_url(self.source)
        self.open_requested.emit(url)
        self.open_url(url)

    def open_url(self, url: QUrl) -> None:
        """The system's own viewer for the file (tests put a list in its place)."""
        QDesktopServices.openUrl(url)
