"""An on/off switch, as in the system's own settings; keyboard (Space) and mouse both work."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QAbstractButton, QWidget

from app.ui.shell.theme import current_theme

TRACK_W, TRACK_H = 38, 22
KNOB_MARGIN = 3


class Switch(QAbstractButton):
    def __init__(self, accessible_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setCheckable(True)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAccessibleName(accessible_name)
        self.setFixedSize(self.sizeHint())

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(TRACK_W + 4, TRACK_H + 4)

    def paintEvent(self, _event) -> None:  # noqa: N802
        theme = current_theme()
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        track = QRectF(2, 2, TRACK_W, TRACK_H)
        on = self.isChecked()
        if not self.isEnabled():
            fill = theme.hover
        else:
            fill = theme.accent if on else theme.faint
        painter.setPen(Qt.PenStyle.NoPen)
        if self.hasFocus():
            painter.setBrush(QColor(theme.accent_hover if on else theme.faint))
            painter.drawRoundedRect(track.adjusted(-2, -2, 2, 2), TRACK_H / 2 + 2, TRACK_H / 2 + 2)
        painter.setBrush(QColor(fill))
        painter.drawRoundedRect(track, TRACK_H / 2, TRACK_H / 2)
        size = TRACK_H - 2 * KNOB_MARGIN
        x = track.right() - KNOB_MARGIN - size if on else track.left() + KNOB_MARGIN
        painter.setBrush(QColor("#FFFFFF"))
        painter.drawEllipse(QRectF(x, track.top() + KNOB_MARGIN, size, size))
        painter.end()
