"""The curated list of good chat models shipped in resources/catalog.json, and the embedding
models that document search can use (kind "embedding": never offered as a chat model).

The file is written by scripts/build_catalog.py. A file whose size or sha256 is still null (the
catalog was built without reaching the Hub) gets them from the Hub's API or resolve headers when
it is downloaded, and is verified against those; until then its size is an estimate from the
parameter count and the quantization's bits per weight (`size_is_estimate`).
"""

from __future__ import annotations

import json
import logging
import os
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from app.core.errors import HearthError
from app.downloads.hub_names import BITS_PER_WEIGHT, quant_from_name, sha256_or_none
from app.paths import resource_path

log = logging.getLogger(__name__)

CATALOG_FILE = "catalog.json"
CATALOG_ENV = "HEARTH_CATALOG"
SCHEMA = 1
CHAT, EMBEDDING = "chat", "embedding"  # what a catalog model is for


class CatalogUnreadable(HearthError):
    message = "The list of suggested models that comes with Hearth could not be read."
    action = "Reinstall Hearth, or search Hugging Face for a model instead."


@dataclass(frozen=True, slots=True)
class CatalogFile:
    """One downloadable file of a catalog model, with the model's facts copied in."""

    model_id: str
    model_name: str
    repo: str
    file: str
    revision: str
    quant: str | None
    size: int | None
    sha256: str | None
    license: str | None
    context_length: int | None
    parameters: int | None
    kv_bytes_per_token: int | None
    description: str
    # A vision model's image projector ("mmproj" GGUF), downloaded with it as one model.
    projector: CatalogFile | None = None

    @property
    def sees_images(self) -> bool:
        return self.projector is not None

    @property
    def size_is_estimate(self) -> bool:
        return self.size is None or (self.projector is not None and self.projector.size is None)

    @property
    def size_bytes(self) -> int | None:
        """The exact size, else an estimate (parameters × bits per weight); with a projector,
        both files: what is downloaded, and what sits in memory when the model sees."""
        own = self._own_size()
        if own is None or self.projector is None:
            return own
        return own + (self.projector.size_bytes or 0)

    def _own_size(self) -> int | None:
        if self.size is not None:
            return self.size
        bits = BITS_PER_WEIGHT.get(self.quant or "")
        return int(self.parameters * bits / 8) if self.parameters and bits else None

    @property
    def short_name(self) -> str:
        return re.sub(r"\.gguf$", "", self.file.rsplit("/", 1)[-1], flags=re.IGNORECASE)

    @property
    def verified(self) -> bool:
        """Size and sha256 were read from the Hub when the catalog was built."""
        return self.size is not None and self.sha256 is not None


@dataclass(frozen=True, slots=True)
class CatalogModel:
    id: str
    name: str
    family: str
    repo: str
    license: str | None
    parameters: int | None
    context_length: int | None
    description: str
    languages: tuple[str, ...]
    files: tuple[CatalogFile, ...]
    kind: str = CHAT

    @property
    def is_embedding(self) -> bool:
        return self.kind == EMBEDDING

    def file_for(self, quant: str) -> CatalogFile | None:
        return next((f for f in self.files if (f.quant or "").upper() == quant.upper()), None)


@dataclass(frozen=True, slots=True)
class Catalog:
    models: tuple[CatalogModel, ...]  # chat models: what the lists and "what fits" offer
    first_run: str | None
    generated: str | None
    # For document search only; found by name (model(), find()) but never listed as chat models.
    embedding_models: tuple[CatalogModel, ...] = ()

    def model(self, model_id: str) -> CatalogModel | None:
        everything = (*self.models, *self.embedding_models)
        return next((m for m in everything if m.id.lower() == model_id.lower()), None)

    @property
    def first_run_model(self) -> CatalogModel | None:
        """The small model suggested on a fresh install."""
        return self.model(self.first_run) if self.first_run else None

    def find(self, name: str) -> tuple[CatalogModel, CatalogFile | None] | None:
        """By model id ("qwen2.5-0.5b-instruct"), id:quant ("…:Q8_0"), or installed short name
        ("qwen2.5-0.5b-instruct-q4_k_m"). The file is None when only the model was named."""
        wanted = name.strip()
        base, _, quant = wanted.partition(":")
        model = self.model(base)
        if model is not None:
            return model, model.file_for(quant) if quant else None
        for model in (*self.models, *self.embedding_models):
            for file in model.files:
                if wanted.lower() in (file.short_name.lower(), file.file.lower()):
                    return model, file
        return None


def load_catalog(path: Path | None = None) -> Catalog:
    """The catalog at `path`, else at $HEARTH_CATALOG (an organisation's own list, or a test's),
    else the shipped one. Cached per file."""
    chosen = os.environ.get(CATALOG_ENV)
    return _load(path or (Path(chosen) if chosen else resource_path(CATALOG_FILE)))


@cache
def _load(path: Path) -> Catalog:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return parse_catalog(data)
    except (OSError, ValueError, KeyError, TypeError) as err:
        log.exception("Catalog %s unreadable", path)
        raise CatalogUnreadable() from err


def parse_catalog(data: dict[str, Any]) -> Catalog:
    if data.get("schema", SCHEMA) != SCHEMA:
        raise ValueError(f"catalog schema {data.get('schema')} is not {SCHEMA}")
    models = [_model(m) for m in data["models"]]
    return Catalog(
        models=tuple(m for m in models if not m.is_embedding),
        first_run=data.get("first_run"),
        generated=data.get("generated"),
        embedding_models=tuple(m for m in models if m.is_embedding),
    )


def _model(m: dict[str, Any]) -> CatalogModel:
    files = tuple(_file(m, f) for f in m["files"])
    return CatalogModel(
        id=m["id"],
        name=m.get("name") or m["id"],
        family=m.get("family") or "",
        repo=m["repo"],
        license=m.get("license"),
        parameters=m.get("parameters"),
        context_length=m.get("context_length"),
        description=m.get("description") or "",
        languages=tuple(m.get("languages") or ()),
        files=files,
        kind=m.get("kind") or CHAT,
    )


def _file(m: dict[str, Any], f: dict[str, Any]) -> CatalogFile:
    """One file; a vision model's projector is named by the file ("projector") or, shared by
    every quantization, by the model."""
    projector = f.get("projector") or m.get("projector")
    return _one_file(m, f, _one_file(m, projector) if projector else None)


def _one_file(
    m: dict[str, Any], f: dict[str, Any], projector: CatalogFile | None = None
) -> CatalogFile:
    return CatalogFile(
        model_id=m["id"],
        model_name=m.get("name") or m["id"],
        repo=f.get("repo") or m["repo"],
        file=f["file"],
        revision=f.get("revision") or m.get("revision") or "main",
        quant=f.get("quant") or quant_from_name(f["file"]),
        size=f.get("size"),
        sha256=sha256_or_none(f.get("sha256")),
        license=f.get("license") or m.get("license"),
        context_length=f.get("context_length") or m.get("context_length"),
        parameters=f.get("parameters") or m.get("parameters"),
        kv_bytes_per_token=m.get("kv_bytes_per_token"),
        description=m.get("description") or "",
        projector=projector,
    )
