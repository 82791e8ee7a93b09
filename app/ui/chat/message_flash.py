"""A brief tint over a message that fades away: “here it is”, after jumping to a message."""

from __future__ import annotations

from PySide6.QtCore import QEasingCurve, QEvent, QObject, QPropertyAnimation, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QGraphicsOpacityEffect, QWidget

FLASH_MS = 1800
TINT_ALPHA = 46  # of 255: visible on the bubble and the page, never hiding the words


class MessageFlash(QWidget):
    def __init__(self, target: QWidget, colour: str) -> None:
        super().__init__(target)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        tint = QColor(colour)
        tint.setAlpha(TINT_ALPHA)
        self.setStyleSheet(
            f"background: {tint.name(QColor.NameFormat.HexArgb)}; border-radius: 10px;"
        )
        self.setGeometry(target.rect())
        target.installEventFilter(self)
        effect = QGraphicsOpacityEffect(self)
        self.setGraphicsEffect(effect)
        self.fade = QPropertyAnimation(effect, b"opacity", self)
        self.fade.setDuration(FLASH_MS)
        self.fade.setKeyValues([(0.0, 1.0), (0.55, 1.0), (1.0, 0.0)])
        self.fade.setEasingCurve(QEasingCurve.Type.InOutQuad)
        self.fade.finished.connect(self.deleteLater)
        self.show()
        self.raise_()
        self.fade.start()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.Resize:
            self.setGeometry(watched.rect())
        return False


def flash(widget: QWidget, colour: str) -> MessageFlash:
    for old in widget.findChildren(MessageFlash):
        old.deleteLater()
    return MessageFlash(widget, colour)
