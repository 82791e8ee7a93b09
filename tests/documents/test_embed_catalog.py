"""The catalog's embedding model: found by name, never offered as a chat model, and once
downloaded kept out of the chat lists while the model manager still shows it."""

from __future__ import annotations

import asyncio

from app.downloads.catalog import load_catalog
from tests.gguf_factory import write_unknown_arch_gguf


def test_the_embedding_model_is_found_by_name_but_never_listed_for_chat(services):
    catalog = load_catalog()
    (embed,) = catalog.embedding_models
    assert embed.id == "nomic-embed-text-v1.5" and embed.is_embedding
    assert all(not m.is_embedding for m in catalog.models)
    assert catalog.find("nomic-embed-text-v1.5:Q8_0")[1].size == 146_146_432
    assert catalog.find("nomic-embed-text-v1.5.Q4_K_M")[1].quant == "Q4_K_M"
    assert all(f.verified and f.revision == embed.files[0].revision for f in embed.files)
    suggestion = services.downloads.first_run_suggestion()
    assert suggestion is None or suggestion.model_id != embed.id


def test_a_downloaded_embedding_model_stays_out_of_the_chat_lists(services, tmp_path, tiny_gguf):
    encoder = write_unknown_arch_gguf(tmp_path / "nomic-embed-text-v1.5.Q8_0.gguf", "nomic-bert")

    async def scenario():
        try:
            added, failed = await services.models.add_from_disk([tiny_gguf, encoder])
            assert not failed
            chat = [m.id for m in await services.models.list_models()]
            picker = [m.id for m in (await services.models.all_models())[0].models]
            manager = [i.info.id for i in await services.downloads.installed()]
            chosen = await services.chat.pick_model(None)
            return chat, picker, manager, chosen.id
        finally:
            await services.close()

    chat, picker, manager, chosen = asyncio.run(scenario())
    assert chat == picker == ["tiny-chat"]
    assert sorted(manager) == ["nomic-embed-text-v1.5.Q8_0", "tiny-chat"]
    assert chosen == "tiny-chat"  # the newest file is the encoder: never the chat's default
