"""Sending with documents on, the edges: passages go through the same privacy check as the
text, a [n] marker in the reply opens its passage as the footer's source does, “Open file”
hands the system viewer the file at its page, and a collection with nothing read yet is said
plainly with the message kept.

Real services on a temporary data folder, real files, OpenAI's wire format on loopback.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QUrl
from PySide6.QtWidgets import QLabel

from app import secrets
from app.documents.samples import sample_pdf
from app.ui.documents import CITE
from tests.ui.support import (
    OPENAI_KEY,
    openai_says,
    send_by_keyboard,
    shown_replies,
    wait_for,
    wait_until_idle,
)

CLOUD = "openai:gpt-4o-mini"
CONTACT = "Questions about the lease go to jane.doe@example.com before the 5th of each month."


@pytest.fixture
def cloud_window(qtbot, open_window, openai_server):
    secrets.set_key("openai", OPENAI_KEY)
    window, services = open_window()
    qtbot.waitUntil(lambda: window.find_model(CLOUD) is not None)
    window.choose_model(CLOUD)
    return window, services


def add_and_read(qtbot, window, paths: list[Path], collection: str = "Housing"):
    docs = window.documents
    done = []
    docs.reading_done.connect(done.append)
    wait_for(qtbot, docs.add([str(p) for p in paths], collection))
    qtbot.waitUntil(lambda: bool(done) and not docs.is_reading, timeout=30_000)
    return docs


def confirm_dialog(qtbot, docs):
    qtbot.waitUntil(lambda: docs.confirm_dialog is not None and docs.confirm_dialog.isVisible())
    return docs.confirm_dialog


def test_passages_go_through_the_privacy_check(qtbot, cloud_window, openai_server, tmp_path):
    window, _services = cloud_window
    lease = tmp_path / "lease.md"
    lease.write_text(f"# Contact\n\n{CONTACT}\n")
    docs = add_and_read(qtbot, window, [lease])
    send_by_keyboard(qtbot, window, "Who do I ask about the lease?")
    confirm_dialog(qtbot, docs).send_button.click()
    # The question has nothing private; the passage has an e-mail address: the warning says so.
    qtbot.waitUntil(lambda: window.sending.privacy_warning is not None)
    warning = window.sending.privacy_warning
    qtbot.waitUntil(warning.isVisible)
    assert "e-mail address" in warning.findings.text().casefold()
    assert "jane.doe" not in warning.findings.text()
    warning.edit_button.click()  # back to the message: nothing sent
    qtbot.waitUntil(lambda: window.composer.text() == "Who do I ask about the lease?")
    assert openai_server.requests == []


def test_a_marker_in_the_reply_and_open_file(qtbot, cloud_window, openai_server, tmp_path):
    window, _services = cloud_window
    report = tmp_path / "report.pdf"
    report.write_bytes(sample_pdf(["Cover page.", "The boiler was serviced in March 2026."]))
    docs = add_and_read(qtbot, window, [report])
    openai_says(openai_server, "It was serviced in March [1].")
    send_by_keyboard(qtbot, window, "When was the boiler serviced?")
    confirm_dialog(qtbot, docs).send_button.click()
    wait_until_idle(qtbot, window)
    [reply] = shown_replies(window)
    reply.view.anchorClicked.emit(QUrl(f"hearth:{CITE}1"))  # the [1] in the reply's text
    assert docs.panel.isVisible() and docs.panel.where.text() == "report.pdf, page 2"

    opened: list[QUrl] = []
    docs.panel.open_requested.connect(opened.append)
    docs.panel.open_url = opened.append  # not the desktop's real viewer in a test
    docs.panel.open_button.click()
    assert opened[0].toLocalFile() == str(report) and opened[0].fragment() == "page=2"


def test_documents_on_but_nothing_read_yet_is_said_plainly(
    qtbot, cloud_window, openai_server, tmp_path
):
    window, _services = cloud_window
    empty = tmp_path / "blank.md"
    empty.write_text("   \n")
    docs = add_and_read(qtbot, window, [empty], "Blank")
    assert docs.in_use  # the collection is on, but its one file has no text
    send_by_keyboard(qtbot, window, "What does it say?")
    qtbot.waitUntil(lambda: window.composer.text() == "What does it say?")
    notices = [w.text() for w in window.chat_view.messages_shown() if isinstance(w, QLabel)]
    assert any(n.startswith("None of your collections has a file read yet.") for n in notices), (
        notices
    )
    assert openai_server.requests == []
