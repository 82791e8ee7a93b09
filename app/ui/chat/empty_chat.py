"""What a new, empty chat shows: a calm prompt and where the words will go.

The line under the heading spans the whole width and wraps (a label laid out at its own size hint
had a fixed width and cut the sentence short); a long model name is shortened in the middle to
fit one line, so the sentence itself always shows whole."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget

from app.core.chat import ModelInfo
from app.ui.shell.logo import logo_label


class EmptyChat(QWidget):
    add_model_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("emptyChat")
        self.heading = QLabel("What would you like to talk about?", self)
        self.heading.setObjectName("emptyHeading")
        self.detail = QLabel(self)
        self.detail.setObjectName("emptyDetail")
        self.detail.setWordWrap(True)
        self.detail.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self._model: ModelInfo | None = None
        self.add_button = QPushButton("Add a model file from this computer…", self)
        self.add_button.setObjectName("primaryButton")
        self.add_button.clicked.connect(self.add_model_requested)
        layout = QVBoxLayout(self)
        layout.addStretch(2)
        layout.addWidget(logo_label(48, self), 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addSpacing(10)
        layout.addWidget(self.heading, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addSpacing(6)
        layout.addWidget(self.detail)  # the full width: wrapped, never clipped
        layout.addSpacing(12)
        layout.addWidget(self.add_button, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(3)
        self.set_model(None)

    def set_model(self, model: ModelInfo | None) -> None:
        self._model = model
        self._show_detail()
        self.add_button.setVisible(model is None)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._show_detail()  # the name is shortened to the new width

    def _show_detail(self) -> None:
        model = self._model
        if model is None:
            self.detail.setText("To start, add a model file (it ends in .gguf).")
            self.detail.setToolTip("")
            return
        name = self._fitted(model.display_name)
        self.detail.setToolTip(model.display_name if name != model.display_name else "")
        if model.is_local:
            self.detail.setText(
                f"{name} answers on this computer. Nothing you write here leaves it."
            )
        else:
            self.detail.setText(
                f"{name} answers from {model.provider_name or model.provider}: "
                "your messages are sent there."
            )

    def _fitted(self, name: str) -> str:
        """The name on one line at most: “qwen2.5-coder…q4_k_m” rather than a wrapped run."""
        width = max(self.detail.contentsRect().width(), self.width() - 40, 120)
        metrics = self.detail.fontMetrics()
        return metrics.elidedText(name, Qt.TextElideMode.ElideMiddle, min(width * 2 // 3, 360))
