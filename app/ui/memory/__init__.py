"""Memories and personas: the memory manager, its rows and switches, the settings page,
suggested memories after a chat, personas (editor, page), the per-chat system prompt dialog,
and their controllers (memory_actions, persona_actions)."""

# What other feature packages may use (import-linter forbids them this package's modules):
# resolved on first use, so importing the package costs nothing at start-up.
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.ui.memory.memory_actions import MemoryController
    from app.ui.memory.memory_page import MemoryPage
    from app.ui.memory.persona_actions import PersonaController
    from app.ui.memory.personas_page import PersonasPage

_EXPORTS = {
    "PersonaController": "app.ui.memory.persona_actions",
    "MemoryController": "app.ui.memory.memory_actions",
    "MemoryPage": "app.ui.memory.memory_page",
    "PersonasPage": "app.ui.memory.personas_page",
}

__all__ = [
    "PersonaController",
    "MemoryController",
    "MemoryPage",
    "PersonasPage",
]


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
