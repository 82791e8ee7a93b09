"""Which cloud models take images, from the shipped model table (resources/prices.json, whose
entries carry models.dev's input modalities as "images": true/false)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.core.chat import ModelInfo
from app.providers.prices import (
    MODELS_DEV_PROVIDERS,
    OPENROUTER_VENDORS,
    PriceBook,
    candidates,
)
from app.providers.registry import LOCAL, parse_model_id


def vision_from_models_dev(api: Mapping[str, Any]) -> dict[str, bool]:
    """Which models take images: "image" in an entry's modalities.input (models.dev)."""
    vision: dict[str, bool] = {}
    for source_id, hearth_id in MODELS_DEV_PROVIDERS.items():
        provider = api.get(source_id)
        if not isinstance(provider, Mapping):
            continue
        for key, entry in (provider.get("models") or {}).items():
            modalities = entry.get("modalities") if isinstance(entry, Mapping) else None
            inputs = modalities.get("input") if isinstance(modalities, Mapping) else None
            if isinstance(inputs, list):
                vision[f"{hearth_id}:{entry.get('id') or key}"] = "image" in inputs
    return vision


def sees_images(book: PriceBook, model: ModelInfo | str) -> bool | None:
    """Whether the table says this model takes images, by the same lookup as prices
    (aliases, family, an OpenRouter model as its vendor's); None when it does not say."""
    model_id = model.id if isinstance(model, ModelInfo) else model
    provider, name = parse_model_id(model_id)
    if provider == LOCAL:
        return None
    chains = [candidates(provider, name.removesuffix(":free"))]
    vendor, _, rest = name.partition("/")
    if provider == "openrouter" and vendor in OPENROUTER_VENDORS and rest:
        chains.append(candidates(OPENROUTER_VENDORS[vendor], rest))
        chains.append(candidates(OPENROUTER_VENDORS[vendor], rest.replace(".", "-")))
    lower = {k.lower(): v for k, v in book.table.vision.items()}
    for chain in chains:
        for key in chain:
            for candidate in (key, book.table.aliases.get(key)):
                if candidate and candidate.lower() in lower:
                    return lower[candidate.lower()]
    return None
