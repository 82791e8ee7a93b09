"""Projector ("mmproj") GGUF files as the tests need them: real GGUF headers with architecture
`clip` and one small tensor. llama.cpp's clip loader wants a full vision tower (patch embedding,
position embedding, every layer's attention and the projector's own tensors, in the exact names
and shapes clip.cpp checks), so these files are detected and paired but not loaded; loading one
with a model shows the plain error for a projector llama.cpp refuses."""

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
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path
