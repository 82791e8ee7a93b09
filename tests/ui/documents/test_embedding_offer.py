"""The catalog's embedding model is offered the first time documents are added, unless one is
chosen or downloaded already, and not again once declined."""

from __future__ import annotations

from app.ui.documents.embedding_offer import OFFER_DECLINED
from tests.ui.support import wait_for


def notes(tmp_path, name="notes.md"):
    path = tmp_path / name
    path.write_text("# Boiler\n\nServiced every March.\n")
    return str(path)


def test_offered_the_first_time_and_download_queues_it(qtbot, open_window, tmp_path):
    window, services = open_window()
    suggested = services.doc_search.suggested_download()
    assert suggested is not None  # the catalog has an embedding model
    started = []

    async def start_file(*, file):
        started.append(file)
        return "job-1"

    services.downloads.start_file = start_file  # nothing leaves this test for the Hub
    docs = window.documents
    wait_for(qtbot, docs.add([notes(tmp_path)]))
    offer = docs.embedding_offer
    assert offer is not None and offer.isVisible()
    assert f"download {suggested.model_name} (" in offer.text.text()
    assert "It runs on this computer." in offer.text.text()
    offer.download_button.click()
    qtbot.waitUntil(lambda: started == [suggested])
    assert not offer.isVisible()


def test_not_offered_when_one_is_chosen(qtbot, open_window, tmp_path):
    window, services = open_window()
    services.settings.set("docs_embed_model", str(tmp_path / "missing.gguf"))
    wait_for(qtbot, window.documents.add([notes(tmp_path)]))
    assert window.documents.embedding_offer is None


def test_not_now_is_remembered(qtbot, open_window, tmp_path):
    window, services = open_window()
    docs = window.documents
    wait_for(qtbot, docs.add([notes(tmp_path)], "Home"))
    docs.embedding_offer.not_now_button.click()
    assert services.settings.get(OFFER_DECLINED)
    wait_for(qtbot, docs.remove("Home"))
    docs.embedding_offer = None
    wait_for(qtbot, docs.add([notes(tmp_path, "more.md")], "Home"))
    assert docs.embedding_offer is None
