"""Right-click on a message: the same actions as the links under it, without hovering."""

from __future__ import annotations

from PySide6.QtCore import QPoint
from PySide6.QtGui import QGuiApplication, QTextCursor

from app.core.records import Message
from app.ui.chat.assistant_message import AssistantMessage
from app.ui.chat.user_message import UserMessage
from app.ui.shell.theme import LIGHT


def _message(role: str, content: str, **kw) -> Message:
    return Message(
        id=7,
        conversation_id=1,
        parent_id=None,
        role=role,
        content=content,
        model_id="tiny",
        provider="local",
        status="complete",
        created="2026-11-23T10:00:00+00:00",
        **kw,
    )


def _menu_of(view):
    view.customContextMenuRequested.emit(QPoint(4, 4))
    menu = view.message_menu
    return menu, {a.text(): a for a in menu.actions() if a.text()}


def test_user_message_menu_edits_copies_and_remembers(qtbot):
    widget = UserMessage(_message("user", "Plan a picnic"))
    qtbot.addWidget(widget)
    asked = []
    widget.action_requested.connect(asked.append)
    menu, actions = _menu_of(widget.view)
    assert list(actions) == ["Edit and resend", "Copy message", "Remember this", "Select all"]
    actions["Remember this"].trigger()
    actions["Copy message"].trigger()
    assert asked == ["remember"]
    assert QGuiApplication.clipboard().text() == "Plan a picnic"
    actions["Edit and resend"].trigger()
    assert widget.editing
    menu.close()
    widget.stop_editing()
    widget.set_can_edit(False)  # a reply is being written
    _menu, actions = _menu_of(widget.view)
    assert "Edit and resend" not in actions


def test_reply_menu_copies_a_selection_and_offers_regenerate_only_when_allowed(qtbot):
    widget = AssistantMessage(_message("assistant", "Bread, cheese and grapes."), LIGHT)
    qtbot.addWidget(widget)
    _menu, actions = _menu_of(widget.view)
    assert "Regenerate" not in actions and "Copy reply" in actions
    widget.set_can_regenerate(True)
    cursor = widget.view.textCursor()
    cursor.movePosition(QTextCursor.MoveOperation.Start)
    cursor.movePosition(QTextCursor.MoveOperation.NextWord, QTextCursor.MoveMode.KeepAnchor)
    widget.view.setTextCursor(cursor)
    regenerated = []
    widget.regenerate_requested.connect(lambda: regenerated.append(True))
    _menu, actions = _menu_of(widget.view)
    actions["Copy selected text"].trigger()
    assert QGuiApplication.clipboard().text().strip() == "Bread"
    actions["Regenerate"].trigger()
    assert regenerated == [True]
