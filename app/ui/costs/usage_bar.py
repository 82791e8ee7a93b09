"""The slim bar at the bottom of the window: today's and this month's spending, and the budget.

“Today $0.0123 · November $1.20” opens the usage dashboard; the budget pill, shown only when a
monthly budget is set, turns amber at 50%, orange at 80% and red at 100% (the tooltip says why in
plain words) and opens Settings → Costs.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QStatusBar, QWidget

from app.services.usage import BudgetStatus
from app.store.usage import Totals
from app.ui.costs.cost_text import amount_text, budget_pill_text, budget_tip, totals_tip

DASHBOARD_TIP = "Open the usage dashboard ({keys})"


class UsageBar(QStatusBar):
    dashboard_requested = Signal()
    budget_requested = Signal()

    def __init__(self, shortcut_text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("usageBar")
        self.setSizeGripEnabled(False)
        self.summary = QPushButton("", self)
        self.summary.setObjectName("usageSummary")
        self.summary.setCursor(Qt.CursorShape.PointingHandCursor)
        self.summary.clicked.connect(self.dashboard_requested)
        self._summary_tip = DASHBOARD_TIP.format(keys=shortcut_text)
        self.pill = QPushButton("", self)
        self.pill.setObjectName("budgetPill")
        self.pill.setCursor(Qt.CursorShape.PointingHandCursor)
        self.pill.clicked.connect(self.budget_requested)
        self.pill.hide()
        holder = QWidget(self)
        row = QHBoxLayout(holder)
        row.setContentsMargins(6, 0, 6, 0)
        row.setSpacing(8)
        row.addWidget(self.summary)
        row.addWidget(self.pill)
        self.addPermanentWidget(holder)
        self.status: BudgetStatus | None = None

    def set_totals(self, today: Totals, month: Totals, month_name: str) -> None:
        self.summary.setText(f"Today {amount_text(today)}  ·  {month_name} {amount_text(month)}")
        tips = [totals_tip(today, "Today"), totals_tip(month, month_name), self._summary_tip]
        self.summary.setToolTip("\n".join(tips))

    def set_budget(self, status: BudgetStatus) -> None:
        self.status = status
        text = budget_pill_text(status)
        self.pill.setText(text)
        self.pill.setToolTip(budget_tip(status))
        if self.pill.property("level") != status.level:
            self.pill.setProperty("level", status.level)
            self.pill.style().unpolish(self.pill)
            self.pill.style().polish(self.pill)
        self.pill.setVisible(bool(text))
