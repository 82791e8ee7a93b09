"""DocumentSearch: background embedding, keyword + meaning fused, budget and overlaps, and the
choice of embedding model. Real store, real llama.cpp on tiny GGUFs."""

from __future__ import annotations

import asyncio
import threading

import pytest

from app.core.chat import ModelInfo
from app.core.context import estimate_tokens
from app.core.doc_prompt import MARKER_TOKENS, choose_passages
from app.core.documents import Passage
from app.core.embed_errors import CannotEmbed, EmbedModelNotDownloaded, EmbedModelNotFound
from app.providers.llama_embed import LlamaEmbedder
from app.services.doc_chat import DocumentChat
from app.services.doc_search import SETTING, EmbedProgress
from app.store import doc_vectors as dv
from tests.documents.embed_gguf import write_tiny_embed_gguf
from tests.documents.retrieval_rows import add_collection, add_file

FACTS = [
    "The warranty for the Aurora kettle lasts two years from the date of purchase.",
    "Returns are accepted within thirty days when the receipt is kept.",
    "The blender's motor is covered for five years; blades are not covered.",
    "Shipping to islands takes a further week and costs extra.",
    "Customer service answers the phone on weekdays between nine and five.",
    "Invoice 88213 was paid in full on the third of March.",
]


@pytest.fixture(scope="session")
def tiny_embed_gguf(tmp_path_factory):
    return write_tiny_embed_gguf(tmp_path_factory.mktemp("embed") / "tiny-embed.gguf")


def run(services, coro_fn):
    async def scenario():
        try:
            return await coro_fn()
        finally:
            await services.close()

    return asyncio.run(scenario())


def add_facts(services, facts=FACTS, name="Notes", path="/docs/notes.txt") -> list[int]:
    def write(store):
        return add_file(store, add_collection(store, name), path, list(facts))

    return services.db.call_sync(write)


def test_without_an_embedding_model_search_is_by_keywords_alone(services):
    add_facts(services)
    search = services.doc_search

    async def scenario():
        found = await search.retrieve("How long is the kettle warranty?")
        return found, await search.embedder(), await search.embed_pending()

    found, embedder, embedded = run(services, scenario)
    assert embedder is None and embedded == 0
    assert found[0].text.startswith("The warranty for the Aurora kettle")
    assert all(p.score > 0 for p in found)


def test_fusion_puts_the_exact_number_first(services, tiny_embed_gguf):
    """Meaning ranks every chunk, the exact number only one: fused, that one comes first."""
    ids = add_facts(services)
    services.settings.set(SETTING, str(tiny_embed_gguf))
    search = services.doc_search

    async def scenario():
        assert await search.embed_pending() == len(FACTS)
        embedder = await search.embedder()
        query = await embedder.embed_query("What about 88213?")
        by_meaning = await services.db.call(dv.vector_search, embedder.key, query)
        return by_meaning, await search.retrieve("What about 88213?")

    by_meaning, found = run(services, scenario)
    assert len(by_meaning) == len(FACTS)  # meaning alone ranks all six, the invoice anywhere
    assert found[0].chunk_id == ids[-1] and "88213" in found[0].text
    assert {p.chunk_id for p in found} == set(ids)  # the rest still come, from meaning


def test_embed_pending_stops_between_batches_and_resumes(services, tiny_embed_gguf, monkeypatch):
    monkeypatch.setattr("app.services.doc_search.EMBED_BATCH", 4)
    add_facts(services, [f"note number {i} about the garden" for i in range(10)])
    services.settings.set(SETTING, str(tiny_embed_gguf))
    search = services.doc_search
    stop, seen = threading.Event(), []

    def progress(p: EmbedProgress) -> None:
        seen.append((p.done, p.total))
        stop.set()  # the person pressed Stop during the first batch

    async def scenario():
        first = await search.embed_pending(progress=progress, cancel=stop)
        key = (await search.embedder()).key
        left = await services.db.call(dv.count_pending, key)
        services.db.call_sync(lambda s: add_file(s, 1, "/docs/more.txt", ["one more note"]))
        second = await search.embed_pending(progress=lambda p: seen.append((p.done, p.total)))
        return first, left, second, await services.db.call(dv.count_pending, key)

    first, left, second, after = run(services, scenario)
    assert (first, left) == (4, 6)
    assert (second, after) == (7, 0)  # the six left, and the chunk added meanwhile
    assert seen[0] == (4, 10) and seen[-1] == (7, 7)


