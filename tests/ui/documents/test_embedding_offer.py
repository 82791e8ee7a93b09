"""The embedding model is offered the first time documents are added, only when the catalog
has an entry of kind "embedding" (none yet on this branch: the real catalog offers nothing), and
not again once declined."""

from __future__ import annotations

from types import SimpleNamespace

from app.downloads.catalog import CatalogFile
from app.ui.documents.embedding_offer import OFFER_DECLINED
from tests import test_ui_support as support
from tests.test_ui_support import wait_for

open_window = support.open_window
qloop = support.qloop

EMBED = CatalogFile(
    model_id="nomic-embed-text-v1.5",
    model_name="Nomic Embed Text v1.5",
    repo="nomic-ai/nomic-embed-text-v1.5-GGUF",
    file="nomic-embed-text-v1.5.Q8_0.gguf",
    revision="main",
    quant="Q8_0",
    size=146_000_000,
    sha256=None,
    license="apache-2.0",
    context_length=2048,
    parameters=137_000_000,
    kv_bytes_per_token=None,
    description="",
)


def with_embedding_entry(services) -> None:
    entry = SimpleNamespace(kind="embedding", files=(EMBED,))
    services.downloads.catalog = lambda: SimpleNamespace(models=(entry,))


def notes(tmp_path, name="notes.md"):
    path = tmp_path / name
    path.write_text("# Boiler\n\nServiced every March.\n")
    return str(path)


def test_no_embedding_entry_in_the_catalog_no_offer(qtbot, open_window, tmp_path):
    window, _services = open_window()
    wait_for(qtbot, window.documents.add([notes(tmp_path)]))
    assert window.documents.embedding_offer is None


def test_offered_once_and_download_chooses_it(qtbot, open_window, tmp_path):
    window, services = open_window()
    with_embedding_entry(services)
    started = []

    async def start_file(*, file):
        started.append(file)
        return "job-1"

    services.downloads.start_file = start_file  # nothing leaves this test for the Hub
    docs = window.documents
    wait_for(qtbot, docs.add([notes(tmp_path)]))
    offer = docs.embedding_offer
    assert offer is not None and offer.isVisible()
    assert "Nomic Embed Text v1.5 (146 MB)" in offer.text.text()
    offer.download_button.click()
    qtbot.waitUntil(lambda: services.documents.embed_model == EMBED.model_id)
    assert started == [EMBED] and not offer.isVisible()


def test_not_now_is_remembered(qtbot, open_window, tmp_path):
    window, services = open_window()
    with_embedding_entry(services)
    docs = window.documents
    wait_for(qtbot, docs.add([notes(tmp_path)], "Home"))
    docs.embedding_offer.not_now_button.click()
    assert services.settings.get(OFFER_DECLINED)
    wait_for(qtbot, docs.remove("Home"))
    docs.embedding_offer = None
    wait_for(qtbot, docs.add([notes(tmp_path, "more.md")], "Home"))
    assert docs.embedding_offer is None
