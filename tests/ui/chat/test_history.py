"""The chat window's history parts over real services and a real SQLite file: edit and resend,
‹ 1/2 › versions, paging long chats from the database, opening at a message, used memories."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractSlider

from app.core.errors import NoModelChosen
from app.store.memory import add_memory
from app.store.trees import ImportedConversation, ImportedMessage, write_imported
from app.ui.chat.assistant_message import AssistantMessage
from app.ui.chat.chat_pages import MAX_DRAWN_PAGES
from app.ui.chat.chat_view import PAGE_SIZE
from app.ui.chat.message_footer import BRANCH_NEXT, BRANCH_PREVIOUS, EDIT, REMEMBER, USED_MEMORIES
from app.ui.chat.user_message import UserMessage
from app.ui.shell.notice_line import NoticeLine
from tests.ui.support import (
    REPLY_TIMEOUT_MS,
    add_tiny_model,
    choose_in_more,
    click_footer,
    send_by_keyboard,
    shown_replies,
    wait_for,
    wait_until_idle,
)


def shown_users(window) -> list[UserMessage]:
    return [w for w in window.chat_view.messages_shown() if isinstance(w, UserMessage)]


def shown_texts(window) -> list[str]:
    return [
        w.text
        for w in window.chat_view.messages_shown()
        if isinstance(w, (UserMessage, AssistantMessage))
    ]


def footer_words(widget) -> str:
    return widget.footer.text().replace("&nbsp;", " ")


def click_link(widget, action: str) -> None:
    """Click a link in a user message's footer (shown while the pointer is over it)."""
    from app.ui.chat.markdown_render import ACTION_SCHEME

    widget._hovered = True
    widget._render_footer()
    assert f"{ACTION_SCHEME}:{action}" in widget.footer.text(), widget.footer.text()
    widget.footer.linkActivated.emit(f"{ACTION_SCHEME}:{action}")


def import_chat(qtbot, services, count: int, title: str = "Long chat") -> int:
    """A conversation of `count` alternating messages, written in one transaction."""
    messages = [
        ImportedMessage(
            key=str(i),
            parent_key=str(i - 1) if i else None,
            role="user" if i % 2 == 0 else "assistant",
            content=f"Message number {i}" + ("\n\nsome more words" * (i % 3)),
            created=f"2024-01-01T00:{i // 60 % 60:02d}:{i % 60:02d}",
        )
        for i in range(count)
    ]
    chat = ImportedConversation(title, "2024-01-01", "2024-01-01", messages)
    result = wait_for(qtbot, services.db.call(write_imported, [chat]))
    return result.conversation_ids[0]


def offset_of(view, widget) -> int:
    """How far below the top edge of the chat the widget's top is."""
    return (
        widget.mapTo(view.widget(), widget.rect().topLeft()).y() - view.verticalScrollBar().value()
    )


def screen_top(view):
    """The message at the top of the screen, and its offset."""
    widget = next(w for w in view.messages_shown() if offset_of(view, w) + w.height() > 0)
    return widget, offset_of(view, widget)


def open_chat(qtbot, window, conversation_id: int) -> None:
    window.pages.setCurrentWidget(window.splitter)  # no model yet: past the welcome screen
    wait_for(qtbot, window.chats.refresh_conversations())
    wait_for(qtbot, window.chats.open_conversation(conversation_id))
    wait_for(qtbot, window.refresh_message_marks())


# -- edit and resend, versions -------------------------------------------------------------------


