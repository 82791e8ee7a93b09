"""Searching all chats: the panel, its delegate and texts, and the controller (search_actions)."""

# What other feature packages may use (import-linter forbids them this package's modules):
# resolved on first use, so importing the package costs nothing at start-up.
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.ui.search.search_text import NOTHING_TO_FIND, highlight_colours, highlight_pattern

_EXPORTS = {
    "NOTHING_TO_FIND": "app.ui.search.search_text",
    "highlight_colours": "app.ui.search.search_text",
    "highlight_pattern": "app.ui.search.search_text",
}

__all__ = [
    "NOTHING_TO_FIND",
    "highlight_colours",
    "highlight_pattern",
]


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
