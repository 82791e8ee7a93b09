"""Memory in the window: /remember, “Remember this”, the memory manager and its switches, and the
suggestions offered after a chat.

Real services on a temporary data folder. The model that answers is an Ollama server on loopback
(tests/wire_servers.py): it counts as “on this computer”, its replies are scripted, and every
request it gets is recorded, so a test can check what reached the model — and what did not.
"""

from __future__ import annotations

from PySide6.QtCore import Qt

from app import secrets
from app.core.chat import ModelInfo
from app.ui.memory.memory_actions import REMEMBER_HOW, memory_excerpt
from app.ui.memory.memory_suggestions import AskToSuggest, MemorySuggestions
from tests.ui.memory.support import (
    chat_requests,
    replies_asked,
    reply_and_title,
    says,
    suggestions_asked,
    system_text,
)
from tests.ui.support import (
    OPENAI_KEY,
    add_tiny_model,
    click,
    openai_says,
    send_by_keyboard,
    shown_replies,
    wait_for,
    wait_until_idle,
)


def memories(qtbot, services):
    return wait_for(qtbot, services.memory.list())


# -- /remember and “Remember this” -------------------------------------------------------------


def test_remember_command_is_stored_and_never_sent(qtbot, on_ollama, ollama_server):
    window, services = on_ollama
    assert window.conversation_id is None  # a new chat
    send_by_keyboard(qtbot, window, "/remember I keep bees on my roof")
    qtbot.waitUntil(lambda: bool(memories(qtbot, services)))

    [fact] = memories(qtbot, services)
    assert fact.text == "I keep bees on my roof" and fact.source_message_id is None
    assert window.composer.text() == ""
    assert window.toast.isVisible() and "I keep bees on my roof" in window.toast.label.text()
    assert chat_requests(ollama_server) == [], "the command never reaches a model"
    assert window.conversation_id is None and window.sidebar.titles() == []
    assert not window.session.busy


def test_remember_alone_explains_how(qtbot, on_ollama, ollama_server):
    window, services = on_ollama
    send_by_keyboard(qtbot, window, "/remember")
    qtbot.waitUntil(lambda: window.toast.label.text() == REMEMBER_HOW)
    assert memories(qtbot, services) == []
    assert window.composer.text() == "/remember "  # ready for the fact
    assert chat_requests(ollama_server) == []


def test_remember_this_keeps_the_source_and_undo_forgets(qtbot, on_ollama, ollama_server):
    window, services = on_ollama
    says(ollama_server, "Your sister Lea lives in Porto, noted.")
    reply_and_title(qtbot, window, "My sister Lea lives in Porto")
    [reply] = shown_replies(window)

    window.chat_view.remember_requested.emit(reply.message)
    qtbot.waitUntil(lambda: bool(memories(qtbot, services)))
    [fact] = memories(qtbot, services)
    assert fact.text == "Your sister Lea lives in Porto, noted."
    assert fact.source_message_id == reply.message.id
    assert "Remembered" in window.toast.label.text()

    click(qtbot, window.toast.undo_button)
    qtbot.waitUntil(lambda: memories(qtbot, services) == [])


def test_a_long_message_is_remembered_by_its_start():
    text = "word " * 400
    kept = memory_excerpt(text)
    assert len(kept) <= 500 and kept.endswith("…") and "  " not in kept


# -- the memory manager ------------------------------------------------------------------------


def open_manager(qtbot, window):
    manager = window.memory.open_memory_manager()
    qtbot.waitUntil(manager.isVisible)
    wait_for(qtbot, manager.loaded)
    return manager


