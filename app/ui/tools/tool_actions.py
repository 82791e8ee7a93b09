"""Tools in the chat: the “Tools on / off” chip above the composer, and for each reply sent
with it on, a ToolSession whose approval card appears in the reply being written
(app/services/tool_loop.py waits for the user's answer there) and whose outcomes fill those
cards.

A controller MainWindow composes: it is given the services, the row above the composer (the
chip goes there), the chat view and the chat session (the reply being written, and where its
widget is)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QDialog, QPushButton, QVBoxLayout, QWidget

from app.core.tools import ToolOutcome
from app.services.tool_loop import Decision, PendingCall, ToolSession
from app.ui.tools.tool_calls_panel import ToolCallsPanel
from app.ui.tools.tool_card import DENY, ToolCallCard
from app.ui.tools.tool_text import SWITCH_OFF, SWITCH_ON, SWITCH_TIP

if TYPE_CHECKING:
    from app.services import Services

SETTING = "tools_in_chat"  # the composer's switch, kept between runs


class ReplyWidgets(Protocol):
    """The chat view as the controller sees it: the widget of a reply on screen, if any."""

    def reply_widget(self, message_id: int): ...  # an AssistantMessage with tool_calls()


class ReplyOwner(Protocol):
    reply_id: int | None  # the reply being written (ChatSession)

    def draw_pending(self) -> None: ...  # its widgets, if not drawn yet


class ToolsChip(QPushButton):
    """“Tools on” / “Tools off” above the composer, beside the documents chip: a click turns
    it over. On, the enabled tools are offered to the model with each message."""

    def __init__(self, on: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("toolsChip")
        self.setCheckable(True)
        self.setFlat(True)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip(SWITCH_TIP)
        self.setAccessibleName("Let the model use tools")
        self.toggled.connect(self._show)
        self.setChecked(on)
        self._show(on)

    def _show(self, on: bool) -> None:
        self.setText(SWITCH_ON if on else SWITCH_OFF)
        self.setProperty("on", on)
        self.style().unpolish(self)
        self.style().polish(self)


class ToolController(QObject):
    def __init__(
        self,
        window: QWidget,
        services: Services,
        *,
        chat_view: ReplyWidgets,
        session: ReplyOwner,
        chips=None,  # the row above the composer (a QBoxLayout): the switch goes there
    ) -> None:
        super().__init__(window)
        self.window = window
        self.services = services
        self.chat_view = chat_view
        self.session = session
        self.switch = ToolsChip(bool(services.settings.get(SETTING, False)))
        self.switch.toggled.connect(lambda on: services.settings.set(SETTING, on))
        if chips is not None:
            chips.addWidget(self.switch)
        # Shown once a tool server is set up (Settings → Tools): with none, there is nothing
        # to switch on.
        services.tools.on_changed.append(self.show_switch)
        self.show_switch()
        self.dialogs: list[QDialog] = []  # a card shown alone (its chat is not on screen)

    def show_switch(self) -> None:
        self.switch.setVisible(bool(self.services.tools.servers()))

    @property
    def enabled(self) -> bool:
        """On and with a server to offer tools from."""
        return self.switch.isChecked() and not self.switch.isHidden()

    def session_for_reply(self) -> ToolSession | None:
        """For a reply about to be sent: tools offered only while the switch is on."""
        if not self.enabled:
            return None
        session = ToolSession(approve=self.approve)
        session.on_outcome = self.show_outcome
        session.on_running = self.show_running
        return session

    # -- the cards -----------------------------------------------------------------------------

    async def approve(self, pending: PendingCall) -> Decision:
        """The card in the reply, waiting for the user's answer (Stop cancels the wait)."""
        card = ToolCallCard(
            tool=pending.tool,
            server=pending.server,
            arguments=pending.arguments,
            destination=pending.destination,
        )
        answer: asyncio.Future = asyncio.get_running_loop().create_future()
        card.decided.connect(lambda decision: answer.done() or answer.set_result(decision))
        self._place(pending.call.id, card, self._panel())
        try:
            return await answer
        except asyncio.CancelledError:
            card.set_stopped()
            raise

    def show_running(self, pending: PendingCall) -> None:
        """A call starts: “Running…” on its card; one always allowed gets its card now."""
        panel = self._panel()
        if panel is None:
            return  # its chat is not on screen: no question to bring to the user
        self._card_for(
            panel,
            pending.call.id,
            tool=pending.tool,
            server=pending.server,
            arguments=pending.arguments,
            destination=pending.destination,
        ).set_running()

    def show_outcome(self, outcome: ToolOutcome) -> None:
        """A call ended: its result on its card (made now if it had none)."""
        card = self._card_for(
            self._panel(), outcome.call.id, tool=outcome.call.name, arguments=outcome.call.arguments
        )
        card.set_outcome(outcome.status, outcome.content)

    def _card_for(self, panel: ToolCallsPanel | None, call_id: str, **fields) -> ToolCallCard:
        """The call's card in the reply, made and placed if it has none yet."""
        card = panel.card(call_id) if panel is not None else None
        if card is None:
            card = ToolCallCard(**fields)
            self._place(call_id, card, panel)
        return card

    def _panel(self) -> ToolCallsPanel | None:
        self.session.draw_pending()  # drawn a moment after the reply starts: now, if not yet
        reply_id = self.session.reply_id
        widget = self.chat_view.reply_widget(reply_id) if reply_id is not None else None
        return widget.tool_calls() if widget is not None else None

    def _place(self, call_id: str, card: ToolCallCard, panel: ToolCallsPanel | None) -> None:
        if panel is not None:
            panel.add_card(call_id, card)
            scroll = getattr(self.chat_view, "scroll_to_bottom", None)
            if scroll is not None:
                scroll()
            return
        # The user went to another chat while this one works: the question comes to them.
        dialog = QDialog(self.window)
        dialog.setWindowTitle("A tool call is waiting")
        QVBoxLayout(dialog).addWidget(card)
        card.decided.connect(lambda _d: dialog.accept())
        dialog.rejected.connect(lambda: card.decide(DENY))  # closed unanswered: not run
        dialog.finished.connect(lambda _r: self.dialogs.remove(dialog))
        self.dialogs.append(dialog)
        dialog.show()
