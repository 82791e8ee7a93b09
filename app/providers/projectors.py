"""Projector ("mmproj") files: the second GGUF a local vision model needs to see images.

A projector is a GGUF whose `general.architecture` is `clip` (llama.cpp's name for the image
encoder), or whose file name says mmproj. It is never a chat model on its own. A model file is
paired with the projector lying beside it: the one projector in its folder, or, when there are
several, the one whose name shares the model's stem ("mmproj-SmolVLM-256M-Instruct-f16.gguf"
beside "SmolVLM-256M-Instruct-Q8_0.gguf"). When that still leaves several, the pairing is
ambiguous and the user is asked (GPT4All and Jan make the user find the file; we find it).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path

from app.core.errors import HearthError

log = logging.getLogger(__name__)

PROJECTOR_ARCHITECTURES = frozenset({"clip", "mmproj"})
_QUANT = re.compile(r"(?:^|[-_.])(?:i?q\d[\w]*|f16|f32|bf16|fp16|fp32)$", re.IGNORECASE)
_MMPROJ = re.compile(r"mmproj(?:[-_.]?model)?", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Pairing:
    """What was found beside a model file: the projector chosen, or the candidates to ask about."""

    projector: Path | None
    candidates: tuple[Path, ...] = ()

    @property
    def ambiguous(self) -> bool:
        return self.projector is None and len(self.candidates) > 1


def named_as_projector(path: str | Path) -> bool:
    return "mmproj" in Path(path).name.lower()


def is_projector(path: str | Path, architecture: str | None) -> bool:
    """True for an image projector, which must never be listed as a chat model."""
    return (architecture or "").lower() in PROJECTOR_ARCHITECTURES or named_as_projector(path)


def stem_of(path: str | Path) -> str:
    """The part of a GGUF file name that names the model: no .gguf, no mmproj, no quant tag."""
    name = Path(path).name
    name = name[: -len(".gguf")] if name.lower().endswith(".gguf") else name
    name = _MMPROJ.sub("", name)
    while (cut := _QUANT.sub("", name)) != name:
        name = cut
    return re.sub(r"[-_. ]+", "-", name).strip("-").lower()


def projectors_beside(model_path: str | Path) -> list[Path]:
    """Projector files in the model's folder (file names first; a header read for the rest)."""
    model_path = Path(model_path)
    found = []
    try:
        siblings = sorted(p for p in model_path.parent.iterdir() if p.suffix.lower() == ".gguf")
    except OSError:
        return []
    for path in siblings:
        if path == model_path or not path.is_file():
            continue
        if named_as_projector(path) or _architecture(path) in PROJECTOR_ARCHITECTURES:
            found.append(path)
    return found


def pair(model_path: str | Path) -> Pairing:
    """The projector for a model file, found beside it; several candidates are returned to ask."""
    candidates = projectors_beside(model_path)
    if not candidates:
        return Pairing(None)
    if len(candidates) == 1:
        return Pairing(candidates[0], tuple(candidates))
    stem = stem_of(model_path)
    same = [p for p in candidates if _stems_match(stem, stem_of(p))]
    if len(same) == 1:
        return Pairing(same[0], tuple(candidates))
    return Pairing(None, tuple(same or candidates))


def _stems_match(model: str, projector: str) -> bool:
    return bool(model and projector) and (model.startswith(projector) or projector == model)


def _architecture(path: Path) -> str | None:
    from app.providers.gguf_info import read_gguf_details

    try:
        return read_gguf_details(path).model_info.architecture
    except HearthError:
        return None
    except Exception:  # a reader bug must not stop the model being added
        log.exception("Reading %s failed", path)
        return None
