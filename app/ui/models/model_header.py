"""The bar above the chat: which model answers, where it runs, offline mode, the “…” menu."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QToolButton, QWidget

from app.core.chat import ModelInfo, human_bytes, human_params
from app.ui.models.where_badge import WhereBadge

PICKER_SHORTCUT = QKeySequence("Ctrl+K")


def model_details(model: ModelInfo) -> str:
    """“1.2B · Q4_K_M · 760 MB”: the facts a person can compare models by."""
    parts = [
        human_params(model.parameters),
        model.quantization or "",
        human_bytes(model.size_bytes),
    ]
    return " · ".join(p for p in parts if p)


class ModelHeader(QFrame):
    picker_requested = Signal()
    offline_clicked = Signal()
    chat_menu_requested = Signal(QWidget)  # the "…" button, to anchor the menu under it

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("chatHeader")
        self.current: ModelInfo | None = None
        self.offline = False
        self.picker = QToolButton(self)
        self.picker.setObjectName("modelPicker")
        self.picker.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.picker.setCursor(Qt.CursorShape.PointingHandCursor)
        shortcut = PICKER_SHORTCUT.toString(QKeySequence.SequenceFormat.NativeText)
        self.picker.setToolTip(f"Choose a model ({shortcut})")
        self.picker.clicked.connect(self.picker_requested)
        self.badge = WhereBadge(self)
        self.offline_pill = QPushButton("Offline", self)
        self.offline_pill.setObjectName("offlinePill")
        self.offline_pill.setCursor(Qt.CursorShape.PointingHandCursor)
        self.offline_pill.setToolTip(
            "Offline mode is on: nothing leaves this computer. Click to change it."
        )
        self.offline_pill.clicked.connect(self.offline_clicked)
        self.offline_pill.hide()
        self.title = QLabel(self)
        self.title.setObjectName("chatTitle")
        self.cost = QLabel(self)  # what this chat has cost so far
        self.cost.setObjectName("chatCost")
        self.cost.hide()
        self.more_button = QToolButton(self)
        self.more_button.setObjectName("moreButton")
        self.more_button.setText("…")
        self.more_button.setToolTip("Rename, pin, export or delete this chat")
        self.more_button.clicked.connect(lambda: self.chat_menu_requested.emit(self.more_button))
        row = QHBoxLayout(self)
        row.setContentsMargins(12, 8, 12, 8)
        row.setSpacing(8)
        row.addWidget(self.picker)
        row.addWidget(self.badge)
        row.addWidget(self.offline_pill)
        row.addStretch(1)
        row.addWidget(self.title)
        row.addWidget(self.cost)
        row.addSpacing(4)
        row.addWidget(self.more_button)
        self.set_model(None)

    def set_model(self, current: ModelInfo | None) -> None:
        self.current = current
        self.picker.setText(f"{current.display_name}  ▾" if current else "Choose a model  ▾")
        self.badge.show_for(current, offline=self.offline)

    def set_offline(self, offline: bool) -> None:
        self.offline = offline
        self.offline_pill.setVisible(offline)
        self.badge.show_for(self.current, offline=offline)

    def set_chat_title(self, title: str | None) -> None:
        self.title.setText(title or "")
        self.more_button.setVisible(title is not None)
        if title is None:
            self.set_chat_cost("")

    def set_chat_cost(self, text: str, tip: str = "") -> None:
        """ "$0.0123" after the chat's title: what its replies have cost so far ("" hides it)."""
        self.cost.setText(text)
        self.cost.setToolTip(tip)
        self.cost.setVisible(bool(text))
