"""Tool calls in the window: the approval card in the reply, Allow once, Deny, Always, Stop
during a slow tool, and the calls shown again from history after a restart.

Real services and window, the test MCP server (tests/tools/mcp_test_server.py) over stdio, and
OpenAI's wire format from a loopback server emitting the tool calls (tests/tools/wire_tools.py).
"""

from __future__ import annotations

import json

import pytest

from app import secrets
from tests.tools.support import stdio_config
from tests.tools.wire_tools import openai_tool_events
from tests.ui.support import (
    OPENAI_KEY,
    REPLY_TIMEOUT_MS,
    click,
    openai_says,
    pick_model,
    save_shot,
    send_by_keyboard,
    shown_replies,
    wait_for,
    wait_until_idle,
)
from tests.wire_servers import encode_sse, sse_reply

CHAT_PATH = "/v1/chat/completions"


def openai_calls(server, *calls, text: str = "") -> None:
    """Script the next completion: these tool calls (id, name, arguments), split in pieces."""
    events = openai_tool_events(list(calls), text=text)
    server.script("POST", CHAT_PATH, sse_reply([encode_sse(events)]))


@pytest.fixture
def tool_window(qtbot, open_window, openai_server):
    """A window with an OpenAI key, the test server as “calc”, and “Tools on”."""
    secrets.set_key("openai", OPENAI_KEY)
    window, services = open_window()
    services.tools.add(stdio_config("calc"))
    window.tools.switch.setChecked(True)
    pick_model(qtbot, window, "4o-mini")
    return window, services


def card_shown(qtbot, window, index: int = 0):
    """The reply's index-th tool call card, once it is there."""

    def cards():
        replies = shown_replies(window)
        return list(replies[-1].tool_calls().cards.values()) if replies else []

    qtbot.waitUntil(lambda: len(cards()) > index, timeout=REPLY_TIMEOUT_MS)
    return cards()[index]


def chats(server) -> list:
    """The chat requests the server received (not the model listings)."""
    return [r for r in server.requests if r.path == CHAT_PATH]


def tool_results(request) -> list[dict]:
    return [m for m in request.json()["messages"] if m["role"] == "tool"]


def test_allow_once_runs_the_tool_and_the_reply_goes_on(qtbot, tool_window, openai_server):
    window, services = tool_window
    openai_calls(openai_server, ("call_1", "add", {"a": 40, "b": 2}), text="Let me add.")
    openai_says(openai_server, "It is 42.")
    send_by_keyboard(qtbot, window, "What is 40 + 2?")

    card = card_shown(qtbot, window)
    assert card.waiting
    qtbot.waitUntil(card.allow_button.isVisible)
    assert "add" in card.title.text() and "from calc" in card.title.text()
    assert json.loads(card.arguments.text()) == {"a": 40, "b": 2}
    assert "\n" in card.arguments.text()  # pretty, one argument a line
    assert card.destination.text() == "The result will be sent to OpenAI."
    assert [b.text() for b in (card.allow_button, card.always_button, card.deny_button)] == [
        "Allow once",
        "Always allow this tool",
        "Deny",
    ]
    save_shot(window, "tool-card.png")
    click(qtbot, card.allow_button)
    wait_until_idle(qtbot, window)

    reply = shown_replies(window)[-1]
    assert reply.view.toPlainText().strip().endswith("It is 42.")
    assert card.status == "ok" and card.state.text() == "Done"
    assert not card.buttons.isVisible()
    assert card.expander.isVisible() and not card.result_view.isVisible()  # collapsed
    click(qtbot, card.expander)
    assert card.result_view.isVisible() and card.result_view.text() == "42"
    save_shot(window, "tool-card-done.png")
    assert tool_results(chats(openai_server)[1]) == [
        {"role": "tool", "tool_call_id": "call_1", "content": "42"}
    ]
    assert not services.tools.always_allowed("calc", "add")


def test_deny_tells_the_model(qtbot, tool_window, openai_server):
    window, _services = tool_window
    openai_calls(openai_server, ("call_1", "add", {"a": 1, "b": 1}))
    openai_says(openai_server, "All right, I won't.")
    send_by_keyboard(qtbot, window, "Add 1 and 1")

    card = card_shown(qtbot, window)
    click(qtbot, card.deny_button)
    wait_until_idle(qtbot, window)

    assert card.status == "denied" and card.state.text() == "Denied"
    assert card.note.isVisible() and "denied" in card.note.text()
    assert not card.expander.isVisible()
    [result] = tool_results(chats(openai_server)[1])
    assert "denied" in result["content"]


