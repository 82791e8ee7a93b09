"""The main window's two panes, laid out: the sidebar (conversations, toasts, the downloads
indicator, Settings, Models and Documents) and the chat pane (header, chat and the passage side
panel, loading banner, the documents chip and the composer). Only layout lives here; MainWindow
connects what the buttons and widgets do."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.services.downloads import DownloadService
from app.ui.chat.chat_view import COLUMN_MAX_WIDTH
from app.ui.downloads.download_indicator import DownloadIndicator
from app.ui.models.model_header import PICKER_SHORTCUT

COMPOSER_HINT = "Enter to send · Shift+Enter for a new line · {picker} to choose a model"
SETTINGS_SHORTCUT = QKeySequence("Ctrl+,")


class SidebarPane(QWidget):
    def __init__(self, sidebar: QWidget, toast: QWidget, downloads: DownloadService) -> None:
        super().__init__()
        # A QWidget subclass paints its style-sheet background only when asked to.
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setObjectName("sidebarPane")
        self.setMinimumWidth(180)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(sidebar, 1)
        layout.addWidget(toast)
        self.download_indicator = DownloadIndicator(downloads, self)
        indicator_row = QHBoxLayout()
        indicator_row.setContentsMargins(8, 4, 8, 0)
        indicator_row.addWidget(self.download_indicator)
        layout.addLayout(indicator_row)
        shortcut = SETTINGS_SHORTCUT.toString(QKeySequence.SequenceFormat.NativeText)
        self.settings_button = self._footer_button(
            "Settings", f"Online services, keys and privacy ({shortcut})"
        )
        self.models_button = self._footer_button(
            "Models", "The models you have, and more to download"
        )
        self.documents_button = self._footer_button(
            "Documents", "Your files, for chats to answer from"
        )
        footer = QHBoxLayout()
        footer.setContentsMargins(10, 4, 10, 10)
        footer.addWidget(self.settings_button)
        footer.addWidget(self.models_button)
        footer.addWidget(self.documents_button)
        footer.addStretch(1)
        layout.addLayout(footer)

    def _footer_button(self, text: str, tip: str) -> QPushButton:
        button = QPushButton(text, self)
        button.setObjectName("sidebarFooterButton")
        button.setCursor(Qt.CursorShape.PointingHandCursor)
        button.setToolTip(tip)
        return button


def chat_pane(
    header: QWidget,
    chat_stack: QWidget,
    banner: QWidget,
    composer: QWidget,
    *,
    side: QWidget | None = None,
    chip: QWidget | None = None,
) -> QWidget:
    """`side`: a panel beside the chat (a cited passage); `chip`: above the composer, left."""
    pane = QWidget()
    pane.setObjectName("chatPane")
    layout = QVBoxLayout(pane)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(0)
    layout.addWidget(header)
    middle = QHBoxLayout()
    middle.setContentsMargins(0, 0, 0, 0)
    middle.setSpacing(0)
    middle.addWidget(chat_stack, 1)
    if side is not None:
        middle.addWidget(side)
    layout.addLayout(middle, 1)
    layout.addLayout(centred(banner))
    picker = PICKER_SHORTCUT.toString(QKeySequence.SequenceFormat.NativeText)
    hint = QLabel(COMPOSER_HINT.format(picker=picker))
    hint.setObjectName("composerHint")
    column = QVBoxLayout()
    column.setContentsMargins(0, 6, 0, 12)
    column.setSpacing(6)
    if chip is not None:
        column.addWidget(chip, 0, Qt.AlignmentFlag.AlignLeft)
    column.addWidget(composer)
    column.addWidget(hint, 0, Qt.AlignmentFlag.AlignHCenter)
    layout.addLayout(centred(column, margin=24))
    return pane


def centred(inner, *, margin: int = 0) -> QHBoxLayout:
    """Centre a widget or layout in a column no wider than the chat's."""
    holder = QWidget()
    holder.setMaximumWidth(COLUMN_MAX_WIDTH)
    box = QVBoxLayout(holder)
    box.setContentsMargins(margin, 0, margin, 0)
    if isinstance(inner, QWidget):
        box.addWidget(inner)
    else:
        box.addLayout(inner)
    row = QHBoxLayout()
    row.setContentsMargins(0, 0, 0, 0)
    row.addStretch(1)
    row.addWidget(holder, 12)
    row.addStretch(1)
    return row
