"""A small pill saying where the words go: “on this computer”, “sent to <provider>”, or, for an
online model while offline mode is on, “not sent — offline mode” (nothing would leave)."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QWidget

from app.core.chat import ModelInfo
from app.core.where import BLOCKED_BY_OFFLINE_MODE


class WhereBadge(QLabel):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("whereBadge")
        self.setFixedHeight(20)
        self.hide()

    def show_for(self, model: ModelInfo | None, *, offline: bool = False) -> None:
        if model is None:
            self.hide()
            return
        provider = model.provider_name or model.provider
        blocked = offline and not model.is_local
        # Driven by ModelInfo.where, so cloud models read "sent to <provider>" with no change here.
        self.setText(BLOCKED_BY_OFFLINE_MODE if blocked else model.where)
        self.setProperty("local", model.is_local or blocked)
        if model.is_local:
            tip = "Your messages stay on this computer."
        elif blocked:
            tip = f"Offline mode is on: nothing is sent to {provider} until you turn it off."
        else:
            tip = f"Your messages are sent to {provider} for a reply."
        self.setToolTip(tip)
        self.style().unpolish(self)
        self.style().polish(self)
        self.show()
