"""The embedder: real llama.cpp on a tiny embedding GGUF (tests/documents/embed_gguf.py)."""

from __future__ import annotations

import asyncio
import json
import threading
from dataclasses import replace

import numpy as np
import pytest

from app.core.chat import ModelInfo
from app.core.embed_errors import CannotEmbed
from app.core.errors import Cancelled
from app.providers import llama_probe
from app.providers.gguf_info import read_gguf_details
from app.providers.llama_embed import LlamaEmbedder, Prefixes, normalised, prefixes_for
from tests.documents.embed_gguf import write_tiny_embed_gguf


@pytest.fixture(scope="session")
def tiny_embed_gguf(tmp_path_factory):
    folder = tmp_path_factory.mktemp("embed")
    return write_tiny_embed_gguf(folder / "nomic-embed-tiny.gguf", name="nomic-embed-text tiny")


def embed(embedder: LlamaEmbedder, coro_fn):
    async def scenario():
        try:
            return await coro_fn()
        finally:
            await embedder.close()

    return asyncio.run(scenario())


def test_vectors_are_one_normalised_float32_row_per_text(tiny_embed_gguf, data_dir):
    embedder = LlamaEmbedder(tiny_embed_gguf, config_dir=data_dir, batch_texts=2)
    texts = ["the warranty lasts seven years", "a blue kettle", "the warranty lasts seven years"]

    async def scenario():
        docs = await embedder.embed_documents(texts)
        query = await embedder.embed_query("the warranty lasts seven years")
        return docs, query

    docs, query = embed(embedder, scenario)
    assert docs.dtype == np.float32 and docs.shape == (3, 64) and embedder.dim == 64
    assert np.allclose(np.linalg.norm(docs, axis=1), 1.0, atol=1e-5)
    assert np.allclose(docs[0], docs[2])  # batches of two: the third text came alone
    assert not np.allclose(docs[0], docs[1])
    # The nomic prefixes: the same words as a query and as a document are different inputs.
    assert embedder.prefixes == Prefixes("search_document: ", "search_query: ")
    assert query.shape == (64,) and not np.allclose(query, docs[0])
    assert embedder.key == "nomic-embed-tiny"


def test_a_chat_model_is_refused_in_plain_words(tiny_gguf, data_dir):
    embedder = LlamaEmbedder(tiny_gguf, config_dir=data_dir)
    with pytest.raises(CannotEmbed) as caught:
        embed(embedder, embedder.load)
    assert "“Tiny Llama” can't be used to search documents by meaning" in caught.value.plain()
    assert "nomic-embed-text-v1.5" in caught.value.action
    assert not embedder.loaded


def test_the_cpu_probes_remembered_configuration_is_used(tiny_embed_gguf, data_dir):
    """Like a chat model, the embedding model loads the way the probe found safe here."""
    entry = {"config": {"name": "no_extra_bufts", "use_extra_bufts": False}}
    (data_dir / llama_probe.CACHE_NAME).write_text(json.dumps({llama_probe.identity_key(): entry}))
    embedder = LlamaEmbedder(tiny_embed_gguf, config_dir=data_dir)

    async def scenario():
        await embedder.load()
        return embedder._owner.llama._use_extra_bufts

    assert embed(embedder, scenario) is False


def test_a_stop_is_seen_between_batches(tiny_embed_gguf, data_dir):
    embedder = LlamaEmbedder(tiny_embed_gguf, config_dir=data_dir, batch_texts=1)
    stop = threading.Event()
    stop.set()
    with pytest.raises(Cancelled):
        embed(embedder, lambda: embedder.embed_documents(["one", "two"], stop=stop))


def test_prefixes_are_data_keyed_by_name_then_architecture(tiny_embed_gguf, tmp_path):
    details = read_gguf_details(tiny_embed_gguf)
    assert prefixes_for(details).document == "search_document: "

    def named(name: str, arch: str = "bert"):
        info = ModelInfo(name, "local", name, path=f"/m/{name}.gguf", architecture=arch)
        return prefixes_for(replace(details, model_info=info))

    assert named("bge-small-en-v1.5").query.startswith("Represent this sentence")
    assert named("bge-small-en-v1.5").document == ""
    assert named("bge-m3") == Prefixes()
    assert named("multilingual-e5-small") == Prefixes("passage: ", "query: ")
    assert named("all-MiniLM-L6-v2") == Prefixes()
    assert named("Some Export", arch="nomic-bert").query == "search_query: "


def test_normalised_keeps_zero_rows_zero():
    rows = normalised(np.array([[3.0, 4.0], [0.0, 0.0]]))
    assert rows.dtype == np.float32
    assert np.allclose(rows, [[0.6, 0.8], [0.0, 0.0]])