def test_edit_and_resend_keeps_the_old_version_and_arrows_switch(qtbot, open_window, short_gguf):
    window, services = open_window()
    add_tiny_model(qtbot, window, short_gguf)
    send_by_keyboard(qtbot, window, "Hello there")
    wait_until_idle(qtbot, window)
    [first_user] = shown_users(window)
    [first_reply] = shown_replies(window)
    first_reply_id = first_reply.message.id

    click_link(first_user, EDIT)
    editor = first_user.editor
    assert editor is not None and editor.text() == "Hello there"
    editor.edit.selectAll()
    qtbot.keyClicks(editor.edit, "Hello again")
    qtbot.keyClick(editor.edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    wait_until_idle(qtbot, window)
    qtbot.waitUntil(lambda: shown_users(window)[0].branch == (2, 2))

    [user] = shown_users(window)
    [reply] = shown_replies(window)
    assert user.text == "Hello again" and reply.message.id != first_reply_id
    stored = wait_for(qtbot, services.conversations.messages(window.conversation_id))
    assert [m.content for m in stored][0] == "Hello again"
    assert "2/2" in user.footer.text()

    click_link(user, BRANCH_PREVIOUS)
    qtbot.waitUntil(lambda: shown_users(window)[0].text == "Hello there")
    qtbot.waitUntil(lambda: shown_users(window)[0].branch == (1, 2))
    assert [r.message.id for r in shown_replies(window)] == [first_reply_id]
    stored = wait_for(qtbot, services.conversations.messages(window.conversation_id))
    assert [m.id for m in stored][-1] == first_reply_id  # the switch is remembered

    click_link(shown_users(window)[0], BRANCH_NEXT)
    qtbot.waitUntil(lambda: shown_users(window)[0].text == "Hello again")


def edit_and_send(qtbot, user: UserMessage, text: str) -> None:
    """Edit a message of yours in its editor and press Ctrl+Enter (Save & send)."""
    click_link(user, EDIT)
    user.editor.edit.selectAll()
    qtbot.keyClicks(user.editor.edit, text)
    qtbot.keyClick(user.editor.edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)


def error_lines(window) -> list[str]:
    return [w.text() for w in window.chat_view.messages_shown() if isinstance(w, NoticeLine)]


def test_an_edit_whose_reply_cannot_start_stays_shown_with_its_arrows(qtbot, open_window):
    window, services = open_window()
    cid = import_chat(qtbot, services, 4)  # and no model on this computer to answer it
    open_chat(qtbot, window, cid)
    before = shown_texts(window)
    edit_and_send(qtbot, shown_users(window)[-1], "Message number 2, said better")

    qtbot.waitUntil(lambda: error_lines(window) == [NoModelChosen().plain()])
    stored = wait_for(qtbot, services.conversations.messages(cid))
    assert [m.content for m in stored][-1] == "Message number 2, said better"
    assert shown_texts(window) == [m.content for m in stored]  # the chat as it is stored
    edited = shown_users(window)[-1]
    qtbot.waitUntil(lambda: edited.branch == (2, 2))
    assert "2/2" in edited.footer.text() and not window.session.busy

    click_link(edited, BRANCH_PREVIOUS)  # the old version, and its reply, are still there
    qtbot.waitUntil(lambda: shown_texts(window) == before)
    qtbot.waitUntil(lambda: shown_users(window)[-1].branch == (1, 2))


def test_an_edit_answered_by_a_removed_model_keeps_the_composer_empty(
    qtbot, open_window, short_gguf
):
    window, services = open_window()
    model = add_tiny_model(qtbot, window, short_gguf)
    send_by_keyboard(qtbot, window, "Hello there")
    wait_until_idle(qtbot, window)
    # The model is removed elsewhere (another window, `hearth models`) while this one shows it.
    wait_for(qtbot, services.models.remove(model.id))
    assert window.current_model is not None

    edit_and_send(qtbot, shown_users(window)[0], "Hello again")
    qtbot.waitUntil(lambda: len(error_lines(window)) == 1)
    assert "is no model called" in error_lines(window)[0]
    assert shown_texts(window) == ["Hello again"]
    qtbot.waitUntil(lambda: shown_users(window)[0].branch == (2, 2))
    assert window.composer.text() == ""  # not refilled with the message sent before


def test_escape_cancels_an_edit_and_nothing_is_stored(qtbot, open_window):
    window, services = open_window()
    cid = import_chat(qtbot, services, 4)
    open_chat(qtbot, window, cid)
    user = shown_users(window)[-1]
    click_link(user, EDIT)
    qtbot.keyClicks(user.editor.edit, " changed")
    qtbot.keyClick(user.editor.edit, Qt.Key.Key_Escape)
    assert not user.editing and user.bubble.isVisible()
    assert len(wait_for(qtbot, services.conversations.messages(cid))) == 4
    assert user.branch is None


def test_regenerate_shows_2_of_2_and_going_back_shows_the_first(qtbot, open_window, short_gguf):
    window, services = open_window()
    add_tiny_model(qtbot, window, short_gguf)
    send_by_keyboard(qtbot, window, "Hi")
    wait_until_idle(qtbot, window)
    [first] = shown_replies(window)
    first_id, first_text = first.message.id, first.text
    first.view.action_requested.emit("regenerate")
    wait_until_idle(qtbot, window)
    qtbot.waitUntil(lambda: shown_replies(window)[0].branch == (2, 2), timeout=REPLY_TIMEOUT_MS)
    [second] = shown_replies(window)
    assert second.message.id != first_id and "2/2" in second.footer.text()

    click_footer(second, BRANCH_PREVIOUS)
    qtbot.waitUntil(lambda: shown_replies(window)[0].message.id == first_id)
    back = shown_replies(window)[0]
    assert back.text == first_text
    qtbot.waitUntil(lambda: back.branch == (1, 2))
    assert len(shown_replies(window)) == 1 and len(shown_users(window)) == 1


# -- long chats ----------------------------------------------------------------------------------


def test_a_long_chat_opens_at_its_end_and_pages_from_the_database(qtbot, open_window):
    window, services = open_window()
    cid = import_chat(qtbot, services, 3 * PAGE_SIZE + 10)
    window.resize(900, 640)
    open_chat(qtbot, window, cid)
    view = window.chat_view
    qtbot.waitUntil(lambda: len(view.messages_shown()) == PAGE_SIZE)
    assert shown_texts(window)[-1].startswith(f"Message number {3 * PAGE_SIZE + 9}")
    assert view.has_earlier and view._earlier_button.isVisible()

    # The message at the top of the screen stays where it is while a page is added above it.
    bar = view.verticalScrollBar()
    qtbot.wait(200)  # the heights of the page drawn in batches have settled
    top_widget, offset = screen_top(view)
    view.show_earlier()  # the button's click: asks the database for the page above
    qtbot.waitUntil(lambda: len(view.messages_shown()) == 2 * PAGE_SIZE)
    qtbot.wait(300)
    assert abs(offset_of(view, top_widget) - offset) <= 2
    assert shown_texts(window)[0].startswith(f"Message number {PAGE_SIZE + 10}")

    # Scrolling to the top reads the next page, then the last (short) one; then no more.
    for expected in (3 * PAGE_SIZE, 3 * PAGE_SIZE + 10):
        bar.triggerAction(QAbstractSlider.SliderAction.SliderToMinimum)  # as the user does
        top_widget, offset = screen_top(view)
        qtbot.waitUntil(lambda n=expected: len(view.messages_shown()) == n)
        qtbot.wait(300)
        assert bar.value() > 0  # the reading position is kept, not left at the top
        assert abs(offset_of(view, top_widget) - offset) <= 2
    assert shown_texts(window)[0] == "Message number 0"
    assert not view.has_earlier and not view._earlier_button.isVisible()


def test_sending_in_a_paged_chat_adds_at_the_end(qtbot, open_window, short_gguf):
    window, services = open_window()
    add_tiny_model(qtbot, window, short_gguf)
    cid = import_chat(qtbot, services, 2 * PAGE_SIZE)
    open_chat(qtbot, window, cid)
    send_by_keyboard(qtbot, window, "One more thing")
    wait_until_idle(qtbot, window)
    texts = shown_texts(window)
    assert texts[-2] == "One more thing" and texts[-1]
    stored = wait_for(qtbot, services.conversations.messages(cid))
    assert len(stored) == 2 * PAGE_SIZE + 2
    assert window.chat_view.has_earlier


# -- opening at a message ------------------------------------------------------------------------


def test_open_at_a_message_on_a_hidden_branch_shows_that_branch(qtbot, open_window):
    window, services = open_window()
    cid = import_chat(qtbot, services, 3 * PAGE_SIZE)
    stored = wait_for(qtbot, services.conversations.messages(cid))
    old = stored[10]  # a user message, far above the first page
    assert old.role == "user"
    edited = wait_for(qtbot, services.history.edit(message_id=old.id, text="A newer version"))
    other = import_chat(qtbot, services, 4, title="Other chat")
    open_chat(qtbot, window, other)
    window.resize(900, 640)

    assert wait_for(qtbot, window.history.open_conversation_at(old.id)) is True
    assert window.conversation_id == cid
    assert window.sidebar._current_id == cid
    widget = window.chat_view.widget_for_message(old.id)
    assert widget is not None
    qtbot.waitUntil(widget.isVisible)
    assert widget.text == old.content
    qtbot.waitUntil(lambda: window.chat_view.widget_for_message(stored[11].id) is not None)
    assert window.chat_view.widget_for_message(stored[-1].id) is None  # a page around it only
    assert window.chat_view.has_later
    assert window.chat_view.widget_for_message(edited.id) is None
    qtbot.waitUntil(lambda: widget.branch == (1, 2))
    qtbot.wait(100)
    view = window.chat_view
    top = (
        widget.mapTo(view.widget(), widget.rect().topLeft()).y() - view.verticalScrollBar().value()
    )
    assert 0 <= top < view.viewport().height() // 2  # on screen, near the top
    assert window.chat_view.reveal_message(999_999) is False


# -- memories ------------------------------------------------------------------------------------


def test_used_memories_line_and_popup(qtbot, open_window, short_gguf):
    window, services = open_window()
    add_tiny_model(qtbot, window, short_gguf)
    wait_for(qtbot, services.db.call(add_memory, "My cat is called Pixel"))
    managed = []
    window.chat_view.manage_memories_requested.connect(lambda: managed.append(True))
    send_by_keyboard(qtbot, window, "What is my cat called?")
    wait_until_idle(qtbot, window)
    [reply] = shown_replies(window)
    assert "Used 1 memory" in footer_words(reply)

    click_footer(reply, USED_MEMORIES)
    popup = window.chat_view.memories_popup
    assert popup is not None and popup.isVisible()
    assert popup.texts() == ["My cat is called Pixel"]
    popup.manage_button.click()
    assert managed == [True] and not popup.isVisible()

    # Reopened later, the line comes from what was stored with the reply.
    cid = window.conversation_id
    window.chats.new_chat()
    open_chat(qtbot, window, cid)
    qtbot.waitUntil(lambda: "Used 1 memory" in footer_words(shown_replies(window)[0]))


def test_remember_this_on_both_kinds_of_message(qtbot, open_window):
    window, services = open_window()
    cid = import_chat(qtbot, services, 2)
    open_chat(qtbot, window, cid)
    asked = []
    window.chat_view.remember_requested.connect(asked.append)
    [user] = shown_users(window)
    [reply] = shown_replies(window)
    click_link(user, REMEMBER)
    choose_in_more(reply, "Remember this")
    assert [m.id for m in asked] == [user.message.id, reply.message.id]
    assert asked[0].content == "Message number 0" and asked[1].role == "assistant"


# -- opening far from the end of a long chat -----------------------------------------------------


def open_far_up(qtbot, window, services, count: int = 1200, back: int = 500):
    """A `count`-message chat opened at the message `back` from its end."""
    cid = import_chat(qtbot, services, count)
    stored = wait_for(qtbot, services.conversations.messages(cid))
    target = stored[-back]
    window.pages.setCurrentWidget(window.splitter)
    window.resize(900, 640)
    wait_for(qtbot, window.chats.refresh_conversations())
    assert wait_for(qtbot, window.history.open_conversation_at(target.id)) is True
    view = window.chat_view
    qtbot.waitUntil(lambda: not view._pending_older and not view._pending_newer)
    return cid, stored, target


def test_opening_far_up_a_long_chat_draws_a_page_around_the_message(qtbot, open_window):
    window, services = open_window()
    cid, stored, target = open_far_up(qtbot, window, services)
    view = window.chat_view
    assert len(view.messages_shown()) <= 2 * PAGE_SIZE
    widget = view.widget_for_message(target.id)
    assert widget is not None
    qtbot.wait(100)
    assert 0 <= offset_of(view, widget) < view.viewport().height() // 2
    index = stored.index(target)
    assert view.widget_for_message(stored[index - 5].id) is not None  # some before
    assert view.widget_for_message(stored[index + 5].id) is not None  # some after
    assert view.widget_for_message(stored[-1].id) is None
    assert view.has_earlier and view.has_later
    assert view._newer_bar.isVisible() and view._earlier_button.isVisible()
    assert not any(
        r._can_regenerate for r in shown_replies(window) if hasattr(r, "_can_regenerate")
    )


def test_show_newer_and_scrolling_down_add_pages_below_keeping_the_place(qtbot, open_window):
    window, services = open_window()
    cid, stored, target = open_far_up(qtbot, window, services)
    view = window.chat_view
    qtbot.waitUntil(lambda: view._anchor is None)  # the hold on the opened message is over
    qtbot.wait(300)  # and the heights have settled
    drawn = len(view.messages_shown())
    last = view.newest_loaded_id
    # The pointer goes to the link first: leaving a message of yours hides its footer's links.
    qtbot.mouseMove(view._newer_bar.newer_button)
    qtbot.wait(100)
    top_widget, offset = screen_top(view)
    qtbot.mouseClick(view._newer_bar.newer_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(view.messages_shown()) == drawn + PAGE_SIZE)
    qtbot.wait(300)
    assert abs(offset_of(view, top_widget) - offset) <= 2
    following = stored[stored.index(next(m for m in stored if m.id == last)) + 1]
    assert view.widget_for_message(following.id) is not None

    # Scrolled to the bottom, the next page is read and added below; the place is kept.
    bar = view.verticalScrollBar()
    bar.triggerAction(QAbstractSlider.SliderAction.SliderToMaximum)  # as the user does
    top_widget, offset = screen_top(view)
    qtbot.waitUntil(lambda: len(view.messages_shown()) == drawn + 2 * PAGE_SIZE)
    qtbot.wait(200)
    assert abs(offset_of(view, top_widget) - offset) <= 2
    assert bar.value() < bar.maximum()  # not carried on to the end of the chat
    assert view.has_later


def test_paging_down_a_long_way_drops_the_oldest_page_from_the_top(qtbot, open_window):
    window, services = open_window()
    cid, stored, target = open_far_up(qtbot, window, services, count=1200, back=700)
    view = window.chat_view
    bar = view.verticalScrollBar()
    first_drawn = stored.index(target) - PAGE_SIZE // 2  # the top of the page opened
    qtbot.waitUntil(lambda: view._anchor is None)
    for _ in range(5):  # the opened page and five below: more than MAX_DRAWN_PAGES
        newest = view.newest_loaded_id
        bar.triggerAction(QAbstractSlider.SliderAction.SliderToMaximum)  # as the user does
        top_widget, offset = screen_top(view)
        qtbot.waitUntil(lambda n=newest: view.newest_loaded_id != n and not view._pending_newer)
        qtbot.wait(300)
        assert abs(offset_of(view, top_widget) - offset) <= 2  # the place is kept
        assert len(view.messages_shown()) <= MAX_DRAWN_PAGES * PAGE_SIZE
    assert view.widget_for_message(stored[first_drawn].id) is None  # dropped from the top
    oldest = stored.index(next(m for m in stored if m.id == view.oldest_loaded_id))
    assert oldest > first_drawn and view.widget_for_message(stored[oldest].id) is not None
    assert view.has_earlier and view._earlier_button.isVisible()
    assert view._earlier_button.isEnabled()

    # Scrolled back up, the pages dropped are read again, the place kept.
    bar.triggerAction(QAbstractSlider.SliderAction.SliderToMinimum)
    top_widget, offset = screen_top(view)
    qtbot.waitUntil(lambda: view.widget_for_message(stored[oldest - 1].id) is not None)
    qtbot.wait(300)
    assert abs(offset_of(view, top_widget) - offset) <= 2
    texts = shown_texts(window)  # in order, with no gap and nothing twice
    start = next(i for i, m in enumerate(stored) if m.content == texts[0])
    assert texts == [m.content for m in stored[start : start + len(texts)]]


def assert_in_stored_order(window, stored) -> None:
    """The messages drawn are a run of the stored ones: in order, no gap, nothing twice."""
    texts = shown_texts(window)
    start = next(i for i, m in enumerate(stored) if m.content == texts[0])
    assert texts == [m.content for m in stored[start : start + len(texts)]]


def scroll_up_pages(qtbot, view, pages: int, *, bounded: bool = True) -> None:
    """Scroll to the top `pages` times, as the user does, each time until the page above is
    drawn; the message read stays where it is and (`bounded`) the widgets alive stay a few
    pages' worth."""
    bar = view.verticalScrollBar()
    for _ in range(pages):
        oldest = view.oldest_loaded_id
        bar.triggerAction(QAbstractSlider.SliderAction.SliderToMinimum)
        top_widget, offset = screen_top(view)
        qtbot.waitUntil(
            lambda n=oldest: view.oldest_loaded_id != n and not view._pending_older, timeout=15000
        )
        qtbot.wait(300)
        assert bar.value() > 0  # the reading position is kept, not left at the top
        assert abs(offset_of(view, top_widget) - offset) <= 2
        assert not bounded or len(view.messages_shown()) <= MAX_DRAWN_PAGES * PAGE_SIZE


def open_long_chat_at_its_end(qtbot, window, services, pages: int = 8):
    cid = import_chat(qtbot, services, pages * PAGE_SIZE)
    stored = wait_for(qtbot, services.conversations.messages(cid))
    window.resize(900, 640)
    open_chat(qtbot, window, cid)
    view = window.chat_view
    qtbot.waitUntil(lambda: len(view.messages_shown()) == PAGE_SIZE)
    qtbot.wait(200)  # the heights of the page drawn in batches have settled
    return cid, stored


def test_scrolling_up_a_long_way_drops_the_newest_page_from_the_bottom(
    qtbot, open_window, short_gguf
):
    window, services = open_window()
    add_tiny_model(qtbot, window, short_gguf)
    cid, stored = open_long_chat_at_its_end(qtbot, window, services)
    view = window.chat_view
    scroll_up_pages(qtbot, view, 5)  # the last page and five above: more than MAX_DRAWN_PAGES
    assert view.widget_for_message(stored[-1].id) is None  # dropped from the bottom
    newest = stored.index(next(m for m in stored if m.id == view.newest_loaded_id))
    assert newest < len(stored) - 1 and view.widget_for_message(stored[newest].id) is not None
    assert view.has_later and view._newer_bar.isVisible() and view._newer_bar.isEnabled()
    assert not any(r._can_regenerate for r in shown_replies(window))
    assert_in_stored_order(window, stored)

    # Scrolled back down, the pages dropped are read again, the place kept, until the end.
    bar = view.verticalScrollBar()
    while view.has_later:
        newest = view.newest_loaded_id
        bar.triggerAction(QAbstractSlider.SliderAction.SliderToMaximum)
        top_widget, offset = screen_top(view)
        qtbot.waitUntil(lambda n=newest: view.newest_loaded_id != n and not view._pending_newer)
        qtbot.wait(300)
        assert abs(offset_of(view, top_widget) - offset) <= 2
        assert len(view.messages_shown()) <= MAX_DRAWN_PAGES * PAGE_SIZE
        assert_in_stored_order(window, stored)
    assert shown_texts(window)[-1] == stored[-1].content and not view._newer_bar.isVisible()

    send_by_keyboard(qtbot, window, "One more thing")
    wait_until_idle(qtbot, window)
    texts = shown_texts(window)
    assert texts[-3:-1] == [stored[-1].content, "One more thing"] and texts[-1]
    assert len(wait_for(qtbot, services.conversations.messages(cid))) == len(stored) + 2


def test_sending_after_the_newest_page_was_dropped_adds_at_the_end(qtbot, open_window, short_gguf):
    window, services = open_window()
    add_tiny_model(qtbot, window, short_gguf)
    cid, stored = open_long_chat_at_its_end(qtbot, window, services, pages=6)
    view = window.chat_view
    scroll_up_pages(qtbot, view, 4)
    assert view.has_later and view.widget_for_message(stored[-1].id) is None
    send_by_keyboard(qtbot, window, "One more thing")
    wait_until_idle(qtbot, window)
    texts = shown_texts(window)
    assert texts[-2] == "One more thing" and texts[-1]
    # The page above the new message is read again: what it followed is just above it.
    qtbot.waitUntil(lambda: view.widget_for_message(stored[-1].id) is not None)
    assert shown_texts(window)[-3] == stored[-1].content and not view.has_later


def test_a_message_being_written_keeps_the_newest_page_drawn(qtbot, open_window):
    window, services = open_window()
    cid, stored = open_long_chat_at_its_end(qtbot, window, services, pages=8)
    view = window.chat_view
    user = shown_users(window)[-1]
    click_link(user, EDIT)
    qtbot.keyClicks(user.editor.edit, " changed")
    # And a reply streaming below it (as the session draws one), after the last one stored.
    streaming = replace(
        stored[-1], id=stored[-1].id + 1_000, parent_id=stored[-1].id, status="streaming"
    )
    reply = view.add_reply(streaming)
    view.stream_into(streaming.id, "Some words so far")
    qtbot.wait(200)
    scroll_up_pages(qtbot, view, 4, bounded=False)
    assert view.widget_for_message(user.message.id) is user and user.editing
    assert user.editor.text().endswith(" changed")
    assert view.reply_widget(streaming.id) is reply and not view.has_later
    assert len(view.messages_shown()) == 5 * PAGE_SIZE + 1

    user.stop_editing()
    scroll_up_pages(qtbot, view, 1, bounded=False)  # the edit is closed, the reply streams on
    assert view.reply_widget(streaming.id) is reply and not view.has_later

    view.finish_reply(replace(streaming, status="done", content="Some words so far."))
    scroll_up_pages(qtbot, view, 1)  # written: now the pages below leave, and more than one
    assert view.reply_widget(streaming.id) is None and view.has_later
    assert view.widget_for_message(user.message.id) is None
    assert_in_stored_order(window, stored)


def test_jump_to_the_latest_shows_the_last_page(qtbot, open_window):
    window, services = open_window()
    changed = []
    window.chat_view.conversation_changed.connect(changed.append)
    cid, stored, target = open_far_up(qtbot, window, services)
    view = window.chat_view
    qtbot.mouseClick(view._newer_bar.latest_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.widget_for_message(stored[-1].id) is not None)
    qtbot.waitUntil(lambda: len(view.messages_shown()) == PAGE_SIZE)
    assert view.widget_for_message(target.id) is None
    assert not view.has_later and not view._newer_bar.isVisible() and view.has_earlier
    bar = view.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.value() == bar.maximum())
    assert changed == [cid]  # the same chat: shown again, not changed