def test_a_chat_model_is_refused_and_search_keeps_working(services, tiny_gguf, monkeypatch):
    add_facts(services)
    search = services.doc_search
    loads = []
    real_load = LlamaEmbedder._load_llama
    monkeypatch.setattr(
        LlamaEmbedder, "_load_llama", lambda self, owner: loads.append(1) or real_load(self, owner)
    )

    async def scenario():
        with pytest.raises(CannotEmbed):
            await search.use_embed_model(str(tiny_gguf))
        assert services.settings.get(SETTING) is None  # nothing changed
        services.settings.set(SETTING, str(tiny_gguf))  # chosen by hand in settings.json
        found = await search.retrieve("kettle warranty")
        assert found == await search.retrieve("kettle warranty")
        with pytest.raises(CannotEmbed):
            await search.embed_pending()
        return found

    found = run(services, scenario)
    assert found[0].text.startswith("The warranty for the Aurora kettle")
    assert loads == []  # refused from the file's header: its weights are never loaded
    assert isinstance(services.doc_search.problem, CannotEmbed)


def test_the_catalog_model_is_the_default_once_downloaded(services, data_dir, tiny_embed_gguf):
    search = services.doc_search
    suggested = search.suggested_download()
    assert suggested.file == "nomic-embed-text-v1.5.Q8_0.gguf" and suggested.verified

    async def scenario():
        before = await search.embed_model_path()
        with pytest.raises(EmbedModelNotDownloaded) as missing:
            await search.resolve_embed_model("nomic-embed-text-v1.5")
        where = search.catalog_file_path(suggested)
        where.parent.mkdir(parents=True)
        where.write_bytes(tiny_embed_gguf.read_bytes())  # as the download queue leaves it
        return before, missing.value, where, await search.embed_model_path()

    before, missing, where, after = run(services, scenario)
    assert before is None
    assert "hearth pull nomic-embed-text-v1.5" in missing.action
    assert where == data_dir / "models/nomic-ai/nomic-embed-text-v1.5-GGUF" / suggested.file
    assert after == where


def test_names_that_are_not_embedding_models_are_said_plainly(services, tmp_path):
    search = services.doc_search

    async def scenario():
        errors = []
        for name in ("qwen2.5-0.5b-instruct", "no-such-model", str(tmp_path / "gone.gguf")):
            try:
                await search.resolve_embed_model(name)
            except (CannotEmbed, EmbedModelNotFound) as err:
                errors.append(err)
        return errors

    chat, unknown, gone = run(services, scenario)
    assert isinstance(chat, CannotEmbed) and "Qwen2.5 0.5B Instruct" in chat.message
    assert unknown.message == "There is no embedding model called “no-such-model”."
    assert gone.message.startswith("There is no file at ")


def test_only_enabled_collections_are_searched_unless_named(services):
    def write(store):
        add_file(store, add_collection(store, "On"), "/a.txt", ["kettle warranty two years"])
        off = add_collection(store, "Off", enabled=False)
        add_file(store, off, "/b.txt", ["kettle warranty ten years"])
        return off

    off = services.db.call_sync(write)
    search = services.doc_search

    async def scenario():
        named = await search.retrieve("kettle", collection_ids=[off])
        return await search.retrieve("kettle"), named

    default, named = run(services, scenario)
    assert [p.path for p in default] == ["/a.txt"]
    assert [p.path for p in named] == ["/b.txt"]


