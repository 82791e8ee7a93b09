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
    return (info.architecture or "").lower() in EMBEDDING_ARCHITECTURES
