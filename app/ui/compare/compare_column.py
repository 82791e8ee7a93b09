"""One answer in the compare view: its model and where it ran, the text, speed and tokens."""

from __future__ import annotations

import time

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app.core.chat import ModelInfo
from app.core.errors import HearthError
from app.core.records import Message
from app.ui.chat import CostNoteFor, MessageView, document_style_sheet, render_markdown
from app.ui.costs import CostNote, tokens_text
from app.ui.models import WhereBadge
from app.ui.shell.buttons import dialog_button
from app.ui.shell.theme import Theme


def stats_text(message: Message, cost: CostNote | None = None) -> str:
    """“First word after 0.42 s · 38.1 tokens/s” and, below, “31 tokens in · 120 out · $0.0012”
    (the cost meter's line when there is one)."""
    speed = []
    if message.ttft_ms is not None:
        speed.append(f"First word after {message.ttft_ms / 1000:.2f} s")
    if message.tokens_per_second:
        speed.append(f"{message.tokens_per_second:.1f} tokens/s")
    tokens = []
    if cost is not None:
        tokens.append(cost.line)
    elif message.input_tokens is not None or message.output_tokens is not None:
        tokens.append(tokens_text(message.input_tokens, message.output_tokens))
    return "\n".join(" · ".join(line) for line in (speed, tokens) if line)


class CompareColumn(QFrame):
    keep_requested = Signal(int)  # message id

    def __init__(
        self,
        model: ModelInfo,
        theme: Theme,
        parent: QWidget | None = None,
        *,
        cost_note: CostNoteFor | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("compareColumn")
        self.model = model
        self._cost_note = cost_note
        self.message: Message | None = None
        self.error: HearthError | None = None
        self._theme = theme
        self._text = ""
        self._dirty = False
        self._started_at: float | None = None
        self._first_word_s: float | None = None
        self._first_word_at = 0.0
        self._deltas = 0

        name = QLabel(model.display_name, self)
        name.setObjectName("compareModel")
        name.setToolTip(model.id)
        self.badge = WhereBadge(self)
        self.badge.show_for(model)
        self.status = QLabel("Waiting…", self)
        self.status.setObjectName("compareStatus")
        self.status.setWordWrap(True)
        self.view = MessageView()
        self.view.document().setDefaultStyleSheet(document_style_sheet(theme))
        body = QWidget()
        body.setObjectName("compareBody")
        body_layout = QVBoxLayout(body)
        body_layout.setContentsMargins(16, 4, 16, 8)
        body_layout.addWidget(self.view)
        body_layout.addStretch(1)
        self.scroll = QScrollArea(self)
        self.scroll.setObjectName("compareScroll")
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll.setWidget(body)
        self.stats = QLabel(self)
        self.stats.setObjectName("compareStats")
        self.stats.setWordWrap(True)
        self.error_label = QLabel(self)
        self.error_label.setObjectName("compareError")
        self.error_label.setWordWrap(True)
        self.error_label.setTextFormat(Qt.TextFormat.PlainText)
        self.error_label.hide()
        self.keep_button = dialog_button("Keep this answer", self, primary=True)
        self.keep_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.keep_button.setEnabled(False)
        self.keep_button.clicked.connect(self._keep)

        head = QHBoxLayout()
        head.setContentsMargins(16, 12, 16, 0)
        head.setSpacing(8)
        head.addWidget(name, 1)
        head.addWidget(self.badge)
        foot = QVBoxLayout()
        foot.setContentsMargins(16, 4, 16, 14)
        foot.setSpacing(6)
        foot.addWidget(self.error_label)
        foot.addWidget(self.stats)
        foot.addWidget(self.keep_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addLayout(head)
        layout.addWidget(self.status)
        layout.addWidget(self.scroll, 1)
        layout.addLayout(foot)

    # -- streaming -----------------------------------------------------------------------------

    @property
    def text(self) -> str:
        return self._text

    @property
    def is_dirty(self) -> bool:
        return self._dirty

    @property
    def finished(self) -> bool:
        return self.message is not None and self.message.status != "streaming"

    def started(self, reply: Message) -> None:
        self.message = reply
        self._started_at = time.perf_counter()
        self.set_status("Waiting for the first word…")

    def model_ready(self) -> None:
        """The model finished loading: the time to the first word counts from now."""
        self._started_at = time.perf_counter()
        self.set_status("Waiting for the first word…")

    def add_text(self, text: str) -> None:
        if self._first_word_s is None and self._started_at is not None:
            self._first_word_at = time.perf_counter()
            self._first_word_s = self._first_word_at - self._started_at
            self.set_status("")  # the words speak for themselves now
        self._text += text
        self._deltas += 1
        self._dirty = True

    def set_status(self, text: str) -> None:
        self.status.setText(text)
        self.status.setVisible(bool(text))

    def render(self) -> None:
        self._dirty = False
        self.view.setHtml(render_markdown(self._text, self._theme).html if self._text else "")
        if not self.finished and self._first_word_s is not None:
            self.stats.setText(self._live_stats())

    def _live_stats(self) -> str:
        """While writing: each streamed piece counts as about one token."""
        speed = [f"First word after {self._first_word_s:.2f} s"]
        elapsed = time.perf_counter() - self._first_word_at
        if self._deltas > 1 and elapsed > 0.2:
            speed.append(f"about {(self._deltas - 1) / elapsed:.0f} tokens/s")
        return " · ".join(speed) + f"\nabout {self._deltas} tokens so far"

    def finish(self, message: Message, error: HearthError | None) -> None:
        self.message = message
        self.error = error
        self._text = message.content
        self.render()
        self.set_status("" if message.status == "complete" else message.status.capitalize())
        note = self._cost_note(message) if self._cost_note is not None else None
        self.stats.setText(stats_text(message, note))
        self.stats.setToolTip(note.tip if note else "")
        if message.status == "error":
            self.error_label.setText(message.error or "This model could not answer.")
            self.error_label.show()
        self.keep_button.setEnabled(bool(message.content))

    def set_theme(self, theme: Theme) -> None:
        self._theme = theme
        self.view.document().setDefaultStyleSheet(document_style_sheet(theme))
        self.render()

    def _keep(self) -> None:
        if self.message is not None:
            self.keep_requested.emit(self.message.id)
