"""The passages of the user's files go through the privacy check on every way a reply is asked
for, not only a new message: Regenerate, Continue, edit-and-resend and Compare. A passage with
an e-mail address brings up the warning after the user agreed to the passages; Edit sends
nothing, Send sends them, and “a model on this computer” sends nothing online.

Real services on a temporary data folder, a real Markdown file read by the indexer, OpenAI's
wire format on loopback, a real tiny GGUF for the local model.
"""

from __future__ import annotations

import dataclasses

import pytest

from app.store import Store
from tests.ui.documents import test_documents_sending as base
from tests.ui.support import (
    add_tiny_model,
    openai_says,
    save_shot,
    send_by_keyboard,
    shown_replies,
    wait_for,
    wait_until_idle,
)

add_and_read, confirm_dialog = base.add_and_read, base.confirm_dialog
cloud_window = pytest.fixture(base.cloud_window.__wrapped__, name="cloud_window")
CONTACT = base.CONTACT


def agree_to_passages(qtbot, docs) -> None:
    dialog = confirm_dialog(qtbot, docs)
    dialog.send_button.click()
    qtbot.waitUntil(lambda: not dialog.isVisible())
    docs.confirm_dialog = None


def privacy_warning(qtbot, window):
    qtbot.waitUntil(
        lambda: (
            window.sending.privacy_warning is not None
            and window.sending.privacy_warning.isVisible()
        )
    )
    warning = window.sending.privacy_warning
    text = warning.findings.text()
    assert "e-mail address" in text.casefold() and "jane.doe" not in text
    return warning


def answered_first(qtbot, window, openai_server, tmp_path):
    """A chat with one answered question, the lease with its e-mail address read and on."""
    lease = tmp_path / "lease.md"
    lease.write_text(f"# Contact\n\n{CONTACT}\n")
    docs = add_and_read(qtbot, window, [lease])
    send_by_keyboard(qtbot, window, "Who do I ask about the lease?")
    agree_to_passages(qtbot, docs)
    privacy_warning(qtbot, window).send_button.click()
    wait_until_idle(qtbot, window)
    assert len(openai_server.requests) == 1
    window.sending.checks.privacy_warning = None
    return docs


def answered_with_a_local_model_too(qtbot, window, openai_server, tmp_path, tiny_gguf):
    """As answered_first, by the cloud model, with the tiny local model there to choose."""
    openai_says(openai_server, "Ask Jane [1].")
    add_tiny_model(qtbot, window, tiny_gguf)
    window.choose_model(base.CLOUD)
    return answered_first(qtbot, window, openai_server, tmp_path)


def edit_then_nothing_sent(qtbot, window, openai_server, sent: int) -> None:
    warning = privacy_warning(qtbot, window)
    warning.edit_button.click()
    qtbot.waitUntil(lambda: not warning.isVisible())
    qtbot.wait(100)
    assert len(openai_server.requests) == sent and not window.session.busy
    window.sending.checks.privacy_warning = None


def test_regenerate_continue_and_resend_check_the_passages(
    qtbot, cloud_window, openai_server, tmp_path
):
    window, services = cloud_window
    openai_says(openai_server, "Ask Jane [1].", "Jane, by e-mail [1].")
    docs = answered_first(qtbot, window, openai_server, tmp_path)

    window.sending.regenerate()  # Cancel: nothing goes
    agree_to_passages(qtbot, docs)
    warning = privacy_warning(qtbot, window)
    assert warning.heading.text().startswith("Passages from your files")
    assert warning.edit_button.text() == "Cancel"
    save_shot(warning, "privacy-passages-regenerate.png")
    edit_then_nothing_sent(qtbot, window, openai_server, sent=1)

    window.sending.regenerate()  # Send: the passages go, after the warning
    agree_to_passages(qtbot, docs)
    privacy_warning(qtbot, window).send_button.click()
    wait_until_idle(qtbot, window)
    assert len(openai_server.requests) == 2
    assert CONTACT in openai_server.requests[-1].json()["messages"][-1]["content"]
    window.sending.checks.privacy_warning = None

    [reply] = shown_replies(window)
    wait_for(qtbot, services.db.call(Store.update_message, reply.message.id, status="stopped"))
    window.sending.continue_reply(dataclasses.replace(reply.message, status="stopped"))
    agree_to_passages(qtbot, docs)
    edit_then_nothing_sent(qtbot, window, openai_server, sent=2)

    asked = window.chat_view.widget_for_message(reply.message.parent_id).message
    window.history.edit_and_resend(asked, "Who is the contact for the lease?")
    agree_to_passages(qtbot, docs)
    edit_then_nothing_sent(qtbot, window, openai_server, sent=2)


def test_compare_checks_the_passages(qtbot, cloud_window, openai_server, tmp_path):
    window, _services = cloud_window
    openai_says(openai_server, "Ask Jane [1].")
    docs = answered_first(qtbot, window, openai_server, tmp_path)
    qtbot.waitUntil(lambda: window.find_model("openai:gpt-4o") is not None)
    window.compare.compare("Who do I ask about the lease?", ["openai:gpt-4o-mini", "openai:gpt-4o"])
    agree_to_passages(qtbot, docs)
    edit_then_nothing_sent(qtbot, window, openai_server, sent=1)
    assert not window.compare_session.busy


def test_regenerate_by_a_local_model_instead(
    qtbot, cloud_window, openai_server, tmp_path, tiny_gguf
):
    window, _services = cloud_window
    docs = answered_with_a_local_model_too(qtbot, window, openai_server, tmp_path, tiny_gguf)

    window.sending.regenerate()
    agree_to_passages(qtbot, docs)
    privacy_warning(qtbot, window).local_button.click()
    wait_until_idle(qtbot, window)
    assert len(openai_server.requests) == 1  # nothing more went online
    [reply] = shown_replies(window)
    assert reply.message.is_local


def test_compare_by_a_local_model_instead_keeps_the_passages(
    qtbot, cloud_window, openai_server, tmp_path, tiny_gguf
):
    window, _services = cloud_window
    docs = answered_with_a_local_model_too(qtbot, window, openai_server, tmp_path, tiny_gguf)
    qtbot.waitUntil(lambda: window.find_model("openai:gpt-4o") is not None)
    sent = []
    real_send = window.session.send

    def send(**kw):
        sent.append(kw)
        return real_send(**kw)

    window.session.send = send
    window.compare.compare("Who do I ask about the lease?", ["openai:gpt-4o-mini", "openai:gpt-4o"])
    agree_to_passages(qtbot, docs)
    privacy_warning(qtbot, window).local_button.click()
    wait_until_idle(qtbot, window)
    assert len(openai_server.requests) == 1  # nothing more went online
    (kw,) = sent
    assert kw["documents"] is not None and kw["documents"].passages  # the passages stay here
    assert window.find_model(kw["model_id"]).is_local
