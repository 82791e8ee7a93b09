"""The usage dashboard: what the last 30 days cost, per day, model and service; tokens in and
out; how much stayed on this computer; what this month would have cost on other models (from the
user's own token counts); and a CSV export. A plain window: it never blocks chats.
"""

from __future__ import annotations

import asyncio
import io
from datetime import date
from pathlib import Path

from PySide6.QtCharts import QChart, QChartView
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app.core.money import format_usd
from app.services import Services
from app.services.usage import Dashboard
from app.ui.costs import usage_charts as charts
from app.ui.costs.cost_text import amount_text, budget_pill_text, tokens_text
from app.ui.costs.usage_cards import StatCard, WhatIfTable, card
from app.ui.shell.buttons import dialog_button
from app.ui.shell.tasks import TaskKeeper
from app.ui.shell.theme import theme_manager

DAYS = 30
CSV_FILTER = "CSV files (*.csv)"
NOTHING_SPENT = "Nothing spent on online models this month."


class UsageDashboard(QDialog):
    settings_requested = Signal()  # "Set a budget" → Settings → Costs
    loaded = Signal()

    def __init__(self, services: Services, tasks: TaskKeeper, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("usageDashboard")
        self.setWindowTitle("Usage")
        self.setModal(False)
        self.resize(980, 780)
        self._services = services
        self._tasks = tasks
        self.data: Dashboard | None = None
        self.charts: dict[str, QChart] = {}
        self._views: dict[str, QChartView] = {}
        self._notes: dict[str, QLabel] = {}
        self._build()
        theme_manager().changed.connect(self._on_theme_changed)
        QShortcut(QKeySequence.StandardKey.Close, self, activated=self.close)

    # -- building ------------------------------------------------------------------------------

    def _build(self) -> None:
        heading = QLabel("Usage", self)
        heading.setObjectName("dialogHeading")
        self.subtitle = QLabel(self)
        self.subtitle.setObjectName("dialogText")
        self.today = StatCard("Today")
        self.month = StatCard("This month")
        self.budget = StatCard("Monthly budget")
        self.budget.set_link("Set a budget", self.settings_requested.emit)
        self.share = StatCard("On this computer")
        stats = QHBoxLayout()
        stats.setSpacing(12)
        for stat in (self.today, self.month, self.budget, self.share):
            stats.addWidget(stat, 1)
        self.what_if = WhatIfTable()
        self.what_if_intro = QLabel()
        self.what_if_intro.setObjectName("settingsText")
        self.what_if_intro.setWordWrap(True)

        grid = QGridLayout()
        grid.setSpacing(12)
        grid.addWidget(self._chart_card("spend", "Spending per day · last 30 days"), 0, 0, 1, 2)
        grid.addWidget(self._chart_card("models", "This month by model"), 1, 0)
        grid.addWidget(self._chart_card("providers", "This month by service"), 1, 1)
        grid.addWidget(self._chart_card("tokens", "Tokens per day · last 30 days"), 2, 0, 1, 2)
        grid.addWidget(self._chart_card("share", "Replies this month"), 3, 0)
        grid.addWidget(
            card("What this month would have cost", self.what_if_intro, self.what_if), 3, 1
        )
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)

        body = QWidget()
        body.setObjectName("dashboardBody")
        column = QVBoxLayout(body)
        column.setContentsMargins(24, 20, 24, 20)
        column.setSpacing(14)
        column.addWidget(heading)
        column.addWidget(self.subtitle)
        column.addLayout(stats)
        column.addLayout(grid)
        scroll = QScrollArea(self)
        scroll.setObjectName("dashboardScroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(body)

        self.export_button = dialog_button("Export CSV…", self)
        self.export_button.setToolTip("Every reply's tokens and cost, for a spreadsheet")
        self.export_button.clicked.connect(self.ask_for_export_path)
        self.export_note = QLabel(self)
        self.export_note.setObjectName("dialogHint")
        close = dialog_button("Close", self, self.close, primary=True)
        footer = QHBoxLayout()
        footer.setContentsMargins(24, 10, 24, 16)
        footer.addWidget(self.export_button)
        footer.addWidget(self.export_note, 1)
        footer.addWidget(close)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(scroll, 1)
        layout.addLayout(footer)

    def _chart_card(self, key: str, title: str) -> QFrame:
        view = charts.chart_view(QChart())
        note = QLabel()
        note.setObjectName("settingsHint")
        note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        note.hide()
        self._views[key] = view
        self._notes[key] = note
        return card(title, view, note)

    # -- showing -------------------------------------------------------------------------------

    def present(self) -> None:
        self.show()
        self.raise_()
        self.activateWindow()
        self.reload()

    def reload(self) -> asyncio.Task:
        return self._tasks.spawn(self.load(), name="dashboard")

    async def load(self) -> Dashboard:
        data = await self._services.usage.dashboard(days=DAYS)
        self.show_data(data)
        return data

    def show_data(self, data: Dashboard) -> None:
        self.data = data
        month = data.month.totals
        first = data.days[0].day if data.days else date.today()
        self.subtitle.setText(
            f"Since {first.day} {first:%B}, counted from your own replies. Models on this "
            "computer are free; online models cost what their service charges per token."
        )
        self.today.set_value(amount_text(data.today), _replies(data.today.replies))
        self.month.set_value(
            amount_text(month), tokens_text(month.input_tokens, month.output_tokens)
        )
        self._show_budget(data)
        share = data.local_vs_cloud.local_share
        self.share.set_value(
            "—" if share is None else f"{share:.0%}",
            "of this month's replies, for free" if share is not None else "No replies yet",
        )
        self._show_what_if(data)
        self._redraw()
        self.loaded.emit()

    def _show_budget(self, data: Dashboard) -> None:
        status = data.budget
        if status.budget is None:
            self.budget.set_value("No budget", "")
            self.budget.show_link(True)
            self.budget.set_level(0)
            return
        left = format_usd(status.remaining) if status.remaining else "nothing"
        self.budget.set_value(
            budget_pill_text(status).removesuffix(" budget"),
            f"{format_usd(status.spent)} spent, {left} left",
        )
        self.budget.show_link(False)
        self.budget.set_level(status.level)

    def _show_what_if(self, data: Dashboard) -> None:
        month = data.month.totals
        self.what_if_intro.setText(
            f"You paid {amount_text(month)} this month for "
            f"{tokens_text(month.input_tokens, month.output_tokens)}. "
            "The same tokens on:"
        )
        self.what_if.show_rows(data.what_if)

    def _redraw(self) -> None:
        data = self.data
        if data is None:
            return
        theme = theme_manager().theme
        by_model = data.month.by_model
        spent_models = any(m.totals.cost_usd > 0 for m in by_model)
        spent_providers = any(p.totals.cost_usd > 0 for p in data.month.by_provider)
        self._set_chart("spend", charts.spend_per_day(data.days, theme))
        self._set_chart("tokens", charts.tokens_per_day(data.days, theme))
        self._set_chart(
            "models", charts.spend_by_model(by_model, theme), "" if spent_models else NOTHING_SPENT
        )
        self._set_chart(
            "providers",
            charts.spend_by_provider(data.month.by_provider, theme),
            "" if spent_providers else NOTHING_SPENT,
        )
        split = data.local_vs_cloud
        empty = not (split.local.replies or split.cloud.replies)
        no_replies = "No replies this month yet." if empty else ""
        self._set_chart("share", charts.local_vs_online(split, theme), no_replies)

    def _on_theme_changed(self, _theme) -> None:
        self._redraw()

    def _set_chart(self, key: str, chart: QChart, empty_note: str = "") -> None:
        view = self._views[key]
        previous = view.chart()
        view.setChart(chart)
        previous.deleteLater()  # the view lets go of its old chart without deleting it
        self.charts[key] = chart
        view.setVisible(not empty_note)
        note = self._notes[key]
        note.setText(empty_note)
        note.setVisible(bool(empty_note))

    # -- CSV export ----------------------------------------------------------------------------

    def ask_for_export_path(self) -> QFileDialog:
        name = f"hearth-usage-{date.today():%Y-%m}.csv"
        dialog = QFileDialog(self, "Export usage", str(Path.home() / name))
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setNameFilters([CSV_FILTER])
        dialog.setDefaultSuffix("csv")
        dialog.fileSelected.connect(lambda chosen: self._tasks.spawn(self.export_to(Path(chosen))))
        self.file_dialog = dialog
        dialog.open()
        return dialog

    async def export_to(self, path: Path) -> int:
        """Every reply's tokens and cost as CSV; the file is written off the window's thread."""
        buffer = io.StringIO()
        count = await self._services.usage.export_csv(buffer)
        try:
            await asyncio.to_thread(_write, path, buffer.getvalue())
        except OSError as error:
            self.export_note.setText(f"Could not save {path.name}: {error.strerror or error}")
            return 0
        self.export_note.setText(f"Saved {_replies(count)} to {path.name}.")
        return count


def _write(path: Path, text: str) -> None:
    with path.open("w", encoding="utf-8", newline="") as stream:
        stream.write(text)


def _replies(count: int) -> str:
    return f"{count:,} repl{'y' if count == 1 else 'ies'}"
