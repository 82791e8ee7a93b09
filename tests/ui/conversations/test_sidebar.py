"""The sidebar's list of chats in the window: rename, delete and undo, pin, filter, export.

Real services over a real SQLite file (moved here from tests/ui/shell/test_window.py).
"""

from __future__ import annotations

from PySide6.QtCore import Qt

from tests.ui.support import wait_for


def test_rename_then_delete_and_undo(qtbot, open_window):
    window, services = open_window()
    chat = wait_for(qtbot, services.conversations.create("Groceries"))
    wait_for(qtbot, window.chats.refresh_conversations())
    window.pages.setCurrentWidget(window.splitter)

    window.sidebar.start_rename(chat.id)
    editor = window.sidebar.list.findChild(type(window.sidebar.search_box))
    editor.selectAll()
    qtbot.keyClicks(editor, "Weekly shop")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.sidebar.titles() == ["Weekly shop"])
    assert wait_for(qtbot, services.conversations.get(chat.id)).title == "Weekly shop"

    window.sidebar.delete_requested.emit(chat.id)
    qtbot.waitUntil(lambda: window.sidebar.titles() == [] and window.toast.isVisible())
    assert wait_for(qtbot, services.conversations.list()) == []
    qtbot.mouseClick(window.toast.undo_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.sidebar.titles() == ["Weekly shop"])
    assert window.conversation_id == chat.id


def test_pin_moves_a_chat_to_the_top(qtbot, open_window):
    window, services = open_window()
    older = wait_for(qtbot, services.conversations.create("Older chat"))
    wait_for(qtbot, services.conversations.create("Newer chat"))
    wait_for(qtbot, window.chats.refresh_conversations())
    assert window.sidebar.titles() == ["Newer chat", "Older chat"]
    window.sidebar.pin_requested.emit(older.id, True)
    qtbot.waitUntil(lambda: window.sidebar.titles() == ["Older chat", "Newer chat"])
    assert window.sidebar.is_pinned(older.id)


def test_search_box_filters_the_list(qtbot, open_window):
    window, services = open_window()
    for title in ("Trip to Lisbon", "Tax questions", "Lisbon food"):
        wait_for(qtbot, services.conversations.create(title))
    wait_for(qtbot, window.chats.refresh_conversations())
    window.pages.setCurrentWidget(window.splitter)
    window.sidebar.focus_search()
    qtbot.keyClicks(window.sidebar.search_box, "lisbon")
    qtbot.waitUntil(lambda: sorted(window.sidebar.titles()) == ["Lisbon food", "Trip to Lisbon"])
    window.sidebar.search_box.clear()
    qtbot.waitUntil(lambda: len(window.sidebar.titles()) == 3)


def test_export_writes_markdown(qtbot, open_window, tmp_path):
    window, services = open_window()
    chat = wait_for(qtbot, services.conversations.create("Export me"))
    wait_for(qtbot, window.chats.refresh_conversations())
    window.pages.setCurrentWidget(window.splitter)
    target = tmp_path / "chat.md"
    wait_for(qtbot, window.chats._export(chat.id, target))
    assert target.read_text(encoding="utf-8").startswith("# Export me")
    assert window.toast.isVisible() and "chat.md" in window.toast.label.text()
