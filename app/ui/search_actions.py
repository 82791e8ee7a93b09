"""Search every conversation (Ctrl/Cmd+Shift+F) and find in the current chat (Ctrl/Cmd+F).

A mixin of MainWindow, kept apart so each file stays small.
"""

from __future__ import annotations

from PySide6.QtGui import QKeySequence, QShortcut


class SearchActions:
    def setup_search(self) -> None:
        """Called once by MainWindow.__init__, after its widgets are built and connected."""
        QShortcut(QKeySequence.StandardKey.Find, self, activated=self.sidebar.focus_search)
