"""A one-line label that ends in “…” when its text does not fit, with the whole text in its
tooltip: narrow sidebars and windows of 800 px never cut words off mid-letter."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QLabel, QWidget


class ElidedLabel(QLabel):
    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._full = ""
        self._own_tip = ""
        self.setText(text)

    def full_text(self) -> str:
        return self._full

    def setText(self, text: str) -> None:  # noqa: N802
        self._full = text
        self._elide()

    def setToolTip(self, tip: str) -> None:  # noqa: N802
        self._own_tip = tip
        self._elide()

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        # As narrow as “W…”: the layout may squeeze it instead of the sidebar growing.
        hint = super().minimumSizeHint()
        return QSize(self.fontMetrics().horizontalAdvance("W…"), hint.height())

    def sizeHint(self) -> QSize:  # noqa: N802
        hint = super().sizeHint()
        return QSize(self.fontMetrics().horizontalAdvance(self._full) + 2, hint.height())

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        width = max(0, self.contentsRect().width())
        shown = self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideRight, width)
        super().setText(shown)
        cut = shown != self._full
        tip = "\n".join(t for t in (self._full if cut else "", self._own_tip) if t)
        super().setToolTip(tip)