def passage(chunk_id, start, end, *, file_id=1, page=None, text="x" * 40):
    return Passage(chunk_id, file_id, "/f.txt", page, None, start, end, text)


def test_overlapping_chunks_keep_the_better_one():
    ranked = [
        passage(2, 100, 200),
        passage(1, 0, 120),  # overlaps the better one
        passage(3, 200, 300),  # touches, does not overlap
        passage(4, 100, 200, page=2),  # another page
        passage(5, 100, 200, file_id=2),  # another file
    ]
    assert [p.chunk_id for p in choose_passages(ranked, 10**6)] == [2, 3, 4, 5]


def test_the_budget_keeps_the_best_that_fit():
    ranked = [passage(1, 0, 400, text="a" * 400), passage(2, 400, 4400, text="b" * 4000)]
    ranked.append(passage(3, 4400, 4800, text="c" * 400))
    # 100 tokens each, plus the marker's
    assert [p.chunk_id for p in choose_passages(ranked, 250)] == [1, 3]
    assert [p.chunk_id for p in choose_passages(ranked, 250, lambda t: 1)] == [1, 2, 3]
    assert choose_passages(ranked, 50) == []


def test_passages_read_are_embedded_in_the_background(services, tiny_embed_gguf, tmp_path):
    """The window's path: DocumentService reads a folder, each page's new passages go to
    DocumentSearch.chunks_added, which embeds them on this computer without being asked."""
    folder = tmp_path / "Kitchen"
    folder.mkdir()
    (folder / "kettle.md").write_text("# Kettle\n\n" + FACTS[0] + "\n\n" + FACTS[5], "utf-8")
    (folder / "returns.txt").write_text(FACTS[1], "utf-8")
    services.settings.set(SETTING, str(tiny_embed_gguf))

    async def scenario():
        await services.documents.add([folder])
        result = await services.documents.index()
        background = services.doc_search._background
        assert background is not None  # started by the hook, not by this test
        for _ in range(600):  # a later page may start one more run after this one
            if services.doc_search._background.done():
                break
            await asyncio.sleep(0.05)
        embedder = await services.doc_search.embedder()
        left = await services.db.call(dv.count_pending, embedder.key)
        return result, left, await services.doc_search.retrieve("invoice 88213")

    result, left, found = run(services, scenario)
    assert result.chunks >= 2 and left == 0
    assert "88213" in found[0].text


def test_the_budget_is_applied_once_by_the_one_rule_in_core(services):
    """DocumentSearch.retrieve keeps to the budget with core's choose_passages, and
    DocumentChat.find hands on what the retriever chose, without a second cut of its own."""
    add_facts(services)
    search = services.doc_search
    budget = estimate_tokens(FACTS[0]) + MARKER_TOKENS  # room for one of the two found
    seen = []

    async def scenario():
        everything = await search.retrieve("the warranty and returns", budget_tokens=10**6)
        within = await search.retrieve("the warranty and returns", budget_tokens=budget)

        async def retrieve(**kw):
            seen.append(kw["budget_tokens"])
            return everything  # a retriever's choice is not cut again

        docs = DocumentChat(db=services.db, settings=services.settings, retrieve=retrieve)
        model = ModelInfo(id="m", provider="local", display_name="m", context_length=10**6)
        plan = await docs.find(question="the warranty", model=model, collection_ids=[1])
        return everything, within, plan

    everything, within, plan = run(services, scenario)
    assert len(everything) > len(within) >= 1
    assert within == choose_passages(everything, budget)
    assert list(plan.passages) == everything and seen == [docs_budget(services)]


def docs_budget(services) -> int:
    return DocumentChat(db=services.db, settings=services.settings).budget_for(
        ModelInfo(id="m", provider="local", display_name="m", context_length=10**6)
    )
