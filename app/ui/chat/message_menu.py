"""The right-click menu of a message (also the Menu key or Shift+F10 on a focused message): the
same actions as the quiet links under it, reachable without hovering, plus copying a selection."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QCursor, QGuiApplication
from PySide6.QtWidgets import QMenu, QWidget

from app.ui.chat.message_view import MessageView

# (action, label): what the menu offers, in this order, when the message allows it.
Entry = tuple[str, str]


def show_message_menu(
    view: MessageView,
    at: QPoint,
    entries: list[Entry],
    run: Callable[[str], None],
) -> QMenu:
    """A menu at `at` (the view's coordinates): "Copy selected text" when some is selected, then
    the message's own actions; `run(action)` carries one out."""
    menu = QMenu(view)
    menu.setObjectName("messageMenu")
    selected = view.textCursor().selectedText().replace("\u2029", "\n")
    if selected:
        menu.addAction("Copy selected text", lambda: QGuiApplication.clipboard().setText(selected))
        menu.addSeparator()
    for action, label in entries:
        menu.addAction(label, lambda a=action: run(a))
    menu.addSeparator()
    menu.addAction("Select all", view.selectAll)
    menu.popup(view.viewport().mapToGlobal(at))
    return menu


def attach_menu(
    view: MessageView, entries: Callable[[], list[Entry]], run: Callable[[str], None]
) -> None:
    """Replace the text view's stock menu (Copy Link Location, Select All) with the message's."""
    view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
    view.customContextMenuRequested.connect(
        lambda pos: setattr(view, "message_menu", show_message_menu(view, pos, entries(), run))
    )


def show_more_menu(
    anchor: QWidget, entries: list[Entry], figures: str, run: Callable[[str], None]
) -> QMenu:
    """The ⋯ under a reply: its rarer actions, then its figures (greyed, for reading), under the
    pointer."""
    menu = QMenu(anchor)
    menu.setObjectName("moreMenu")
    for action, label in entries:
        menu.addAction(label, lambda a=action: run(a))
    lines = [line for line in figures.splitlines() if line]
    if lines:
        menu.addSeparator()
        for line in lines:
            menu.addAction(line).setEnabled(False)
    menu.popup(QCursor.pos())
    return menu