def test_always_allow_does_not_ask_the_second_time(qtbot, tool_window, openai_server):
    window, services = tool_window
    # Scripted at once: the server's last reply repeats, so it must not be the first "Three.".
    openai_calls(openai_server, ("call_1", "add", {"a": 1, "b": 2}))
    openai_says(openai_server, "Three.")
    openai_calls(openai_server, ("call_2", "add", {"a": 3, "b": 4}))
    openai_says(openai_server, "Seven.")
    send_by_keyboard(qtbot, window, "1 + 2?")
    click(qtbot, card_shown(qtbot, window).always_button)
    wait_until_idle(qtbot, window)
    assert services.tools.always_allowed("calc", "add")

    send_by_keyboard(qtbot, window, "3 + 4?")
    wait_until_idle(qtbot, window)

    card = card_shown(qtbot, window)  # shown, never asked
    assert card.status == "ok" and card.result == "7"
    assert tool_results(chats(openai_server)[3])[-1]["content"] == "7"
    assert shown_replies(window)[-1].view.toPlainText().strip() == "Seven."


def test_stop_during_a_slow_tool_keeps_what_was_written(qtbot, tool_window, openai_server):
    window, services = tool_window
    openai_calls(openai_server, ("call_1", "slow", {"seconds": 30}), text="Let me wait.")
    send_by_keyboard(qtbot, window, "Wait a while")
    card = card_shown(qtbot, window)
    click(qtbot, card.allow_button)
    assert card.state.text() == "Running…"
    qtbot.wait(500)  # the slow tool is running on the server
    assert window.session.busy
    click(qtbot, window.composer.button)  # Stop
    qtbot.waitUntil(lambda: not window.session.busy, timeout=10_000)

    assert card.status == "stopped" and "Stopped" in card.note.text()
    reply = shown_replies(window)[-1]
    assert reply.message.status == "stopped"
    assert reply.view.toPlainText().strip() == "Let me wait."
    assert len(chats(openai_server)) == 1  # nothing went back to the model
    after = wait_for(qtbot, services.tools.call("calc", "add", {"a": 1, "b": 1}))
    assert after.text == "2"  # the server goes on


def test_calls_show_in_history_after_a_restart(qtbot, tool_window, open_window, openai_server):
    window, services = tool_window
    openai_calls(
        openai_server, ("call_1", "add", {"a": 2, "b": 2}), ("call_2", "fail", {"why": "x"})
    )
    openai_says(openai_server, "Four, and one failed.")
    send_by_keyboard(qtbot, window, "Try both")
    click(qtbot, card_shown(qtbot, window, 0).allow_button)
    click(qtbot, card_shown(qtbot, window, 1).allow_button)
    wait_until_idle(qtbot, window)
    open_window.close(window, services)

    again, _services = open_window()
    reply = shown_replies(again)[-1]
    added, failed = reply.tool_calls().cards.values()
    assert added.status == "ok" and added.result == "4" and not added.buttons.isVisible()
    assert json.loads(added.arguments.text()) == {"a": 2, "b": 2}
    assert failed.status == "error" and failed.note.isVisible()
    assert "fail" in failed.note.text()  # the server's own words ("Error executing tool fail")


def test_with_tools_off_the_model_gets_none(qtbot, tool_window, openai_server):
    window, _services = tool_window
    click(qtbot, window.tools.switch)
    assert not window.tools.switch.isChecked()
    openai_says(openai_server, "Hello.")
    send_by_keyboard(qtbot, window, "Hi")
    wait_until_idle(qtbot, window)
    assert "tools" not in chats(openai_server)[0].json()


def test_stop_while_the_card_waits(qtbot, tool_window, openai_server):
    window, _services = tool_window
    openai_calls(openai_server, ("call_1", "add", {"a": 1, "b": 1}))
    send_by_keyboard(qtbot, window, "Add")
    card = card_shown(qtbot, window)
    click(qtbot, window.composer.button)  # Stop, no answer given
    qtbot.waitUntil(lambda: not window.session.busy, timeout=10_000)

    assert card.status == "stopped" and not card.buttons.isVisible()
    assert shown_replies(window)[-1].message.status == "stopped"
    assert len(chats(openai_server)) == 1
