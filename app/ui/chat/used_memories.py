"""The small pop-up listing the memories a reply was given, opened from “Used N memories”."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtWidgets import QFrame, QLabel, QPushButton, QVBoxLayout, QWidget

from app.store.memory import Memory

POPUP_WIDTH = 340
# A reply is given a handful of memories; past this many the list says how many more there are.
MAX_LISTED = 12


class UsedMemoriesPopup(QFrame):
    manage_requested = Signal()

    def __init__(self, memories: list[Memory], parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Popup)
        self.setObjectName("usedMemories")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setFixedWidth(POPUP_WIDTH)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 12, 14, 10)
        layout.setSpacing(6)
        heading = QLabel("This reply was given these memories:", self)
        heading.setObjectName("usedMemoriesHeading")
        layout.addWidget(heading)
        self.items: list[QLabel] = []
        for memory in memories[:MAX_LISTED]:
            item = QLabel(f"• {memory.text}", self)
            item.setObjectName("usedMemoryItem")
            item.setWordWrap(True)
            item.setTextFormat(Qt.TextFormat.PlainText)
            item.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            layout.addWidget(item)
            self.items.append(item)
        if len(memories) > MAX_LISTED:
            more = QLabel(f"…and {len(memories) - MAX_LISTED} more", self)
            more.setObjectName("usedMemoriesHeading")
            layout.addWidget(more)
        self.manage_button = QPushButton("Manage memories…", self)
        self.manage_button.setObjectName("linkButton")
        self.manage_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.manage_button.clicked.connect(self._manage)
        layout.addWidget(self.manage_button, 0, Qt.AlignmentFlag.AlignLeft)

    def texts(self) -> list[str]:
        return [item.text().removeprefix("• ") for item in self.items]

    def show_at(self, point: QPoint) -> None:
        """Open just below `point` (global), kept on the screen."""
        self.adjustSize()
        screen = self.screen().availableGeometry() if self.screen() else None
        x, y = point.x(), point.y() + 4
        if screen is not None:
            x = max(screen.left(), min(x, screen.right() - self.width()))
            if y + self.height() > screen.bottom():
                y = point.y() - self.height() - 4
        self.move(x, y)
        self.show()

    def _manage(self) -> None:
        self.close()
        self.manage_requested.emit()
