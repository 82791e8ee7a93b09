"""Tiny embedding GGUFs that real llama.cpp loads with embedding=True.

tests/gguf_factory.py writes a tiny llama chat model; an embedding model is the same network
with a pooling type in its metadata (llama.cpp then gives one vector per text, the mean of the
token states, instead of one per token) and no chat template. The weights are random, but mean
pooling keeps texts that share words closer than texts that do not.
"""

from __future__ import annotations

import os
from pathlib import Path

import gguf
from gguf.scripts.gguf_new_metadata import MetadataDetails, copy_with_new_metadata

from tests.gguf_factory import write_tiny_gguf


def write_tiny_embed_gguf(
    path: str | os.PathLike,
    *,
    name: str = "Tiny Embed",
    pooling: gguf.PoolingType = gguf.PoolingType.MEAN,
    **shape,
) -> Path:
    """A llama GGUF with `pooling` and general.name `name` (prefixes are chosen by name)."""
    path = Path(path)
    chat = write_tiny_gguf(path.with_suffix(".chat.tmp"), chat_template=None, **shape)
    reader = gguf.GGUFReader(chat)
    try:
        writer = gguf.GGUFWriter(path, arch="llama")
        string, uint32 = gguf.GGUFValueType.STRING, gguf.GGUFValueType.UINT32
        copy_with_new_metadata(
            reader,
            writer,
            {
                gguf.Keys.General.NAME: MetadataDetails(string, name),
                "llama.pooling_type": MetadataDetails(uint32, int(pooling)),
            },
            [],
        )
    finally:
        del reader
        chat.unlink()
    return path
