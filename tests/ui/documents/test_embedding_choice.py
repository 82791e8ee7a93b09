"""The Documents window says how passages are found (by meaning with which model, or by words
only) and Change… picks another embedding model: checked before it is kept, a chat model
refused in plain words, the passages embedded again with the new one."""

from __future__ import annotations

import pytest

from app.services.doc_search import SETTING
from app.store import doc_vectors
from app.ui.documents.embedding_choice import KEYWORDS_ONLY
from tests.documents.embed_gguf import write_tiny_embed_gguf
from tests.ui.support import wait_for


@pytest.fixture(scope="module")
def embed_model(tmp_path_factory):
    return write_tiny_embed_gguf(tmp_path_factory.mktemp("embed") / "tiny-embed.gguf")


def test_words_only_until_a_model_is_chosen_then_passages_are_embedded(
    qtbot, open_window, tmp_path, embed_model
):
    window, services = open_window()
    docs = window.documents
    notes = tmp_path / "notes.md"
    notes.write_text("# Boiler\n\nServiced every March by Ferris & Sons.\n")
    wait_for(qtbot, docs.add([str(notes)]))
    qtbot.waitUntil(lambda: not docs.is_reading, timeout=20000)
    choice = docs.open_window() and docs.embedding_choice
    qtbot.waitUntil(lambda: choice.text.text() == KEYWORDS_ONLY)
    assert choice.isVisible() and choice.change_button.isEnabled()

    wait_for(qtbot, choice.choose(str(embed_model)), timeout=60000)
    assert services.settings.get(SETTING) == str(embed_model.resolve())
    assert "by meaning too, with tiny-embed (on this computer)" in choice.text.text()

    async def pending():
        embedder = await services.doc_search.embedder()
        return await services.db.call(doc_vectors.count_pending, embedder.key)

    def all_embedded():
        task = window.tasks.spawn(pending())
        wait_for(qtbot, task)
        return task.result() == 0

    qtbot.waitUntil(all_embedded, timeout=60000)

    # The menu names the chosen model, checked, and offers the standard one back.
    menu = choice.open_menu()
    qtbot.waitUntil(lambda: not menu.isEmpty())
    texts = [a.text() for a in menu.actions() if not a.isSeparator()]
    assert "A model file on this computer…" in texts
    assert "Back to the standard model" in texts
    back = next(a for a in menu.actions() if a.text() == "Back to the standard model")
    back.trigger()
    wait_for(qtbot, choice.checking)
    assert services.settings.get(SETTING) is None
    assert choice.text.text() == KEYWORDS_ONLY


def test_a_chat_model_is_refused_and_nothing_changes(qtbot, open_window, tiny_gguf, embed_model):
    window, services = open_window()
    choice = window.documents.open_window() and window.documents.embedding_choice
    wait_for(qtbot, choice.choose(str(embed_model)), timeout=60000)
    wait_for(qtbot, choice.choose(str(tiny_gguf)), timeout=60000)
    assert choice.text.text().startswith("That model was not changed:")
    assert "Traceback" not in choice.text.text()
    assert services.settings.get(SETTING) == str(embed_model.resolve())
    assert choice.change_button.isEnabled()
