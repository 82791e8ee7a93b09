"""Which GGUF files are embedding models: they make vectors for document search, never replies,
so the chat model lists leave them out."""

from __future__ import annotations

from app.core.chat import ModelInfo

# llama.cpp architectures that are encoders only (BERT and its kin): no chat is possible. An
# embedding model built on a decoder (Qwen3-Embedding is "qwen3") cannot be told by this.
EMBEDDING_ARCHITECTURES = frozenset(
    {"bert", "nomic-bert", "nomic-bert-moe", "jina-bert-v2", "jina-bert-v3", "neo-bert",
     "modern-bert", "t5encoder"}
)  # fmt: skip


def is_embedding_only(info: ModelInfo) -> bool:
    """Not a chat model: an encoder, or (a decoder such as Qwen3-Embedding) named an embedding
    model, as every one in the catalog and on the Hub is."""
    if (info.architecture or "").lower() in EMBEDDING_ARCHITECTURES:
        return True
    names = f"{info.id} {info.display_name} {info.path or ''}".lower()
    return "embed" in names


def can_embed(architecture: str | None, pooling_type: int | None) -> bool:
    """Whether llama.cpp makes one vector per text with this GGUF: an encoder, or a model whose
    metadata sets a pooling type (0 is "none": a chat model, one vector per token)."""
    return (architecture or "").lower() in EMBEDDING_ARCHITECTURES or bool(pooling_type)
