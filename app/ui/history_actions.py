"""Editing and resending, branches (‹ 1/2 ›), opening a chat at a message, paging long chats.

A mixin of MainWindow, kept apart so each file stays small.
"""

from __future__ import annotations


class HistoryActions:
    def setup_history(self) -> None:
        """Called once by MainWindow.__init__, after its widgets are built and connected."""
