"""The widget drawing each message of the chat: made with the view's theme, cost note, ‹ 1/2 ›
and memories, its footer's links routed to the view's signals, and forgotten when removed.

A mixin of ChatView (see chat_view.py), kept apart so each file stays small.
"""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from app.core.records import Message
from app.store.history import Branches
from app.ui.chat.assistant_message import AssistantMessage
from app.ui.chat.chat_drawing import MessageWidget
from app.ui.chat.message_footer import BRANCH_NEXT, BRANCH_PREVIOUS, REMEMBER, USED_MEMORIES
from app.ui.chat.user_message import UserMessage


class MessageWidgets:
    def _widget_for(self, message: Message) -> MessageWidget:
        if message.role == "user":
            widget = UserMessage(message, theme=self._theme)
            widget.edit_submitted.connect(
                lambda text, w=widget: self.edit_submitted.emit(w.message, text)
            )
        else:
            widget = AssistantMessage(message, self._theme, cost_note=self._cost_note)
            widget.regenerate_requested.connect(self.regenerate_requested)
            widget.link_clicked.connect(self.link_clicked)
            self._replies[message.id] = widget
        widget.action_requested.connect(lambda action, w=widget: self._on_action(action, w))
        widget.set_branch(branch_position(self._branches.get(message.id)))
        self._apply_idle(widget)
        if message.id in self._used and isinstance(widget, AssistantMessage):
            widget.set_used_memories(self._used[message.id])
        self._widgets[message.id] = widget
        return widget

    def _on_action(self, action: str, widget: MessageWidget) -> None:
        message = widget.message
        if action == REMEMBER:
            self.remember_requested.emit(message)
        elif action == USED_MEMORIES:
            self.show_used_memories(message.id)
        elif action in (BRANCH_PREVIOUS, BRANCH_NEXT):
            branches = self._branches.get(message.id)
            target = None
            if branches is not None and self._idle:
                target = branches.previous_id if action == BRANCH_PREVIOUS else branches.next_id
            if target is not None:
                self.branch_requested.emit(target)
        else:
            self.reply_action.emit(action, message)

    def _remove(self, widget: QWidget) -> None:
        self._layout.removeWidget(widget)
        if isinstance(widget, MessageWidget):
            self._widgets.pop(widget.message.id, None)
            self._replies.pop(widget.message.id, None)
            self._branches.pop(widget.message.id, None)
        widget.hide()
        widget.deleteLater()

    def _apply_idle(self, widget: MessageWidget) -> None:
        """While a reply is written nothing may edit or switch versions."""
        if isinstance(widget, UserMessage):
            widget.set_can_edit(self._idle)
        else:
            widget.set_can_switch(self._idle)

    def _refresh_regenerate_links(self) -> None:
        """Only the last reply offers Regenerate, and only while nothing is being written."""
        shown = [] if self.has_later else self.messages_shown()
        last = next((w for w in reversed(shown) if isinstance(w, MessageWidget)), None)
        for widget in self._replies.values():
            widget.set_can_regenerate(self._idle and widget is last)


def branch_position(branches: Branches | None) -> tuple[int, int] | None:
    """‹ position/count › of a message with other versions; None without."""
    return (branches.position, branches.count) if branches is not None else None
