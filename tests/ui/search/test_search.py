"""Search every chat (Ctrl/Cmd+Shift+F) and find in this chat (Ctrl/Cmd+F), on the real window
over a real SQLite store."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from PySide6.QtCore import QPoint, Qt

from app.store import Store
from app.store.history import MATCH_END, MATCH_START, SearchHit
from app.ui.chat.message_view import MessageView
from app.ui.search.search_text import (
    NOTHING_TO_FIND,
    TYPE_A_WORD,
    TYPE_TO_SEARCH,
    highlight_pattern,
    snippet_html,
    when_text,
)
from tests.ui.support import activate, wait_for

CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier


def add_chat(qtbot, services, title: str, *texts: str) -> tuple[int, list[int]]:
    """A conversation whose messages alternate: you, the model, you, …"""
    conversation = wait_for(qtbot, services.conversations.create(title))
    ids = []
    for i, text in enumerate(texts):
        role = "user" if i % 2 == 0 else "assistant"
        call = services.db.call(Store.add_message, conversation.id, role=role, content=text)
        ids.append(wait_for(qtbot, call).id)
    return conversation.id, ids


def ready(qtbot, window) -> None:
    wait_for(qtbot, window.chats.refresh_conversations())
    window.pages.setCurrentWidget(window.splitter)
    activate(qtbot, window)


def open_panel(qtbot, window):
    qtbot.keyClick(window.composer.edit, Qt.Key.Key_F, CTRL | SHIFT)
    qtbot.waitUntil(window.search.search_panel.isVisible)
    return window.search.search_panel


def highlights(widget) -> list[str]:
    """The words highlighted in a drawn message."""
    return [
        s.cursor.selectedText()
        for view in widget.findChildren(MessageView)
        for s in view.extraSelections()
    ]


# -- the words ----------------------------------------------------------------------------------


def test_snippets_are_escaped_and_only_the_matches_are_marked():
    snippet = f"<b>loose</b> {MATCH_START}tea{MATCH_END}\n&  more"
    hit = SearchHit(1, "Tea", 2, "user", "2024-01-01T10:00:00+00:00", snippet)
    html = snippet_html(hit, "#FFEE00")
    assert html.startswith("&lt;b&gt;loose&lt;/b&gt; <span")
    assert "background-color:#FFEE00; font-weight:600'>tea</span> &amp; more" in html


def test_highlight_ignores_accents_as_the_search_does():
    pattern = highlight_pattern("cafe")
    assert [m.group() for m in pattern.finditer("Un café, CAFÉ, cafe\u0301 ou cafe")] == [
        "café",
        "CAFÉ",
        "cafe\u0301",
        "cafe",
    ]
    assert [m.group() for m in highlight_pattern("crème").finditer("creme crème")] == [
        "creme",
        "crème",
    ]


def test_snippets_read_as_text_not_as_markdown():
    snippet = f"Steep for **two to three {MATCH_START}minutes{MATCH_END}** with `water`"
    hit = SearchHit(1, "Tea", 2, "assistant", "2024-01-01T10:00:00+00:00", snippet)
    html = snippet_html(hit, "#FFEE00")
    assert "*" not in html and "`" not in html
    assert html.startswith("Steep for two to three <span")


def test_highlight_follows_the_search_whole_words_and_a_last_prefix():
    pattern = highlight_pattern('"green tea" pot')
    assert [m.group() for m in pattern.finditer("Green tea in a teapot, pot or pots")] == [
        "Green",
        "tea",
        "pot",
        "pots",
    ]
    assert highlight_pattern("ab").findall("ab abc") == ["ab"]  # short words match whole
    assert highlight_pattern('"*" () ???') is None


def test_when_is_short_and_local():
    now = datetime(2024, 5, 17, 15, 0).astimezone()
    assert (
        when_text((now - timedelta(hours=2)).isoformat(), now)
        == f"{now - timedelta(hours=2):%H:%M}"
    )
    assert when_text((now - timedelta(days=1)).isoformat(), now) == "Yesterday"
    assert when_text((now - timedelta(days=3)).isoformat(), now) == "Tuesday"
    assert when_text((now - timedelta(days=40)).isoformat(), now) == "7 Apr"
    assert when_text((now - timedelta(days=400)).isoformat(), now) == "13 Apr 2023"
    assert when_text("not a date", now) == ""


# -- search every chat --------------------------------------------------------------------------


def test_shortcut_opens_the_panel_and_typing_shows_highlighted_hits(qtbot, open_window):
    window, services = open_window()
    add_chat(qtbot, services, "Breakfast", "How long should green tea steep?", "About two minutes.")
    add_chat(qtbot, services, "Garden", "When do tomatoes ripen?", "In late summer.")
    ready(qtbot, window)

    panel = open_panel(qtbot, window)
    assert panel.field.hasFocus()
    assert panel.status.isVisible() and panel.status.text() == TYPE_TO_SEARCH
    qtbot.keyClicks(panel.field, "green tea")
    qtbot.waitUntil(lambda: len(panel.hits) == 1)
    hit = panel.hits[0]
    assert (hit.title, hit.role) == ("Breakfast", "user")
    assert hit.marked() == "How long should «green» «tea» steep?"
    assert panel.list.isVisible() and not panel.status.isVisible()
    assert panel.count.text() == "1 message"

    qtbot.keyClick(panel.field, Qt.Key.Key_Escape)
    assert not panel.isVisible()


def test_a_query_of_punctuation_only_shows_the_empty_state(qtbot, open_window):
    window, services = open_window()
    add_chat(qtbot, services, "Quotes", 'He said "hi" * 3 (twice)')
    ready(qtbot, window)

    panel = open_panel(qtbot, window)
    asked = []
    panel.query_changed.connect(asked.append)
    qtbot.keyClicks(panel.field, '"*()')
    assert panel.status.isVisible() and panel.status.text() == TYPE_A_WORD
    qtbot.keyClick(panel.field, Qt.Key.Key_Return)  # nothing to open, nothing breaks
    assert panel.isVisible() and not panel.list.isVisible()
    qtbot.keyClicks(panel.field, " zebra")
    qtbot.waitUntil(lambda: panel.status.text() == 'No messages contain “"*() zebra”')
    assert asked == ['"*() zebra']  # punctuation alone is never searched for
    panel.field.clear()
    assert panel.status.text() == TYPE_TO_SEARCH
    panel.close()


def test_malformed_queries_never_fail(qtbot, open_window):
    window, services = open_window()
    add_chat(qtbot, services, "Syntax", 'tea AND coffee NEAR(milk) "quoted" star* -minus col:on')
    ready(qtbot, window)

    panel = open_panel(qtbot, window)
    for query in ['"tea', "tea*", "AND OR NOT", "NEAR(milk", "col:on", "-minus ^x", "'; DROP"]:
        panel.field.setText(query)
        qtbot.waitUntil(lambda q=query: panel.answered == q)
    assert panel.status.text() == "No messages contain “'; DROP”"
    panel.field.setText("star*")
    qtbot.waitUntil(lambda: len(panel.hits) == 1)
    panel.close()


def test_the_newest_query_wins_over_a_slower_older_one(qtbot, open_window, monkeypatch):
    window, services = open_window()
    add_chat(qtbot, services, "Pets", "My cat sleeps all day", "Cats do that.")
    add_chat(qtbot, services, "Cars", "My car needs new tyres")
    ready(qtbot, window)
    real_search = services.history.search
    first_done = asyncio.Event()

    async def slow_for_cat(*, text, limit):
        hits = await real_search(text=text, limit=limit)
        if text == "cat":
            await first_done.wait()  # answers only after "car" has been shown
        return hits

    monkeypatch.setattr(services.history, "search", slow_for_cat)
    panel = open_panel(qtbot, window)
    qtbot.keyClicks(panel.field, "cat")
    qtbot.waitUntil(lambda: panel._asked == "cat")
    panel.field.setText("car")
    qtbot.waitUntil(lambda: [h.title for h in panel.hits] == ["Cars"])
    first_done.set()
    qtbot.wait(100)
    assert [h.title for h in panel.hits] == ["Cars"]
    # An answer for anything but the query in the field is never shown.
    assert not panel.show_results("cat", [])
    panel.close()


def test_enter_opens_the_chat_at_the_message(qtbot, open_window):
    window, services = open_window()
    filler = [f"Line {i} about nothing much" for i in range(90)]
    wanted_id, ids = add_chat(qtbot, services, "Long one", "The secret word is marmalade", *filler)
    add_chat(qtbot, services, "Recent", "Nothing to see here")
    ready(qtbot, window)

    panel = open_panel(qtbot, window)
    qtbot.keyClicks(panel.field, "marmalade")
    qtbot.waitUntil(lambda: len(panel.hits) == 1)
    qtbot.keyClick(panel.field, Qt.Key.Key_Return)
    assert not panel.isVisible()
    qtbot.waitUntil(lambda: window.chat_view.widget_for_message(ids[0]) is not None)
    assert window.conversation_id == wanted_id
    message = window.chat_view.widget_for_message(ids[0])
    qtbot.waitUntil(lambda: _in_view(window.chat_view, message))
    # The words searched for are highlighted there, with the find bar to step through them.
    assert window.search.find_bar.isVisible() and window.search.find_bar.query == "marmalade"
    qtbot.waitUntil(lambda: highlights(message) == ["marmalade"])


def test_clicking_a_result_opens_that_chat(qtbot, open_window):
    window, services = open_window()
    first_id, _ = add_chat(qtbot, services, "Soup", "Leek and potato soup")
    second_id, second_ids = add_chat(qtbot, services, "Salad", "Potato salad with dill")
    ready(qtbot, window)

    panel = open_panel(qtbot, window)
    qtbot.keyClicks(panel.field, "potato dill")
    qtbot.waitUntil(lambda: len(panel.hits) == 1)
    rect = panel.list.visualRect(panel.list.model().index(0, 0))
    qtbot.mouseClick(panel.list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: window.chat_view.widget_for_message(second_ids[0]) is not None)
    assert window.conversation_id == second_id != first_id


def test_arrows_move_between_results(qtbot, open_window):
    window, services = open_window()
    add_chat(qtbot, services, "One", "apples are red")
    add_chat(qtbot, services, "Two", "apples are green")
    ready(qtbot, window)

    panel = open_panel(qtbot, window)
    qtbot.keyClicks(panel.field, "apples")
    qtbot.waitUntil(lambda: len(panel.hits) == 2)
    assert panel.list.currentRow() == 0
    qtbot.keyClick(panel.field, Qt.Key.Key_Down)
    qtbot.keyClick(panel.field, Qt.Key.Key_Down)  # stays on the last
    assert panel.list.currentRow() == 1
    qtbot.keyClick(panel.field, Qt.Key.Key_Up)
    assert panel.list.currentRow() == 0
    panel.close()


# -- find in this chat --------------------------------------------------------------------------


def test_find_counts_moves_highlights_and_closes(qtbot, open_window):
    window, services = open_window()
    cid, ids = add_chat(
        qtbot,
        services,
        "Baking",
        "I want to bake bread",
        "Bread needs flour, water, salt and yeast.",
        "Which flour?",
        "Strong bread flour works best; bread rises better with it.",
    )
    ready(qtbot, window)
    wait_for(qtbot, window.chats.open_conversation(cid))

    qtbot.keyClick(window.composer.edit, Qt.Key.Key_F, CTRL)
    bar = window.search.find_bar
    assert bar.isVisible() and bar.field.hasFocus()
    qtbot.keyClicks(bar.field, "bread")
    qtbot.waitUntil(lambda: bar.count.text() == "3 of 3")  # starts at the newest on screen
    last = window.chat_view.widget_for_message(ids[3])
    assert highlights(last) == ["bread", "bread"]
    assert highlights(window.chat_view.widget_for_message(ids[0])) == ["bread"]
    assert highlights(window.chat_view.widget_for_message(ids[2])) == []

    qtbot.keyClick(bar.field, Qt.Key.Key_Return)
    assert bar.count.text() == "1 of 3"  # round the end
    qtbot.keyClick(bar.field, Qt.Key.Key_Return, SHIFT)
    assert bar.count.text() == "3 of 3"
    qtbot.keyClick(bar.field, Qt.Key.Key_F3, SHIFT)
    assert bar.count.text() == "2 of 3"
    bar.next_button.click()
    assert bar.count.text() == "3 of 3"

    qtbot.keyClick(bar.field, Qt.Key.Key_Escape)
    assert not bar.isVisible()
    assert highlights(last) == []
    qtbot.waitUntil(window.composer.edit.hasFocus)


def test_find_reaches_messages_of_a_long_chat_not_drawn_yet(qtbot, open_window):
    window, services = open_window()
    filler = [f"Filler message number {i}" for i in range(120)]
    cid, ids = add_chat(qtbot, services, "Long", "A note about zeppelins", *filler)
    ready(qtbot, window)
    wait_for(qtbot, window.chats.open_conversation(cid))
    assert window.chat_view.widget_for_message(ids[0]) is None

    window.search.open_find()
    qtbot.keyClicks(window.search.find_bar.field, "zeppelins")
    qtbot.waitUntil(lambda: window.search.find_bar.count.text() == "1 of 1")
    qtbot.waitUntil(lambda: window.chat_view.widget_for_message(ids[0]) is not None)
    first = window.chat_view.widget_for_message(ids[0])
    qtbot.waitUntil(lambda: highlights(first) == ["zeppelins"])
    qtbot.waitUntil(lambda: _in_view(window.chat_view, first))
    window.search.close_find()


def test_find_on_a_new_chat_has_nothing_to_find(qtbot, open_window):
    window, services = open_window()
    add_chat(qtbot, services, "Some chat", "words words")
    ready(qtbot, window)
    window.chats.new_chat()

    qtbot.keyClick(window.composer.edit, Qt.Key.Key_F, CTRL)
    assert window.search.find_bar.isVisible()
    qtbot.keyClicks(window.search.find_bar.field, "words")
    qtbot.waitUntil(lambda: window.search.find_bar.count.text() == NOTHING_TO_FIND)
    qtbot.keyClick(
        window.search.find_bar.field, Qt.Key.Key_Return
    )  # nothing happens, nothing breaks
    assert not window.search.find_bar.next_button.isEnabled()
    qtbot.keyClick(window.search.find_bar.field, Qt.Key.Key_Escape)
    assert not window.search.find_bar.isVisible()


def test_find_follows_the_user_to_another_chat(qtbot, open_window):
    window, services = open_window()
    first, _ = add_chat(qtbot, services, "First", "plums and pears")
    second, second_ids = add_chat(qtbot, services, "Second", "plums", "more plums", "no fruit")
    ready(qtbot, window)
    wait_for(qtbot, window.chats.open_conversation(first))
    window.search.open_find()
    qtbot.keyClicks(window.search.find_bar.field, "plums")
    qtbot.waitUntil(lambda: window.search.find_bar.count.text() == "1 of 1")

    wait_for(qtbot, window.chats.open_conversation(second))
    qtbot.waitUntil(lambda: window.search.find_bar.count.text() == "2 of 2")
    widget = window.chat_view.widget_for_message(second_ids[1])
    qtbot.waitUntil(lambda: highlights(widget) == ["plums"])


def _in_view(chat_view, widget) -> bool:
    top = widget.mapTo(chat_view.viewport(), QPoint(0, 0)).y()
    return 0 <= top < chat_view.viewport().height()


def test_find_scrolls_to_words_deep_inside_a_long_reply(qtbot, open_window):
    window, services = open_window()
    body = "\n\n".join(f"Paragraph {i} says nothing in particular." for i in range(80))
    cid, ids = add_chat(
        qtbot, services, "Essay", "Write at length", body + "\n\nThe word is saffron.", "Thanks"
    )
    ready(qtbot, window)
    wait_for(qtbot, window.chats.open_conversation(cid))
    window.chat_view.verticalScrollBar().setValue(0)

    window.search.open_find()
    qtbot.keyClicks(window.search.find_bar.field, "saffron")
    qtbot.waitUntil(lambda: window.search.find_bar.count.text() == "1 of 1")
    reply = window.chat_view.widget_for_message(ids[1])
    qtbot.waitUntil(lambda: highlights(reply) == ["saffron"])

    def words_in_view() -> bool:
        view = next(v for v in reply.findChildren(MessageView) if v.extraSelections())
        selection = view.extraSelections()[0]
        spot = view.cursorRect(selection.cursor).center()
        y = view.viewport().mapTo(window.chat_view.viewport(), spot).y()
        return 0 <= y < window.chat_view.viewport().height()

    qtbot.waitUntil(words_in_view)
    qtbot.wait(600)  # and they stay there once the chat view lets go of the message
    assert words_in_view()


def test_an_older_find_answer_never_replaces_a_newer_one(qtbot, open_window, monkeypatch):
    window, services = open_window()
    cid, ids = add_chat(qtbot, services, "Fruit", "apple pie", "banana bread", "apple crumble")
    ready(qtbot, window)
    wait_for(qtbot, window.chats.open_conversation(cid))
    real_find = services.history.find_in_conversation
    release = asyncio.Event()

    async def slow_for_apple(*, conversation_id, text):
        found = await real_find(conversation_id=conversation_id, text=text)
        if text == "apple":
            await release.wait()
        return found

    monkeypatch.setattr(services.history, "find_in_conversation", slow_for_apple)
    window.search.open_find()
    window.search.finder.search("apple")
    window.search.finder.search("banana")
    qtbot.waitUntil(lambda: window.search.finder.ids == [ids[1]])
    release.set()
    qtbot.wait(100)
    assert window.search.finder.ids == [ids[1]]
    assert highlights(window.chat_view.widget_for_message(ids[0])) == []
