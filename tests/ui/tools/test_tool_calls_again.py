"""Tools on every way a reply is asked for: Regenerate, edit-and-resend and Continue offer the
tools (with “Tools on”) as a new message does, and an always-allowed call says “Running…” on
its card while it runs.

Real services and window, the test MCP server over stdio, OpenAI's wire format on loopback.
"""

from __future__ import annotations

import dataclasses
import json

from app.store import Store
from tests.ui.support import (
    click,
    openai_says,
    send_by_keyboard,
    shown_replies,
    wait_for,
    wait_until_idle,
)
from tests.ui.tools.test_tool_calls import card_shown, chats, openai_calls, tool_results
from tests.ui.tools.test_tool_calls import tool_window as _tool_window

tool_window = _tool_window  # the window with “calc” and “Tools on”, OpenAI on loopback


def offered(request) -> list[str]:
    return [t["function"]["name"] for t in request.json().get("tools", [])]


def test_regenerate_resend_and_continue_offer_the_tools(qtbot, tool_window, openai_server):
    window, services = tool_window
    # Scripted at once: the server's last reply repeats, so each is used in turn.
    openai_says(openai_server, "No idea.")
    openai_calls(openai_server, ("call_1", "add", {"a": 40, "b": 2}))
    openai_says(openai_server, "It is 42.")
    openai_calls(openai_server, ("call_2", "add", {"a": 1, "b": 1}))
    openai_says(openai_server, "Two.")
    openai_calls(openai_server, ("call_3", "add", {"a": 2, "b": 2}))
    openai_says(openai_server, " And four.")
    send_by_keyboard(qtbot, window, "What is 40 + 2?")
    wait_until_idle(qtbot, window)
    assert "add" in offered(chats(openai_server)[0])

    window.sending.regenerate()
    click(qtbot, card_shown(qtbot, window).allow_button)
    wait_until_idle(qtbot, window)
    assert "add" in offered(chats(openai_server)[1])
    assert tool_results(chats(openai_server)[2])[-1]["content"] == "42"
    [reply] = shown_replies(window)
    assert reply.view.toPlainText().strip() == "It is 42."

    asked = window.chat_view.widget_for_message(reply.message.parent_id).message
    window.history.edit_and_resend(asked, "What is 1 + 1?")
    qtbot.waitUntil(
        lambda: [r.message.id for r in shown_replies(window)] not in ([], [reply.message.id])
    )
    click(qtbot, card_shown(qtbot, window).allow_button)
    wait_until_idle(qtbot, window)
    assert "add" in offered(chats(openai_server)[3])
    assert tool_results(chats(openai_server)[4])[-1]["content"] == "2"

    # A reply stopped part-way goes on with the tools too; its earlier call stays with it.
    [reply] = shown_replies(window)
    wait_for(qtbot, services.db.call(Store.update_message, reply.message.id, status="stopped"))
    window.sending.continue_reply(dataclasses.replace(reply.message, status="stopped"))
    click(qtbot, card_shown(qtbot, window, 1).allow_button)
    wait_until_idle(qtbot, window)
    assert "add" in offered(chats(openai_server)[5])
    assert tool_results(chats(openai_server)[6])[-1]["content"] == "4"
    [reply] = shown_replies(window)
    stored = wait_for(qtbot, services.db.call(Store.message, reply.message.id))
    assert [c["id"] for c in json.loads(stored.tool_calls)] == ["call_2", "call_3"]


def test_an_always_allowed_call_says_running(qtbot, tool_window, openai_server):
    window, services = tool_window
    services.tools.set_always_allow("calc", "slow")
    openai_calls(openai_server, ("call_1", "slow", {"seconds": 30}), text="Let me wait.")
    send_by_keyboard(qtbot, window, "Wait a while")
    card = card_shown(qtbot, window)  # never asked: shown as it starts, not when it ends
    assert card.status == "running" and card.state.text() == "Running…"
    assert not card.buttons.isVisible() and "slow" in card.title.text()
    assert window.session.busy
    click(qtbot, window.composer.button)  # Stop
    qtbot.waitUntil(lambda: not window.session.busy, timeout=10_000)
    assert card.status == "stopped"
