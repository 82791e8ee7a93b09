"""What replies cost: the usage bar and budget pill, the usage dashboard with its cards and charts,
the cost texts (no Qt), the costs settings page and price overrides, the budget confirmation,
and the controller (cost_actions)."""

# What other feature packages may use (import-linter forbids them this package's modules):
# resolved on first use, so importing the package costs nothing at start-up.
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.ui.costs.cost_actions import CostController
    from app.ui.costs.cost_text import CostNote, tokens_text
    from app.ui.costs.costs_page import CostsPage

_EXPORTS = {
    "CostController": "app.ui.costs.cost_actions",
    "CostNote": "app.ui.costs.cost_text",
    "CostsPage": "app.ui.costs.costs_page",
    "tokens_text": "app.ui.costs.cost_text",
}

__all__ = [
    "CostController",
    "CostNote",
    "CostsPage",
    "tokens_text",
]


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
