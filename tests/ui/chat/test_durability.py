"""The window when the disk has no room for a reply: the reply stays on screen, a plain notice
says it is not saved yet, and Retry saving stores it once there is room again.

SQLite reports a real SQLITE_FULL here: the test caps the database's size with
`PRAGMA max_page_count` (what a full disk looks like to SQLite), then lifts the cap.
"""

from __future__ import annotations

from app import secrets
from app.store import Store
from app.ui.chat.unsaved_notice import SAVED, UnsavedReplyNotice
from tests.ui.support import (
    OPENAI_KEY,
    add_tiny_model,
    openai_says,
    pick_model,
    send_by_keyboard,
    wait_for,
    wait_until_idle,
)

LONG = ["Room for this, please. " * 40] * 60  # about 55 KB: many new database pages


def _cap_database(store: Store, *, extra_pages: int | None) -> None:
    pages = store.db.execute("PRAGMA page_count").fetchone()[0]
    cap = 2_147_483_646 if extra_pages is None else pages + extra_pages
    store.db.execute(f"PRAGMA max_page_count = {cap}")


def test_full_disk_keeps_the_reply_says_so_and_retry_saving_stores_it(
    qtbot, open_window, openai_server, short_gguf
):
    secrets.set_key("openai", OPENAI_KEY)
    window, services = open_window()
    add_tiny_model(qtbot, window, short_gguf)  # past the welcome screen
    openai_says(openai_server, *LONG)
    services.db.call_sync(_cap_database, extra_pages=4)  # the user's message fits, the reply not

    pick_model(qtbot, window, "4o-mini")
    send_by_keyboard(qtbot, window, "Write at length")
    wait_until_idle(qtbot, window)

    notice = window.session.unsaved_notice
    assert isinstance(notice, UnsavedReplyNotice) and notice.isVisible()
    assert notice.label.text() == "Your disk is full: this reply is not saved yet."
    assert notice.retry_button.text() == "Retry saving"
    reply_id = notice._message.id
    assert window.chat_view.reply_widget(reply_id) is not None, "the reply stays on screen"
    stored = services.db.call_sync(Store.message, reply_id)
    assert stored.status != "streaming"
    assert len(stored.content) < len("".join(LONG))
    window.resize(900, 640)
    window.grab().save("/work/brief/shots/durability-disk-full.png")

    notice.retry_button.click()  # still no room: it says so and can be tried again
    qtbot.waitUntil(lambda: notice.retry_button.isEnabled(), timeout=5_000)
    assert "not saved yet" in notice.label.text()

    services.db.call_sync(_cap_database, extra_pages=None)  # room again
    notice.retry_button.click()
    qtbot.waitUntil(lambda: notice.label.text() == SAVED, timeout=5_000)
    assert not notice.retry_button.isVisible()
    saved = wait_for(qtbot, services.conversations.messages(window.conversation_id or 1))
    assert saved[-1].content == "".join(LONG)
    assert saved[-1].status == "complete"


def test_a_damaged_settings_file_is_said_in_the_window(qtbot, open_window, data_dir):
    from app.ui.shell.app import show_startup_notices

    (data_dir / "settings.json").write_text('{"temperature": ')
    window, services = open_window()
    show_startup_notices(window, services)
    from PySide6.QtWidgets import QMessageBox

    box = next(d for d in window._dialogs if isinstance(d, QMessageBox))
    assert box.isVisible() and box.text() == "Your settings were reset"
    assert "settings file could not be read" in box.informativeText()
    assert "settings.json.damaged-" in box.informativeText()
    box.close()


def test_a_stream_that_never_ends_is_stopped_and_said_in_the_window(
    qtbot, open_window, openai_server, short_gguf, monkeypatch
):
    import asyncio

    from app.providers.http_stream import DEADLINE_ENV
    from tests.ui.support import shown_replies
    from tests.wire_servers import encode_sse, openai_events, sse_reply

    async def keep_alive_forever():
        yield encode_sse(openai_events(["Once upon a time"], done=False)[:2])
        while True:
            yield b": keep-alive\n\n"
            await asyncio.sleep(0.05)

    monkeypatch.setenv(DEADLINE_ENV, "1")
    secrets.set_key("openai", OPENAI_KEY)
    window, _services = open_window()
    add_tiny_model(qtbot, window, short_gguf)
    openai_server.script("POST", "/v1/chat/completions", sse_reply(keep_alive_forever))
    window.choose_model("openai:gpt-4o-mini")
    send_by_keyboard(qtbot, window, "Tell me a story")
    wait_until_idle(qtbot, window)

    [reply] = shown_replies(window)
    assert reply.message.status == "error"
    assert reply.view.toPlainText().strip() == "Once upon a time"
    assert "OpenAI sent nothing for 1 second, so Hearth stopped waiting." in reply.footer.text()
    assert "What arrived so far is kept" in reply.footer.text()


def test_a_key_with_control_characters_is_refused_in_settings(qtbot, open_window, keychain):
    from tests.ui.support import click, openai_panel

    window, _services = open_window()
    dialog, panel = openai_panel(qtbot, window)
    panel.key_edit.setText("sk-abc\x01def0123456789")  # a bad paste, as from a terminal
    click(qtbot, panel.save_button)
    assert "This key contains characters a key cannot have." in panel.result.text()
    assert ("Hearth", "openai") not in keychain.entries
    dialog.close()
