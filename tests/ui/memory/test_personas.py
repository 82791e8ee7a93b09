"""Personas, a chat's own system prompt and automatic titles, in the window.

The answering model is Ollama on loopback (see tests/ui/memory/support.py): what each request told
the model is checked at the wire.
"""

from __future__ import annotations

from tests.ui.memory.support import (
    HELPER,
    replies_asked,
    reply_and_title,
    says,
    system_text,
    title_asked,
)
from tests.ui.support import click, wait_for

PIRATE = "Answer like a pirate."


def personas_page(qtbot, window):
    page = window.personas.open_personas()
    qtbot.waitUntil(window.settings.dialog.isVisible)
    wait_for(qtbot, page.loaded)
    return page


def create_persona(qtbot, page, name: str, prompt: str, model_id: str | None = None) -> None:
    page.start_new()
    qtbot.keyClicks(page.editor.name_field, name)
    page.editor.prompt_field.setPlainText(prompt)
    if model_id is not None:
        page.editor.model_box.setCurrentIndex(page.editor.model_box.findData(model_id))
    click(qtbot, page.editor.save_button)
    qtbot.waitUntil(lambda: name in page.names())


def test_personas_are_created_edited_and_deleted_in_settings(qtbot, on_ollama):
    window, services = on_ollama
    page = personas_page(qtbot, window)
    assert page.names() == [] and page.empty.isVisible()
    assert page.editor.save_button.text() == "Create persona"

    create_persona(qtbot, page, "Pirate", PIRATE, "ollama:second")
    [pirate] = wait_for(qtbot, services.history.personas())
    assert (pirate.name, pirate.system_prompt, pirate.default_model) == (
        "Pirate",
        PIRATE,
        "ollama:second",
    )
    assert page.editor.persona.id == pirate.id and "Saved" in page.editor.note.text()
    assert [name for _pid, name in window.sidebar._personas] == ["Pirate"]

    page.editor.prompt_field.setPlainText("Answer like a polite pirate.")
    page.editor.model_box.setCurrentIndex(0)  # keep the chat's current model
    click(qtbot, page.editor.save_button)
    qtbot.waitUntil(lambda: wait_for(qtbot, services.history.personas())[0].default_model is None)
    assert wait_for(qtbot, services.history.personas())[0].system_prompt.startswith(
        "Answer like a p"
    )

    # A second persona with the same name is refused in plain words.
    page.start_new()
    qtbot.keyClicks(page.editor.name_field, "pirate")
    click(qtbot, page.editor.save_button)
    qtbot.waitUntil(page.editor.note.isVisible)
    assert "already a persona" in page.editor.note.text()

    page.select(pirate.id)
    click(qtbot, page.editor.delete_button)
    qtbot.waitUntil(lambda: page.names() == [])
    assert wait_for(qtbot, services.history.personas()) == []
    click(qtbot, page.toast.undo_button)
    qtbot.waitUntil(lambda: page.names() == ["Pirate"])
    window.settings.dialog.close()


def test_new_chat_with_a_persona_uses_its_prompt_and_model(qtbot, on_ollama, ollama_server):
    window, services = on_ollama
    pirate = wait_for(
        qtbot,
        services.history.create_persona(
            name="Pirate", system_prompt=PIRATE, default_model="ollama:second"
        ),
    )
    wait_for(qtbot, window.personas.refresh_personas())
    menu = window.sidebar.persona_menu(window)
    [action] = [a for a in menu.actions() if a.text() == "New chat with Pirate"]
    action.trigger()
    qtbot.waitUntil(lambda: window.conversation_id is not None)
    qtbot.waitUntil(lambda: window.personas.prompt_badge.isVisible())
    assert window.current_model.id == "ollama:second"
    assert window.personas.prompt_badge.text() == "Pirate"

    says(ollama_server, "Arr!", "Greetings ahoy")
    reply_and_title(qtbot, window, "Hello")
    [asked] = replies_asked(ollama_server)
    assert system_text(asked) == PIRATE
    assert asked.json()["model"] == "second"
    # The chat began as “New chat”: its first message still names it, then the model does.
    qtbot.waitUntil(lambda: window.sidebar.titles() == ["Greetings ahoy"])
    assert pirate.id


def test_a_persona_chat_left_without_a_message_goes_away(qtbot, on_ollama):
    window, services = on_ollama
    persona = wait_for(qtbot, services.history.create_persona(name="Poet", system_prompt="Rhyme."))
    wait_for(qtbot, window.personas.refresh_personas())
    unused = wait_for(qtbot, window.personas.new_chat_with_persona(persona.id))
    assert window.sidebar.titles() == ["New chat"]
    window.chats.new_chat()  # the user leaves it without writing
    qtbot.waitUntil(lambda: window.sidebar.titles() == [])
    assert wait_for(qtbot, services.conversations.list()) == []
    assert unused is not None


