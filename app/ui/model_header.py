"""The bar above the chat: which model answers, where it runs, and the chat's “…” menu."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QMenu, QToolButton, QWidget

from app.core.chat import ModelInfo, human_bytes, human_params
from app.ui.where_badge import WhereBadge

ADD_MODEL_TEXT = "Add model from disk…"


def model_details(model: ModelInfo) -> str:
    """“1.2B · Q4_K_M · 760 MB”: the facts a person can compare models by."""
    parts = [
        human_params(model.parameters),
        model.quantization or "",
        human_bytes(model.size_bytes),
    ]
    return " · ".join(p for p in parts if p)


class ModelHeader(QFrame):
    model_chosen = Signal(str)
    add_model_requested = Signal()
    chat_menu_requested = Signal(QWidget)  # the "…" button, to anchor the menu under it

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("chatHeader")
        self.models: list[ModelInfo] = []
        self.current: ModelInfo | None = None
        self.picker = QToolButton(self)
        self.picker.setObjectName("modelPicker")
        self.picker.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.picker.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.picker.setCursor(Qt.CursorShape.PointingHandCursor)
        self.menu = QMenu(self.picker)
        self.picker.setMenu(self.menu)
        self.badge = WhereBadge(self)
        self.title = QLabel(self)
        self.title.setObjectName("chatTitle")
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
        row.addStretch(1)
        row.addWidget(self.title)
        row.addSpacing(4)
        row.addWidget(self.more_button)
        self.set_models([], None)

    def set_models(self, models: list[ModelInfo], current: ModelInfo | None) -> None:
        self.models, self.current = models, current
        self.menu.clear()
        group = QActionGroup(self.menu)
        for model in models:
            action = QAction(self._menu_label(model), self.menu, checkable=True)
            action.setChecked(current is not None and model.id == current.id)
            action.setToolTip(model.where)
            action.triggered.connect(lambda _checked=False, m=model.id: self.model_chosen.emit(m))
            group.addAction(action)
            self.menu.addAction(action)
        if models:
            self.menu.addSeparator()
        self.menu.addAction(ADD_MODEL_TEXT, self.add_model_requested)
        self.picker.setText(f"{current.display_name}  ▾" if current else "Choose a model  ▾")
        self.badge.show_for(current)

    def set_chat_title(self, title: str | None) -> None:
        self.title.setText(title or "")
        self.more_button.setVisible(title is not None)

    def _menu_label(self, model: ModelInfo) -> str:
        details = model_details(model)
        return f"{model.display_name}    {details}" if details else model.display_name
