"""One download in the list: its name, a progress bar, and what is happening in plain words.

    Qwen2.5 1.5B Instruct                                   [Pause] [Cancel]
    ███████████░░░░░░░░░░░░░░░░
    312 MB of 1.1 GB · 24.0 MB/s · about 35 s left

Cancel asks first (what arrived so far is deleted); a failed download shows why, with Retry;
a finished one offers “Start chatting”.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.core.chat import human_bytes
from app.downloads.queue import DownloadProgress
from app.ui.downloads.download_confirm import ask_to_confirm
from app.ui.downloads.download_text import failure_action, state_words

BAR_TONE = {"paused": "paused", "done": "done", "failed": "error"}


class DownloadRow(QFrame):
    pause_requested = Signal(str)  # job id
    resume_requested = Signal(str)
    cancel_requested = Signal(str)  # only after the person confirmed
    retry_requested = Signal(str)
    remove_requested = Signal(str)  # take a finished or failed download off the list
    start_chat_requested = Signal(str)  # model id

    def __init__(
        self, progress: DownloadProgress, title: str | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("dlRow")
        self.progress = progress
        self.confirm_box: QMessageBox | None = None
        self.title = QLabel(title or progress.name, self)
        self.title.setObjectName("dlRowTitle")
        self.title.setToolTip(f"{progress.repo} · {progress.file}")
        self.bar = QProgressBar(self)
        self.bar.setObjectName("dlBar")
        self.bar.setTextVisible(False)
        self.bar.setFixedHeight(6)
        self.detail = QLabel(self)
        self.detail.setObjectName("dlRowDetail")
        self.detail.setWordWrap(True)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.action_hint = QLabel(self)
        self.action_hint.setObjectName("dlRowDetail")
        self.action_hint.setWordWrap(True)
        self.pause_button = self._button("Pause", "dialogButton", self._pause)
        self.resume_button = self._button("Resume", "dialogPrimary", self._resume)
        self.retry_button = self._button("Retry", "dialogPrimary", self._retry)
        self.cancel_button = self._button("Cancel", "dialogButton", self.ask_to_cancel)
        self.chat_button = self._button("Start chatting", "dialogPrimary", self._start_chat)
        self.remove_button = QToolButton(self)
        self.remove_button.setObjectName("dlDismiss")
        self.remove_button.setText("✕")
        self.remove_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.remove_button.clicked.connect(lambda: self.remove_requested.emit(self.job_id))
        top = QHBoxLayout()
        top.setSpacing(8)
        top.addWidget(self.title, 1)
        for button in (
            self.pause_button,
            self.resume_button,
            self.retry_button,
            self.cancel_button,
            self.chat_button,
            self.remove_button,
        ):
            top.addWidget(button)
        column = QVBoxLayout(self)
        column.setContentsMargins(14, 10, 10, 10)
        column.setSpacing(6)
        column.addLayout(top)
        column.addWidget(self.bar)
        column.addWidget(self.detail)
        column.addWidget(self.action_hint)
        self.update_progress(progress)

    @property
    def job_id(self) -> str:
        return self.progress.job_id

    @property
    def state(self) -> str:
        return self.progress.state

    def update_progress(self, progress: DownloadProgress) -> None:
        self.progress = progress
        state = progress.state
        moving = state in ("queued", "downloading")
        self.pause_button.setVisible(moving)
        self.resume_button.setVisible(state == "paused")
        self.retry_button.setVisible(state == "failed")
        self.cancel_button.setVisible(moving or state == "paused")
        self.chat_button.setVisible(state == "done" and bool(progress.model_id))
        self.remove_button.setVisible(state in ("done", "failed"))
        self.remove_button.setToolTip(
            "Remove from this list (the model stays installed)"
            if state == "done"
            else "Remove from this list"
        )
        self._show_bar(progress)
        self.detail.setText(state_words(progress))
        action = failure_action(progress) if state == "failed" else ""
        self.action_hint.setText(action)
        self.action_hint.setVisible(bool(action))
        tone = {"failed": "error", "done": "done"}.get(state, "")
        if state == "paused" and progress.error is not None:
            tone = "attention"  # e.g. the disk is full: something for the person to do
        _set_property(self.detail, "tone", tone)

    def ask_to_cancel(self) -> QMessageBox:
        """Cancel deletes what arrived so far, so it asks first (without blocking the window)."""
        kept = human_bytes(self.progress.done_bytes) if self.progress.done_bytes else ""
        detail = (
            f"The {kept} downloaded so far will be deleted. To stop for now and continue "
            "later, choose Pause instead."
            if kept
            else "To stop for now and continue later, choose Pause instead."
        )
        self.confirm_box = ask_to_confirm(
            self,
            question=f"Cancel downloading {self.title.text()}?",
            detail=detail,
            confirm="Cancel download",
            keep="Keep downloading",
            on_confirm=lambda: self.cancel_requested.emit(self.job_id),
        )
        return self.confirm_box

    # -- inside --------------------------------------------------------------------------------

    def _show_bar(self, progress: DownloadProgress) -> None:
        if progress.state == "verifying" or (
            progress.state == "downloading" and progress.fraction is None
        ):
            self.bar.setRange(0, 0)  # length unknown, or checking: a moving bar
        else:
            self.bar.setRange(0, 1000)
            fraction = 1.0 if progress.state == "done" else progress.fraction or 0.0
            self.bar.setValue(round(min(1.0, fraction) * 1000))
        _set_property(self.bar, "tone", BAR_TONE.get(progress.state, ""))
        # Nothing of a failed download is kept to show: the words below say what happened.
        self.bar.setVisible(progress.state != "failed")

    def _button(self, text: str, name: str, slot) -> QPushButton:
        button = QPushButton(text, self)
        button.setObjectName(name)
        button.setCursor(Qt.CursorShape.PointingHandCursor)
        button.clicked.connect(slot)
        return button

    def _pause(self) -> None:
        self.pause_requested.emit(self.job_id)

    def _resume(self) -> None:
        self.resume_requested.emit(self.job_id)

    def _retry(self) -> None:
        self.retry_requested.emit(self.job_id)

    def _start_chat(self) -> None:
        if self.progress.model_id:
            self.start_chat_requested.emit(self.progress.model_id)


def _set_property(widget: QWidget, name: str, value: str) -> None:
    if widget.property(name) == value:
        return
    widget.setProperty(name, value)
    widget.style().unpolish(widget)
    widget.style().polish(widget)
