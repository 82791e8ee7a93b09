"""Comparing models side by side: the chooser, the view with its columns, the session that
streams each column, and the controller that starts, keeps or leaves a comparison
(compare_actions)."""

# What other feature packages may use (import-linter forbids them this package's modules):
# resolved on first use, so importing the package costs nothing at start-up.
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.ui.compare.compare_actions import CompareController
    from app.ui.compare.compare_chooser import CompareChooser
    from app.ui.compare.compare_session import CompareSession
    from app.ui.compare.compare_view import CompareView

_EXPORTS = {
    "CompareController": "app.ui.compare.compare_actions",
    "CompareView": "app.ui.compare.compare_view",
    "CompareSession": "app.ui.compare.compare_session",
    "CompareChooser": "app.ui.compare.compare_chooser",
}

__all__ = [
    "CompareController",
    "CompareView",
    "CompareSession",
    "CompareChooser",
]


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
