"""Projector ("mmproj") GGUF files written with the gguf package.

`write_projector` is a header-only look-alike (architecture `clip`, one tensor): detected and
paired, but refused by llama.cpp's loader. `write_tiny_projector` is a real, tiny CLIP vision
tower with LLaVA's two-layer MLP projector: llama.cpp's mtmd loads it beside a tiny llama model
(tests/gguf_factory.py) and encodes pictures with it, so the whole local vision path runs for
real. Its weights are random: what the model "sees" is noise, the path is what is tested.
(LLaVA's projector, not SmolVLM's idefics3: idefics3 wraps each picture in special tokens such
as <fake_token_around_image>, which the tiny vocabulary does not have.)
"""

from __future__ import annotations

import os
from pathlib import Path

import gguf
import numpy as np


def write_projector(path: str | os.PathLike, *, name: str = "Tiny projector") -> Path:
    path = Path(path)
    writer = gguf.GGUFWriter(str(path), "clip")
    writer.add_name(name)
    writer.add_bool("clip.has_vision_encoder", True)
    writer.add_string("clip.projector_type", "mlp")
    writer.add_tensor("mm.0.weight", np.zeros((8, 8), dtype=np.float32))
    _finish(writer)
    return path


def write_tiny_projector(
    path: str | os.PathLike,
    *,
    text_embd: int = 64,  # the language model's n_embd (tests/gguf_factory's default)
    embd: int = 32,
    patch: int = 8,
    image: int = 32,
    ff: int = 64,
    layers: int = 1,
    seed: int = 0,
) -> Path:
    path = Path(path)
    w = gguf.GGUFWriter(str(path), "clip")
    w.add_name("Tiny vision projector")
    w.add_bool("clip.has_vision_encoder", True)
    w.add_string("clip.projector_type", "mlp")
    w.add_uint32("clip.vision.image_size", image)
    w.add_uint32("clip.vision.patch_size", patch)
    w.add_uint32("clip.vision.embedding_length", embd)
    w.add_uint32("clip.vision.feed_forward_length", ff)
    w.add_uint32("clip.vision.projection_dim", text_embd)
    w.add_uint32("clip.vision.block_count", layers)
    w.add_uint32("clip.vision.attention.head_count", 2)
    w.add_float32("clip.vision.attention.layer_norm_epsilon", 1e-6)
    w.add_array("clip.vision.image_mean", [0.5, 0.5, 0.5])
    w.add_array("clip.vision.image_std", [0.5, 0.5, 0.5])
    w.add_bool("clip.use_gelu", True)
    rng = np.random.default_rng(seed)

    def rand(name: str, *shape: int) -> None:  # numpy shapes are ggml's, reversed
        w.add_tensor(name, (rng.standard_normal(shape) * 0.02).astype(np.float32))

    def const(name: str, n: int, value: float) -> None:
        w.add_tensor(name, np.full(n, value, dtype=np.float32))

    rand("v.patch_embd.weight", embd, 3, patch, patch)
    const("v.patch_embd.bias", embd, 0.0)
    rand("v.position_embd.weight", (image // patch) ** 2, embd)
    for i in range(layers):
        for name in ("attn_q", "attn_k", "attn_v", "attn_out"):
            rand(f"v.blk.{i}.{name}.weight", embd, embd)
            const(f"v.blk.{i}.{name}.bias", embd, 0.0)
        for norm in ("ln1", "ln2"):
            const(f"v.blk.{i}.{norm}.weight", embd, 1.0)
            const(f"v.blk.{i}.{norm}.bias", embd, 0.0)
        rand(f"v.blk.{i}.ffn_up.weight", ff, embd)
        const(f"v.blk.{i}.ffn_up.bias", ff, 0.0)
        rand(f"v.blk.{i}.ffn_down.weight", embd, ff)
        const(f"v.blk.{i}.ffn_down.bias", embd, 0.0)
    const("v.post_ln.weight", embd, 1.0)
    const("v.post_ln.bias", embd, 0.0)
    rand("mm.0.weight", text_embd, embd)
    const("mm.0.bias", text_embd, 0.0)
    rand("mm.2.weight", text_embd, text_embd)
    const("mm.2.bias", text_embd, 0.0)
    _finish(w)
    return path


def _finish(writer: gguf.GGUFWriter) -> None:
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
