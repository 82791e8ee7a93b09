"""Memory, personas, the conversation's system prompt and automatic titles.

A mixin of MainWindow, kept apart so each file stays small.
"""

from __future__ import annotations


class MemoryActions:
    def setup_memory(self) -> None:
        """Called once by MainWindow.__init__, after its widgets are built and connected."""
