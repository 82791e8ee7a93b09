"""The usage dashboard's pieces: a card with a title, a big-number card, the what-if table."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.core.money import format_usd
from app.services.usage import WhatIf
from app.ui.costs.usage_charts import model_name, provider_name


def card(title: str, *widgets: QWidget) -> QFrame:
    """A quiet rounded box with a small heading above its contents."""
    frame = QFrame()
    frame.setObjectName("usageCard")
    heading = QLabel(title, frame)
    heading.setObjectName("cardHeading")
    layout = QVBoxLayout(frame)
    layout.setContentsMargins(16, 12, 16, 14)
    layout.setSpacing(8)
    layout.addWidget(heading)
    for widget in widgets:
        layout.addWidget(widget)
    return frame


class StatCard(QFrame):
    """ "This month" / "$1.20" / "12,345 tokens in · 3,210 out"."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("usageCard")
        heading = QLabel(title, self)
        heading.setObjectName("cardHeading")
        self.value = QLabel("…", self)
        self.value.setObjectName("statValue")
        self.detail = QLabel(self)
        self.detail.setObjectName("settingsHint")
        self.detail.setWordWrap(True)
        self.link = QPushButton(self)
        self.link.setObjectName("linkButton")
        self.link.setCursor(Qt.CursorShape.PointingHandCursor)
        self.link.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.setSpacing(2)
        layout.addWidget(heading)
        layout.addWidget(self.value)
        layout.addWidget(self.detail)
        layout.addWidget(self.link, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addStretch(1)

    def set_value(self, value: str, detail: str = "") -> None:
        self.value.setText(value)
        self.detail.setText(detail)
        self.detail.setVisible(bool(detail))

    def set_link(self, text: str, on_click: Callable[[], None]) -> None:
        self.link.setText(text)
        self.link.clicked.connect(on_click)

    def show_link(self, shown: bool) -> None:
        self.link.setVisible(shown)

    def set_level(self, level: int) -> None:
        """The budget's colour: amber at 50%, orange at 80%, red at 100%."""
        if self.value.property("level") != level:
            self.value.setProperty("level", level)
            self.value.style().unpolish(self.value)
            self.value.style().polish(self.value)


class WhatIfTable(QTableWidget):
    """This month's tokens priced on a few popular models; "price unknown" where it is."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, 2, parent)
        self.setObjectName("whatIfTable")
        self.setHorizontalHeaderLabels(["Model", "Would have cost"])
        self.verticalHeader().hide()
        self.setShowGrid(False)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        header = self.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

    def show_rows(self, rows: list[WhatIf]) -> None:
        self.setRowCount(len(rows))
        for i, row in enumerate(rows):
            provider = provider_name(row.model_id.partition(":")[0])
            name = QTableWidgetItem(f"{model_name(row.model_id)}  ·  {provider}")
            name.setToolTip(row.model_id)
            cost = QTableWidgetItem(format_usd(row.cost))
            cost.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.setItem(i, 0, name)
            self.setItem(i, 1, cost)
        height = self.horizontalHeader().height() + sum(
            self.rowHeight(i) for i in range(self.rowCount())
        )
        self.setFixedHeight(height + 4)

    def texts(self) -> list[tuple[str, str]]:
        """What each row says (model, amount), as a person reads it."""
        return [(self.item(i, 0).text(), self.item(i, 1).text()) for i in range(self.rowCount())]