def test_manager_lists_edits_filters_and_deletes(qtbot, on_ollama):
    window, services = on_ollama
    for text in ("I live in Lyon", "My cat is called Miso", "I am allergic to peanuts"):
        wait_for(qtbot, services.memory.remember(text=text))
    manager = open_manager(qtbot, window)
    assert manager.texts() == [
        "I am allergic to peanuts",
        "My cat is called Miso",
        "I live in Lyon",
    ]
    assert "added by you" in manager.rows[0].origin.text()

    qtbot.keyClicks(manager.search_box, "cat")
    assert manager.texts() == ["My cat is called Miso"]
    assert manager.count.text() == "1 of 3"
    manager.search_box.clear()

    row = manager.row_for(next(m.id for m in memories(qtbot, services) if "Miso" in m.text))
    click(qtbot, row.edit_button)
    assert not row.field.isHidden()
    row.field.selectAll()
    qtbot.keyClicks(row.field, "My cat is called Mochi")
    qtbot.keyClick(row.field, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "My cat is called Mochi" in [m.text for m in memories(qtbot, services)])
    qtbot.waitUntil(lambda: row.field.isHidden())
    assert row.text.text() == "My cat is called Mochi"

    # An empty edit is refused in plain words, and nothing changes.
    click(qtbot, row.edit_button)
    row.field.clear()
    qtbot.keyClick(row.field, Qt.Key.Key_Return)
    qtbot.waitUntil(manager.note.isVisible)
    assert "nothing to remember" in manager.note.text().lower()
    click(qtbot, row.cancel_button)

    lyon = manager.row_for(next(m.id for m in memories(qtbot, services) if "Lyon" in m.text))
    click(qtbot, lyon.delete_button)
    qtbot.waitUntil(lambda: "I live in Lyon" not in manager.texts())
    assert "I live in Lyon" not in [m.text for m in memories(qtbot, services)]
    click(qtbot, manager.toast.undo_button)
    qtbot.waitUntil(lambda: "I live in Lyon" in manager.texts())

    qtbot.keyClicks(manager.add_field, "I cycle to work")
    click(qtbot, manager.add_button)
    qtbot.waitUntil(lambda: "I cycle to work" in manager.texts())
    manager.close()


def test_manager_switches_change_what_models_may_get(qtbot, on_ollama, openai_server):
    secrets.set_key("openai", OPENAI_KEY)
    window, services = on_ollama
    manager = open_manager(qtbot, window)
    switches = manager.switches
    memory = services.memory
    assert not memory.paused and not switches.paused_note.isVisible()

    click(qtbot, switches.pause_switch)
    assert memory.paused and switches.paused_note.isVisible()
    click(qtbot, switches.pause_switch)
    assert not memory.paused

    openai = switches.cloud_switches["openai"]  # a service with a key gets a switch, off
    assert not openai.isChecked()
    assert "anthropic" not in switches.cloud_switches  # no key, never allowed: not listed
    cloud_model = ModelInfo(id="openai:gpt-4o", provider="openai", display_name="gpt-4o")
    assert not memory.allowed_for(cloud_model)
    click(qtbot, openai)
    assert memory.cloud_providers() == ["openai"] and memory.allowed_for(cloud_model)

    assert not memory.suggestions_enabled  # off unless turned on
    click(qtbot, switches.suggest_switch)
    assert memory.suggestions_enabled

    # Settings → Memory shows the same state, and opens the manager.
    page = window.memory.open_memory_settings()
    assert page.switches.cloud_switches["openai"].isChecked()
    assert page.switches.suggest_switch.isChecked()
    manager.close()
    click(qtbot, page.manage_button)
    qtbot.waitUntil(window.memory.memory_manager.isVisible)
    window.memory.memory_manager.close()
    window.settings.dialog.close()


def test_paused_memory_is_left_out_of_the_prompt(qtbot, on_ollama, ollama_server):
    window, services = on_ollama
    wait_for(qtbot, services.memory.remember(text="I keep bees on my roof"))
    says(ollama_server, "Sure.")
    reply_and_title(qtbot, window, "Any tips for my bees?")
    open_manager(qtbot, window).switches.pause_switch.click()
    send_by_keyboard(qtbot, window, "More tips for the bees?")
    wait_until_idle(qtbot, window)
    first, paused = replies_asked(ollama_server)
    assert "I keep bees on my roof" in system_text(first)
    assert "I keep bees" not in paused.body.decode()
    window.memory.memory_manager.close()


# -- suggestions -------------------------------------------------------------------------------


def two_exchanges(qtbot, window) -> int:
    for text in ("I just moved to Lyon", "I also started keeping bees"):
        reply_and_title(qtbot, window, text)
    return window.conversation_id