def test_sending_while_the_latest_is_not_drawn_adds_at_the_end(qtbot, open_window, short_gguf):
    window, services = open_window()
    add_tiny_model(qtbot, window, short_gguf)
    cid, stored, target = open_far_up(qtbot, window, services, count=300, back=200)
    view = window.chat_view
    assert view.has_later
    send_by_keyboard(qtbot, window, "One more thing")
    wait_until_idle(qtbot, window)
    texts = shown_texts(window)
    assert texts[-2] == "One more thing" and texts[-1]
    # The page above the new message is read again: what it followed is just above it.
    qtbot.waitUntil(lambda: view.widget_for_message(stored[-1].id) is not None)
    assert shown_texts(window)[-3] == stored[-1].content
    assert view.widget_for_message(target.id) is None and not view.has_later
    assert len(wait_for(qtbot, services.conversations.messages(cid))) == 302


def test_conversation_changed_fires_on_open_and_new_chat(qtbot, open_window):
    window, services = open_window()
    first = import_chat(qtbot, services, 4, title="First")
    second = import_chat(qtbot, services, 4, title="Second")
    changed = []
    window.chat_view.conversation_changed.connect(changed.append)
    open_chat(qtbot, window, first)
    open_chat(qtbot, window, first)  # the same chat again: no change
    open_chat(qtbot, window, second)
    window.chats.new_chat()
    window.chats.new_chat()
    assert changed == [first, second, None]
