"""With a collection turned on, a reply made again in the window goes with the passages too:
Regenerate, edit-and-resend and Compare look them up, say how many go to the cloud model and
wait for the user's yes, and the new reply keeps the sources it cited.

Real services on a temporary data folder, a real Markdown file read by the indexer, OpenAI's
wire format on loopback.
"""

from __future__ import annotations

import pytest

from tests.ui.documents import test_documents_sending as base
from tests.ui.support import openai_says, send_by_keyboard, shown_replies, wait_until_idle

add_and_read, confirm_dialog = base.add_and_read, base.confirm_dialog
# test_documents_sending's window, its model OpenAI on loopback
cloud_window = pytest.fixture(base.cloud_window.__wrapped__, name="cloud_window")

RENT = "The monthly rent for the flat is 900 euros."


def last_prompt(server) -> str:
    return server.requests[-1].json()["messages"][-1]["content"]


def agree(qtbot, docs) -> None:
    dialog = confirm_dialog(qtbot, docs)
    dialog.send_button.click()
    qtbot.waitUntil(lambda: not dialog.isVisible())
    docs.confirm_dialog = None


def test_regenerate_and_edit_and_resend_send_the_passages(
    qtbot,
    cloud_window,
    openai_server,
    tmp_path,
):
    window, services = cloud_window
    lease = tmp_path / "lease.md"
    lease.write_text(f"# Rent\n\n{RENT}\n")
    docs = add_and_read(qtbot, window, [lease])
    for text in ("It is 900 euros [1].", "900 euros a month [1].", "Still 900 euros [1]."):
        openai_says(openai_server, text)  # used in order
    send_by_keyboard(qtbot, window, "What is the rent?")
    agree(qtbot, docs)
    wait_until_idle(qtbot, window)
    assert len(openai_server.requests) == 1

    window.sending.regenerate()
    agree(qtbot, docs)  # asked again: the passages go to OpenAI again
    wait_until_idle(qtbot, window)
    assert len(openai_server.requests) == 2
    assert RENT in last_prompt(openai_server) and last_prompt(openai_server).endswith("rent?")
    [reply] = shown_replies(window)
    assert reply.message.content == "900 euros a month [1]."
    assert [s["text"] for s in reply.message.cited_sources] == [f"# Rent\n\n{RENT}"]

    asked = window.chat_view.widget_for_message(reply.message.parent_id).message
    window.history.edit_and_resend(asked, "And the monthly rent?")
    agree(qtbot, docs)
    wait_until_idle(qtbot, window)
    assert RENT in last_prompt(openai_server)
    assert last_prompt(openai_server).endswith("And the monthly rent?")
    [reply] = shown_replies(window)
    assert reply.message.content == "Still 900 euros [1]." and reply.message.cited_sources


def test_compare_sends_the_passages_to_every_model(
    qtbot,
    cloud_window,
    openai_server,
    tmp_path,
):
    window, services = cloud_window
    lease = tmp_path / "lease.md"
    lease.write_text(f"# Rent\n\n{RENT}\n")
    docs = add_and_read(qtbot, window, [lease])
    openai_says(openai_server, "900 euros [1].")
    qtbot.waitUntil(lambda: window.find_model("openai:gpt-4o") is not None)
    window.compare.compare("What is the rent?", ["openai:gpt-4o-mini", "openai:gpt-4o"])
    agree(qtbot, docs)
    qtbot.waitUntil(lambda: window.compare_session.busy, timeout=5_000)
    qtbot.waitUntil(lambda: not window.compare_session.busy, timeout=30_000)
    prompts = [r.json()["messages"][-1]["content"] for r in openai_server.requests]
    assert len(prompts) == 2 and all(RENT in p for p in prompts)