def test_suggestions_after_a_chat_save_only_the_ticked_ones(qtbot, on_ollama, ollama_server):
    window, services = on_ollama
    services.memory.set_suggestions_enabled(True)
    says(
        ollama_server,
        "Welcome to Lyon!",
        "Moving to Lyon",  # the new chat's title, after its first reply
        "Bees are lovely.",
        "- The user lives in Lyon\n- The user keeps bees\n- The user likes quiche",
    )
    cid = two_exchanges(qtbot, window)
    window.chats.new_chat()  # leaving the chat is when suggestions are made
    qtbot.waitUntil(lambda: window.memory.memory_suggestions is not None, timeout=10_000)
    dialog = window.memory.memory_suggestions
    assert isinstance(dialog, MemorySuggestions) and dialog.isVisible()
    assert [b.text() for b in dialog.boxes] == [
        "The user lives in Lyon",
        "The user keeps bees",
        "The user likes quiche",
    ]
    assert all(b.isChecked() for b in dialog.boxes)
    [asked] = suggestions_asked(ollama_server)
    assert "I also started keeping bees" in asked.body.decode()
    assert memories(qtbot, services) == [], "nothing is stored before the user chooses"

    dialog.boxes[2].setChecked(False)
    click(qtbot, dialog.save_button)
    qtbot.waitUntil(lambda: len(memories(qtbot, services)) == 2)
    assert {m.text for m in memories(qtbot, services)} == {
        "The user lives in Lyon",
        "The user keeps bees",
    }

    # Once per chat: leaving it again asks nothing more.
    wait_for(qtbot, window.chats.open_conversation(cid))
    wait_for(qtbot, window.memory.suggest_for(cid))
    window.chats.new_chat()
    qtbot.wait(200)
    assert len(suggestions_asked(ollama_server)) == 1


def test_not_now_saves_nothing(qtbot, on_ollama, ollama_server):
    window, services = on_ollama
    services.memory.set_suggestions_enabled(True)
    says(ollama_server, "Hi.", "Greetings", "Hello.", "- The user lives in Lyon")
    cid = two_exchanges(qtbot, window)
    dialog = wait_for(qtbot, window.memory.run_suggestions(cid, window.current_model, "Lyon"))
    click(qtbot, dialog.later_button)
    qtbot.wait(100)
    assert memories(qtbot, services) == []


def test_no_suggestions_when_off_or_after_one_question(qtbot, on_ollama, ollama_server):
    window, services = on_ollama
    says(ollama_server, "Hi.")
    reply_and_title(qtbot, window, "Hello")
    services.memory.set_suggestions_enabled(True)
    cid = window.conversation_id
    wait_for(qtbot, window.memory.suggest_for(cid))  # one exchange is not a conversation
    assert suggestions_asked(ollama_server) == []
    services.memory.set_suggestions_enabled(False)
    send_by_keyboard(qtbot, window, "Hello again")
    wait_until_idle(qtbot, window)
    wait_for(qtbot, window.memory.suggest_for(cid))
    assert suggestions_asked(ollama_server) == [] and window.memory.memory_suggestions is None


def test_an_online_model_is_asked_only_after_a_yes(
    qtbot, open_window, short_gguf, openai_server, online_again
):
    secrets.set_key("openai", OPENAI_KEY)
    window, services = open_window()
    add_tiny_model(qtbot, window, short_gguf)
    window.choose_model("openai:gpt-4o-mini")
    services.memory.set_suggestions_enabled(True)
    for reply in ("Welcome.", "Nice.", "Welcome.", "Nice.", "- The user keeps bees"):
        openai_says(openai_server, reply)

    first = two_exchanges(qtbot, window)
    window.chats.new_chat()
    qtbot.waitUntil(lambda: window.memory.suggestion_question is not None)
    question = window.memory.suggestion_question
    assert isinstance(question, AskToSuggest)
    assert question.heading.text() == "Send this chat to OpenAI to suggest memories?"
    click(qtbot, question.no_button)
    qtbot.wait(100)
    assert len(chat_requests(openai_server)) == 2, "No sends nothing"

    second = two_exchanges(qtbot, window)
    assert second != first
    window.chats.new_chat()
    qtbot.waitUntil(lambda: window.memory.suggestion_question is not question)
    click(qtbot, window.memory.suggestion_question.yes_button)
    qtbot.waitUntil(lambda: window.memory.memory_suggestions is not None)
    assert [b.text() for b in window.memory.memory_suggestions.boxes] == ["The user keeps bees"]
    assert len(chat_requests(openai_server)) == 5
    window.memory.memory_suggestions.close()
