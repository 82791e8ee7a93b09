"""The tool calls of one reply, under its words: live cards while the reply is written (each
waiting for the user's answer, then running, then done), or the calls stored with the reply
(messages.tool_calls) when a chat is opened again."""

from __future__ import annotations

import json
import logging

from PySide6.QtWidgets import QVBoxLayout, QWidget

from app.ui.shell.theme import Theme
from app.ui.tools.tool_card import ToolCallCard

log = logging.getLogger(__name__)


def stored_calls(record: str | None) -> list[dict]:
    """messages.tool_calls as a list of call dicts; [] when absent or unreadable."""
    if not record:
        return []
    try:
        calls = json.loads(record)
    except ValueError:
        log.warning("A reply's stored tool calls are not JSON; not shown")
        return []
    return [c for c in calls if isinstance(c, dict)] if isinstance(calls, list) else []


class ToolCallsPanel(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("toolCalls")
        self.cards: dict[str, ToolCallCard] = {}  # by the call's id
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 6, 0, 6)
        self._layout.setSpacing(8)

    def add_card(self, call_id: str, card: ToolCallCard) -> ToolCallCard:
        card.setParent(self)
        self._layout.addWidget(card)
        self.cards[call_id] = card
        self.show()
        return card

    def card(self, call_id: str) -> ToolCallCard | None:
        return self.cards.get(call_id)

    def show_records(self, record: str | None) -> None:
        """The calls as stored with the reply; those already shown (live) stay as they are."""
        for call in stored_calls(record):
            call_id = str(call.get("id") or len(self.cards))
            card = self.cards.get(call_id)
            if card is None:
                card = self.add_card(
                    call_id,
                    ToolCallCard(
                        tool=str(call.get("name", "tool")), arguments=call.get("arguments", "{}")
                    ),
                )
            if card.status in ("waiting", "running"):
                card.set_outcome(str(call.get("status", "ok")), str(call.get("result", "")))

    def finish(self, record: str | None) -> None:
        """The reply ended: stored outcomes are shown, and a call still waiting or running
        (Stop was pressed) says it was stopped."""
        self.show_records(record)
        for card in self.cards.values():
            card.set_stopped()

    def set_theme(self, theme: Theme) -> None:
        for card in self.cards.values():
            card.set_theme(theme)
