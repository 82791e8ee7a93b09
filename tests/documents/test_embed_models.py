"""Which GGUFs are embedding models (never offered as chat models) and which can embed (a chat
model is refused as the embedding model from its header)."""

from __future__ import annotations

from app.core.chat import ModelInfo
from app.core.embed_models import can_embed, is_embedding_only
from app.providers.gguf_info import read_gguf_details
from tests.documents.embed_gguf import write_tiny_embed_gguf


def info(name: str, arch: str) -> ModelInfo:
    return ModelInfo(id=name, provider="local", display_name=name, architecture=arch)


def test_embedding_models_are_not_chat_models_even_on_a_decoder():
    assert is_embedding_only(info("nomic-embed-text-v1.5.Q8_0", "nomic-bert"))
    assert is_embedding_only(info("Qwen3-Embedding-0.6B-Q8_0", "qwen3"))  # a decoder
    assert not is_embedding_only(info("Qwen3-4B-Q4_K_M", "qwen3"))


def test_only_a_model_with_pooling_can_embed(tmp_path, tiny_gguf):
    embed = read_gguf_details(write_tiny_embed_gguf(tmp_path / "tiny-embed.gguf"))
    chat = read_gguf_details(tiny_gguf)
    assert embed.pooling_type and can_embed(embed.model_info.architecture, embed.pooling_type)
    assert not can_embed(chat.model_info.architecture, chat.pooling_type)
    assert can_embed("bert", None)
