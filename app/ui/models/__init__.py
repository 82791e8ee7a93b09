"""Choosing and managing models: the picker (entries, delegate), the header with its where-badge,
the model manager and its per-model defaults, adding GGUF files from disk, the loading banner,
and the controller that lists, picks and switches models (model_actions)."""

# What other feature packages may use (import-linter forbids them this package's modules):
# resolved on first use, so importing the package costs nothing at start-up.
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.ui.models.loading_banner import LoadingBanner
    from app.ui.models.model_actions import REGENERATE, ModelController
    from app.ui.models.model_header import ModelHeader
    from app.ui.models.model_manager import ModelManager
    from app.ui.models.picker_entries import (
        PickerEntry,
        build_entries,
        context_length,
        context_text,
        forget_price_lookup,
        set_price_lookup,
    )
    from app.ui.models.where_badge import WhereBadge

_EXPORTS = {
    "ModelController": "app.ui.models.model_actions",
    "ModelHeader": "app.ui.models.model_header",
    "LoadingBanner": "app.ui.models.loading_banner",
    "ModelManager": "app.ui.models.model_manager",
    "PickerEntry": "app.ui.models.picker_entries",
    "REGENERATE": "app.ui.models.model_actions",
    "WhereBadge": "app.ui.models.where_badge",
    "build_entries": "app.ui.models.picker_entries",
    "context_length": "app.ui.models.picker_entries",
    "context_text": "app.ui.models.picker_entries",
    "forget_price_lookup": "app.ui.models.picker_entries",
    "set_price_lookup": "app.ui.models.picker_entries",
}

__all__ = [
    "ModelController",
    "ModelHeader",
    "LoadingBanner",
    "ModelManager",
    "PickerEntry",
    "REGENERATE",
    "WhereBadge",
    "build_entries",
    "context_length",
    "context_text",
    "forget_price_lookup",
    "set_price_lookup",
]


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
