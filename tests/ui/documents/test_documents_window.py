"""The Documents window driven as a person would: a folder dropped on the main window is read
with its progress shown, a broken file is listed with its reason, reading is cancelled and
resumed, and a question asked with documents on gets an answer whose cited source opens in the
side panel; a cloud send says first how many passages leave, and sends nothing on Cancel.

Real services on a temporary data folder, real files (Markdown, PDFs made with pypdf), OpenAI's
wire format from a loopback server (tests/wire_servers.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from app import secrets
from app.documents.samples import sample_pdf
from app.ui.documents import CITE
from tests.ui.support import (
    OPENAI_KEY,
    click_footer,
    openai_says,
    save_shot,
    send_by_keyboard,
    shown_replies,
    wait_until_idle,
)

CLOUD = "openai:gpt-4o-mini"
DUE = "The tax return is due on 30 April. Late returns pay a fine of 100 euros."


def taxes_folder(root: Path, *, extra: int = 0) -> Path:
    folder = root / "Taxes 2026"
    folder.mkdir()
    (folder / "report.pdf").write_bytes(
        sample_pdf(["Income summary for 2026.", DUE, "Deductions for the home office."])
    )
    (folder / "notes.md").write_text("# Receipts\n\nKeep every receipt for seven years.\n")
    (folder / "broken.pdf").write_bytes(b"%PDF-1.7 this is not a pdf")
    for i in range(extra):
        pages = [f"Statement {i} page {p}: nothing about the due date here." for p in range(4)]
        (folder / f"statement-{i:02d}.pdf").write_bytes(sample_pdf(pages))
    return folder


def drop(qtbot, target, paths: list[Path]) -> None:
    """Drag the files over `target` and drop them, as the desktop's file manager does."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    where = QPointF(target.width() / 2, target.height() / 2)
    actions, button = Qt.DropAction.CopyAction, Qt.MouseButton.LeftButton
    enter = QDragEnterEvent(where.toPoint(), actions, mime, button, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(target, enter)
    assert enter.isAccepted()
    event = QDropEvent(where, actions, mime, button, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(target, event)
    assert event.isAccepted()


def states(controller) -> dict[str, tuple[str, str | None]]:
    return {Path(f.path).name: (f.state, f.reason) for e in controller.listing for f in e.files}


def row_texts(docs_window) -> dict[str, str]:
    tree = docs_window.tree
    rows = {}
    for i in range(tree.topLevelItemCount()):
        item = tree.topLevelItem(i)
        rows[item.text(0)] = item.text(1)
        for j in range(item.childCount()):
            rows[item.child(j).text(0)] = item.child(j).text(1)
    return rows


@pytest.fixture
def cloud_window(qtbot, open_window, openai_server):
    secrets.set_key("openai", OPENAI_KEY)
    window, services = open_window()
    qtbot.waitUntil(lambda: window.find_model(CLOUD) is not None)
    window.choose_model(CLOUD)
    return window, services


def read_dropped(qtbot, window, folder: Path):
    docs = window.documents
    done = []
    docs.reading_done.connect(done.append)
    drop(qtbot, window, [folder])
    qtbot.waitUntil(lambda: bool(done), timeout=30_000)
    qtbot.waitUntil(lambda: not docs.is_reading)
    return done[-1]


def test_a_dropped_folder_is_read_with_progress_and_a_broken_file_says_why(
    qtbot, cloud_window, tmp_path
):
    window, _services = cloud_window
    docs = window.documents
    seen = []
    docs.docs_window = None
    original = docs._on_progress

    def watch(p):
        original(p)
        if docs.docs_window is not None:
            seen.append(docs.docs_window.reading.text())
            if p.file.endswith("report.pdf") and p.page == 2:
                save_shot(docs.docs_window, "docs-ui-reading.png")

    docs._on_progress = watch
    result = read_dropped(qtbot, window, taxes_folder(tmp_path))

    assert docs.docs_window.isVisible()  # the drop opened the Documents window
    assert any(line.startswith("Reading report.pdf — page 2 of 3 · ") for line in seen), seen
    assert any(" of 3 files" in line for line in seen), seen
    assert sorted(Path(p).name for p in result.ready) == ["notes.md", "report.pdf"]
    got = states(docs)
    assert got["report.pdf"][0] == "ready" and got["notes.md"][0] == "ready"
    assert got["broken.pdf"][0] == "failed" and "damaged" in got["broken.pdf"][1]
    rows = row_texts(docs.docs_window)
    assert rows["Taxes 2026"] == "3 files · 2 ready · 1 can't be read"
    reason = " ".join(rows["broken.pdf"].split())  # wrapped to fit the column
    assert reason.startswith("This PDF file is damaged or incomplete, so Hearth can't read it")
    assert rows["report.pdf"] == "Ready · 3 pages"
    assert docs.docs_window.reading.text() == "2 files read · 1 can't be read (see the list)"
    assert docs.docs_window.switches["Taxes 2026"].isChecked()
    assert window.documents.chip.text() == "Documents: Taxes 2026"
    save_shot(docs.docs_window, "docs-ui-documents-window.png")


def test_files_dropped_on_the_composer_are_added_not_typed(qtbot, cloud_window, tmp_path):
    window, _services = cloud_window
    note = tmp_path / "boiler.md"
    note.write_text("# Boiler\n\nServiced every March.\n")
    docs = window.documents
    done = []
    docs.reading_done.connect(done.append)
    drop(qtbot, window.composer.edit.viewport(), [note])  # where a drag over it arrives
    qtbot.waitUntil(lambda: bool(done) and not docs.is_reading)
    assert window.composer.text() == ""
    assert states(docs) == {"boiler.md": ("ready", None)}
    assert [e.collection.name for e in docs.listing] == ["My documents"]


def test_cancel_then_resume(qtbot, cloud_window, tmp_path):
    window, _services = cloud_window
    docs = window.documents
    original = docs._on_progress

    def cancel_at_first_page(p):
        original(p)
        if docs.docs_window.stop_button.isVisible():
            docs.docs_window.stop_button.click()

    docs._on_progress = cancel_at_first_page
    result = read_dropped(qtbot, window, taxes_folder(tmp_path, extra=6))
    assert result.cancelled
    w = docs.docs_window
    assert w.reading.text().startswith("Reading paused · ") and w.resume_button.isVisible()
    left = sum(s in ("waiting", "reading") for s, _r in states(docs).values())
    assert left >= 8  # nine files; the first page of the first was read

    docs._on_progress = original
    done = []
    docs.reading_done.connect(done.append)
    w.resume_button.click()
    qtbot.waitUntil(lambda: bool(done), timeout=30_000)
    qtbot.waitUntil(lambda: not docs.is_reading)
    assert not done[-1].cancelled
    got = states(docs)
    assert [n for n, (s, _r) in got.items() if s != "ready"] == ["broken.pdf"]
    assert not w.resume_button.isVisible() and not w.progress.isVisible()


def test_turning_a_collection_off_says_documents_off(qtbot, cloud_window, tmp_path):
    window, services = cloud_window
    docs = window.documents
    read_dropped(qtbot, window, taxes_folder(tmp_path))
    docs.docs_window.switches["Taxes 2026"].click()
    qtbot.waitUntil(lambda: docs.chip.text() == "Documents off")
    assert not docs.in_use
    menu = docs.chip.open_menu()
    [taxes] = [a for a in menu.actions() if a.text() == "Taxes 2026"]
    menu.close()
    taxes.trigger()
    qtbot.waitUntil(lambda: docs.chip.text() == "Documents: Taxes 2026")


def test_ask_with_documents_cites_the_page_and_opens_the_passage(
    qtbot,
    cloud_window,
    openai_server,
    tmp_path,
):
    window, _services = cloud_window
    docs = window.documents
    read_dropped(qtbot, window, taxes_folder(tmp_path))
    docs.docs_window.close()
    openai_says(openai_server, "Your tax return is due on 30 April [1].")

    send_by_keyboard(qtbot, window, "When is the tax return due?")
    qtbot.waitUntil(lambda: docs.__dict__.get("confirm_dialog") is not None)
    dialog = docs.confirm_dialog
    qtbot.waitUntil(dialog.isVisible)
    heading = dialog.findChild(type(dialog.places), "dialogHeading").text()
    assert heading == "1 passage from your files will be sent to OpenAI."
    assert "report.pdf, page 2" in dialog.places.text()
    assert openai_server.requests == []  # nothing left before the user agreed
    save_shot(dialog, "docs-ui-passages-confirm.png")
    dialog.send_button.click()
    wait_until_idle(qtbot, window)

    prompt = openai_server.requests[-1].json()["messages"][-1]["content"]
    assert f"[1] report.pdf, page 2: {DUE}" in prompt
    [reply] = shown_replies(window)
    assert "Sources:" in reply.footer.text() and "[1] report.pdf, page 2" in reply.footer.text()
    assert f"hearth:{CITE}1" in reply.view.toHtml()  # the [1] in the text is a link too

    click_footer(reply, f"{CITE}1")
    panel = docs.panel
    assert panel.isVisible()
    assert panel.where.text() == "report.pdf, page 2"
    shown = panel.text.toHtml()
    assert "30 April" in shown and "background-color" in shown  # the question's words marked
    assert panel.open_button.isEnabled()
    assert panel.title.text() == "Source [1]"
    window.resize(1200, 760)
    qtbot.wait(50)
    save_shot(window, "docs-ui-chat-cited.png")
    panel.close_button.click()
    assert not panel.isVisible()


def test_cancel_before_a_cloud_send_sends_nothing(qtbot, cloud_window, openai_server, tmp_path):
    window, _services = cloud_window
    docs = window.documents
    read_dropped(qtbot, window, taxes_folder(tmp_path))
    send_by_keyboard(qtbot, window, "When is the tax return due?")
    qtbot.waitUntil(lambda: docs.__dict__.get("confirm_dialog") is not None)
    qtbot.waitUntil(docs.confirm_dialog.isVisible)
    docs.confirm_dialog.cancel_button.click()
    qtbot.waitUntil(lambda: window.composer.text() == "When is the tax return due?")
    qtbot.wait(200)
    assert openai_server.requests == [] and not window.session.busy
    assert shown_replies(window) == []


def test_reading_cancelled_resumes_at_the_next_start(qtbot, open_window, tmp_path):
    window, services = open_window()
    docs = window.documents
    original = docs._on_progress

    def cancel_at_first_page(p):
        original(p)
        docs.cancel_reading()

    docs._on_progress = cancel_at_first_page
    read_dropped(qtbot, window, taxes_folder(tmp_path, extra=3))
    assert sum(s in ("waiting", "reading") for s, _r in states(docs).values()) >= 5
    open_window.close(window, services)

    window, services = open_window()  # start() re-scans and reads after the window is shown
    docs = window.documents
    qtbot.waitUntil(lambda: docs.listing and not docs.is_reading, timeout=30_000)
    qtbot.waitUntil(lambda: all(s in ("ready", "failed") for s, _r in states(docs).values()))
    assert [n for n, (s, _r) in states(docs).items() if s == "failed"] == ["broken.pdf"]


def test_rename_and_remove_from_the_window(qtbot, cloud_window, tmp_path, monkeypatch):
    window, _services = cloud_window
    docs = window.documents
    read_dropped(qtbot, window, taxes_folder(tmp_path))
    w = docs.docs_window
    w.tree.topLevelItem(0).setSelected(True)
    monkeypatch.setattr(
        "app.ui.documents.documents_window.QInputDialog.getText",
        lambda *_a, **_k: ("Taxes (2026)", True),
    )
    w.rename_button.click()
    qtbot.waitUntil(lambda: docs.chip.text() == "Documents: Taxes (2026)")
    item = w.tree.topLevelItem(0)
    item.setExpanded(True)
    [notes] = [
        item.child(j) for j in range(item.childCount()) if item.child(j).text(0) == "notes.md"
    ]
    w.tree.clearSelection()
    notes.setSelected(True)
    assert w.remove_button.text() == "Remove file"
    w.remove_button.click()
    qtbot.waitUntil(lambda: "notes.md" not in states(docs))
    w.tree.clearSelection()
    w.tree.topLevelItem(0).setSelected(True)
    assert w.remove_button.text() == "Remove collection"
    w.remove_button.click()
    qtbot.waitUntil(lambda: docs.listing == [])
    assert docs.chip.text() == "Documents off" and w.empty.isVisible()
