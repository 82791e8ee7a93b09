"""“Loading <model>…” with progress and a Cancel button, shown while a model loads; also a
model's other slow first steps (“Looking at the image…”), until the reply's first words."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

from app.core.chat import ModelInfo


class LoadingBanner(QFrame):
    cancel_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("loadingBanner")
        self.label = QLabel(self)
        self.label.setObjectName("loadingLabel")
        self.progress = QProgressBar(self)
        self.progress.setTextVisible(False)
        self.progress.setFixedHeight(6)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setObjectName("quietButton")
        self.cancel_button.clicked.connect(self.cancel_requested)
        row = QHBoxLayout(self)
        row.setContentsMargins(14, 8, 8, 8)
        row.setSpacing(12)
        row.addWidget(self.label)
        row.addWidget(self.progress, 1)
        row.addWidget(self.cancel_button)
        self.hide()

    def show_progress(self, model: ModelInfo, progress: float | None) -> None:
        if progress is not None and progress >= 1.0:
            self.hide()
            return
        self.label.setText(f"Loading {model.display_name}…")
        if progress is None:
            self.progress.setRange(0, 0)  # unknown length: a moving bar
        else:
            self.progress.setRange(0, 100)
            self.progress.setValue(round(progress * 100))
        self.show()

    def show_busy(self, text: str) -> None:
        """A step of unknown length before the first words (Cancel stops the reply)."""
        self.label.setText(text)
        self.progress.setRange(0, 0)
        self.show()
