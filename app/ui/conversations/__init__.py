"""The sidebar list of conversations (grouping by date, pinning, its delegate), exporting
chats, and the controller for new, open, rename and delete (conversation_actions)."""

# What other feature packages may use (import-linter forbids them this package's modules):
# resolved on first use, so importing the package costs nothing at start-up.
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.ui.conversations.conversation_actions import ConversationController
    from app.ui.conversations.conversation_groups import local_date
    from app.ui.conversations.conversation_list import ConversationList
    from app.ui.conversations.export_chats import ask_for_export_path, export_to_file

_EXPORTS = {
    "ConversationList": "app.ui.conversations.conversation_list",
    "ConversationController": "app.ui.conversations.conversation_actions",
    "ask_for_export_path": "app.ui.conversations.export_chats",
    "export_to_file": "app.ui.conversations.export_chats",
    "local_date": "app.ui.conversations.conversation_groups",
}

__all__ = [
    "ConversationList",
    "ConversationController",
    "ask_for_export_path",
    "export_to_file",
    "local_date",
]


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
