"""One conversation on screen and sending to it: the chat view and its pages, drawing and
frames, the user and assistant messages with their footer, menu and editor, markdown rendering,
the composer, find in chat, the empty chat screen, the privacy warning before a cloud send, and
the controllers for sending (send_actions) and paging through history (history_actions)."""

# What other feature packages may use (import-linter forbids them this package's modules):
# resolved on first use, so importing the package costs nothing at start-up.
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.ui.chat.assistant_message import CostNoteFor
    from app.ui.chat.chat_paging import PAGE_SIZE
    from app.ui.chat.chat_view import ChatView
    from app.ui.chat.composer import Composer
    from app.ui.chat.find_bar import FindBar
    from app.ui.chat.find_in_chat import ChatFinder
    from app.ui.chat.markdown_render import document_style_sheet, render_markdown
    from app.ui.chat.message_view import MessageView
    from app.ui.chat.retry_countdown import RetryCountdown
    from app.ui.chat.send_actions import SendController

_EXPORTS = {
    "SendController": "app.ui.chat.send_actions",
    "ChatFinder": "app.ui.chat.find_in_chat",
    "ChatView": "app.ui.chat.chat_view",
    "Composer": "app.ui.chat.composer",
    "CostNoteFor": "app.ui.chat.assistant_message",
    "FindBar": "app.ui.chat.find_bar",
    "MessageView": "app.ui.chat.message_view",
    "PAGE_SIZE": "app.ui.chat.chat_paging",
    "RetryCountdown": "app.ui.chat.retry_countdown",
    "document_style_sheet": "app.ui.chat.markdown_render",
    "render_markdown": "app.ui.chat.markdown_render",
}

__all__ = [
    "SendController",
    "ChatFinder",
    "ChatView",
    "Composer",
    "CostNoteFor",
    "FindBar",
    "MessageView",
    "PAGE_SIZE",
    "RetryCountdown",
    "document_style_sheet",
    "render_markdown",
]


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
