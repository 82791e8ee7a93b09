"""The user's documents in the window: the Documents window (collections, their files and how
far each is read, add / rename / remove, each collection's “use in chats” switch, the reading
progress with Cancel and Resume), files and folders dropped on the window, the chip by the
composer that says whether files go with a message, the sentence before passages go to a cloud
model, the side panel that shows a cited passage, the texts they say (no Qt), and the
controller (document_actions)."""

# What other feature packages may use (import-linter forbids them this package's modules):
# resolved on first use, so importing the package costs nothing at start-up.
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.ui.documents.document_actions import CITE, DocumentController
    from app.ui.documents.documents_chip import DocumentsChip
    from app.ui.documents.passage_panel import PassagePanel

_EXPORTS = {
    "CITE": "app.ui.documents.document_actions",
    "DocumentController": "app.ui.documents.document_actions",
    "DocumentsChip": "app.ui.documents.documents_chip",
    "PassagePanel": "app.ui.documents.passage_panel",
}

__all__ = [
    "CITE",
    "DocumentController",
    "DocumentsChip",
    "PassagePanel",
]


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
