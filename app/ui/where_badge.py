"""A small pill saying where the words go: “on this computer” or “sent to <provider>”."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QWidget

from app.core.chat import ModelInfo


class WhereBadge(QLabel):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("whereBadge")
        self.setFixedHeight(20)
        self.hide()

    def show_for(self, model: ModelInfo | None) -> None:
        if model is None:
            self.hide()
            return
        # Driven by ModelInfo.where, so cloud models read "sent to <provider>" with no change here.
        self.setText(model.where)
        self.setProperty("local", model.is_local)
        self.setToolTip(
            "Your messages stay on this computer."
            if model.is_local
            else f"Your messages are sent to {model.provider_name or model.provider} for a reply."
        )
        self.style().unpolish(self)
        self.style().polish(self)
        self.show()
