"""Settings → Chats: export every chat with its branches, import a ChatGPT export, refuse a
damaged file in plain words."""

from __future__ import annotations

import json
from pathlib import Path

from app.store import Store
from tests.ui.support import wait_for

CHATGPT_EXPORT = Path(__file__).resolve().parents[2] / "fixtures" / "chatgpt_conversations.json"


def _chats_page(window):
    return window.open_settings("chats").chats


def test_export_all_keeps_every_branch(qtbot, open_window, tmp_path):
    window, services = open_window()
    db = services.db
    chat = db.call_sync(Store.create_conversation, "Branchy")
    question = db.call_sync(Store.add_message, chat.id, role="user", content="First version")
    db.call_sync(Store.add_message, chat.id, role="assistant", content="An answer")
    wait_for(qtbot, services.history.edit(message_id=question.id, text="Second version"))
    page = _chats_page(window)
    target = tmp_path / "all.json"
    assert wait_for(qtbot, page.export_to(target))
    exported = json.loads(target.read_text(encoding="utf-8"))
    (conversation,) = exported["conversations"]
    texts = {m["content"] for m in conversation["messages"]}
    assert {"First version", "Second version", "An answer"} <= texts
    assert "Saved to" in page.export_note.text()
    assert not list(tmp_path.glob(".all.json.*")), "no temporary file is left behind"


def test_export_all_as_markdown(qtbot, open_window, tmp_path):
    window, services = open_window()
    wait_for(qtbot, services.conversations.create("Notes"))
    target = tmp_path / "all.md"
    assert wait_for(qtbot, _chats_page(window).export_to(target))
    assert "# Notes" in target.read_text(encoding="utf-8")


def test_export_to_a_folder_that_is_gone_says_so(qtbot, open_window, tmp_path):
    window, _services = open_window()
    page = _chats_page(window)
    assert not wait_for(qtbot, page.export_to(tmp_path / "missing" / "all.json"))
    assert "Could not save all.json" in page.export_note.text()
    assert page.export_button.isEnabled()


def test_importing_a_chatgpt_export_fills_the_sidebar(qtbot, open_window, tmp_path):
    window, _services = open_window()
    assert window.showing_welcome
    page = _chats_page(window)
    summary = wait_for(qtbot, page.import_from(CHATGPT_EXPORT))
    assert summary.conversations == 4
    assert "Imported 4 conversations" in page.import_note.text()
    qtbot.waitUntil(lambda: "Sourdough starter smells odd" in window.sidebar.titles())
    assert not window.showing_welcome
    # The same file again: nothing twice.
    again = wait_for(qtbot, page.import_from(CHATGPT_EXPORT))
    assert again.conversations == 0 and again.skipped >= 4


def test_a_damaged_file_imports_nothing_and_says_why(qtbot, open_window, tmp_path):
    window, services = open_window()
    broken = tmp_path / "conversations.json"
    broken.write_text(CHATGPT_EXPORT.read_text(encoding="utf-8")[:500], encoding="utf-8")
    page = _chats_page(window)
    assert wait_for(qtbot, page.import_from(broken)) is None
    assert "not valid JSON" in page.import_note.text()
    assert "Nothing was imported" in page.import_note.text()
    assert wait_for(qtbot, services.conversations.list()) == []


def test_the_welcome_screen_offers_to_import_chatgpt_chats(qtbot, open_window, monkeypatch):
    from app.ui.settings.chats_page import ChatsPage

    chosen = []
    monkeypatch.setattr(ChatsPage, "choose_import_file", lambda page: chosen.append(page))
    window, _services = open_window()
    assert window.showing_welcome and window.welcome.import_link.isVisible()
    window.welcome.import_link.click()
    assert chosen and chosen[0] is window.settings.dialog.chats
    assert window.settings.dialog.tabs.currentWidget() is window.settings.dialog.chats