def test_use_persona_on_the_current_chat(qtbot, on_ollama, ollama_server):
    window, services = on_ollama
    persona = wait_for(
        qtbot, services.history.create_persona(name="Tutor", system_prompt="Ask one question.")
    )
    wait_for(qtbot, window.personas.refresh_personas())
    says(ollama_server, "Hi.")
    reply_and_title(qtbot, window, "Hello")
    cid = window.conversation_id
    assert not window.personas.prompt_badge.isVisible()

    menu = window.sidebar.menu_for(cid, False, window)
    [use] = [a for a in menu.actions() if a.text() == "Use persona"]
    [tutor] = [a for a in use.menu().actions() if a.text() == "Tutor"]
    tutor.trigger()
    qtbot.waitUntil(lambda: window.personas.prompt_badge.isVisible())
    assert window.personas.prompt_badge.text() == "Tutor"
    assert window.current_model.id == HELPER  # the persona has no model of its own
    reply_and_title(qtbot, window, "Teach me")
    assert system_text(replies_asked(ollama_server)[-1]) == "Ask one question."
    assert persona.id


def test_system_prompt_dialog_saves_and_goes_back_to_the_default(qtbot, on_ollama, ollama_server):
    window, services = on_ollama
    services.settings.set("system_prompt", "Be brief.")
    says(ollama_server, "Hi.")
    reply_and_title(qtbot, window, "Hello")
    cid = window.conversation_id

    menu = window.sidebar.menu_for(cid, False, window)
    [item] = [a for a in menu.actions() if a.text() == "System prompt…"]
    item.trigger()
    qtbot.waitUntil(lambda: window.personas.system_prompt_dialog is not None)
    dialog = window.personas.system_prompt_dialog
    qtbot.waitUntil(dialog.isVisible)
    assert dialog.field.toPlainText() == ""
    assert "Be brief." in dialog.field.placeholderText()
    assert not dialog.default_button.isEnabled()  # it already uses the default
    qtbot.keyClicks(dialog.field, "Answer in French.")
    click(qtbot, dialog.save_button)
    qtbot.waitUntil(lambda: window.personas.prompt_badge.isVisible())
    assert wait_for(qtbot, services.history.system_prompt(conversation_id=cid)) == (
        "Answer in French."
    )
    assert window.personas.prompt_badge.text() == "Own instructions"
    reply_and_title(qtbot, window, "Hello again")
    assert system_text(replies_asked(ollama_server)[-1]) == "Answer in French."

    click(qtbot, window.personas.prompt_badge)  # the badge opens the same dialog
    qtbot.waitUntil(lambda: window.personas.system_prompt_dialog is not dialog)
    again = window.personas.system_prompt_dialog
    qtbot.waitUntil(again.isVisible)
    assert again.field.toPlainText() == "Answer in French."
    click(qtbot, again.default_button)
    qtbot.waitUntil(lambda: not window.personas.prompt_badge.isVisible())
    assert wait_for(qtbot, services.history.system_prompt(conversation_id=cid)) is None
    reply_and_title(qtbot, window, "And now?")
    assert system_text(replies_asked(ollama_server)[-1]) == "Be brief."


def test_a_new_chat_is_titled_after_its_first_reply(qtbot, on_ollama, ollama_server):
    window, _services = on_ollama
    says(ollama_server, "Start with a hive.", "Starting with bees")
    reply_and_title(qtbot, window, "How do I start keeping bees in a small city garden?")
    qtbot.waitUntil(lambda: window.sidebar.titles() == ["Starting with bees"])
    assert window.header.title.text() == "Starting with bees"
    [asked] = title_asked(ollama_server)
    assert "How do I start keeping bees" in asked.body.decode()

    # Later replies leave the title alone.
    says(ollama_server, "Fine.")
    reply_and_title(qtbot, window, "Thanks")
    assert len(title_asked(ollama_server)) == 1
    assert window.sidebar.titles() == ["Starting with bees"]


def test_a_title_the_user_chose_is_kept(qtbot, on_ollama, ollama_server):
    window, services = on_ollama
    chat = wait_for(qtbot, services.conversations.create("My bees"))
    wait_for(qtbot, window.chats.refresh_conversations())
    wait_for(qtbot, window.chats.open_conversation(chat.id))
    says(ollama_server, "Hello.", "Some model title")
    reply_and_title(qtbot, window, "Hi there")
    assert window.sidebar.titles() == ["My bees"]
    assert title_asked(ollama_server) == []


def test_system_prompt_dialog_can_set_the_default_for_every_chat(qtbot, on_ollama, ollama_server):
    window, services = on_ollama
    says(ollama_server, "Hi.")
    reply_and_title(qtbot, window, "Hello")
    cid = window.conversation_id
    wait_for(qtbot, services.history.set_system_prompt(conversation_id=cid, text="Old own."))
    dialog = wait_for(qtbot, window.personas.edit_system_prompt(cid))
    qtbot.waitUntil(dialog.isVisible)
    dialog.field.setPlainText("Answer in Portuguese.")
    click(qtbot, dialog.every_chat_button)
    qtbot.waitUntil(lambda: services.settings.get("system_prompt") == "Answer in Portuguese.")
    qtbot.waitUntil(lambda: not window.personas.prompt_badge.isVisible())
    assert wait_for(qtbot, services.history.system_prompt(conversation_id=cid)) is None
    reply_and_title(qtbot, window, "Hello again")
    assert system_text(replies_asked(ollama_server)[-1]) == "Answer in Portuguese."
