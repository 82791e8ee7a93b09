"""Settings → Costs: the monthly budget and its hard stop, the model local replies are compared
with, the user's own prices, and refreshing Hearth's price list."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app.core.money import InvalidPrice, decimal_text, format_usd, to_decimal
from app.services import Services
from app.services.usage import WHAT_IF_MODELS, PriceRefresh, short_name
from app.ui.costs.cost_text import price_cell
from app.ui.costs.price_overrides import PriceOverrides
from app.ui.costs.usage_charts import provider_name
from app.ui.settings import separator, setting_row
from app.ui.shell.buttons import dialog_button
from app.ui.shell.switch import Switch
from app.ui.shell.tasks import TaskKeeper

BUDGET_TEXT = (
    "What you are happy to spend on online models each month. Hearth tells you at half, at 80% "
    "and when it is used up. Models on this computer are always free."
)
HARD_STOP_TEXT = (
    "Before a message would take you over the budget, Hearth asks whether to send it anyway."
)
REFERENCE_TEXT = (
    "Under each reply written on this computer, Hearth shows what it would have cost on this model."
)
OVERRIDES_TEXT = (
    "Paying a different price, or using a model Hearth does not know? Enter its price in dollars "
    "per million tokens. Your prices are used instead of Hearth's list."
)
OFFLINE_REFRESH = (
    "Offline mode is on, so Hearth cannot fetch new prices. Turn it off in Privacy to refresh."
)


class CostsPage(QWidget):
    changed = Signal()  # a budget, price or the reference model changed
    dashboard_requested = Signal()

    def __init__(self, services: Services, tasks: TaskKeeper, parent=None) -> None:
        super().__init__(parent)
        self._services = services
        self._tasks = tasks
        self.budget_edit = QLineEdit(self)
        self.budget_edit.setObjectName("settingsField")
        self.budget_edit.setPlaceholderText("No budget")
        self.budget_edit.setFixedWidth(140)
        self.budget_edit.setToolTip("Dollars per month, e.g. 20. Leave empty for no budget.")
        self.budget_edit.editingFinished.connect(self.save_budget)
        self.budget_note = QLabel(self)
        self.budget_note.setObjectName("testResult")
        self.budget_note.setWordWrap(True)
        self.hard_stop = Switch("Ask before going over the budget", self)
        self.hard_stop.toggled.connect(self._set_hard_stop)
        self.reference = QComboBox(self)
        self.reference.setObjectName("settingsCombo")
        self.reference.setMinimumWidth(320)
        self.reference.currentIndexChanged.connect(self._set_reference)
        self.overrides = PriceOverrides(services, self)
        self.overrides.changed.connect(self._prices_changed)
        self.refresh_button = dialog_button(
            "Refresh prices", self, lambda: self._tasks.spawn(self.refresh_prices())
        )
        self.price_list = QLabel(self)
        self.price_list.setObjectName("settingsText")
        self.price_list.setWordWrap(True)
        self.refresh_note = QLabel(self)
        self.refresh_note.setObjectName("testResult")
        self.refresh_note.setWordWrap(True)
        self.dashboard_link = QPushButton("Open the usage dashboard", self)
        self.dashboard_link.setObjectName("linkButton")
        self.dashboard_link.setCursor(Qt.CursorShape.PointingHandCursor)
        self.dashboard_link.clicked.connect(self.dashboard_requested)
        self._build()
        self.refresh()

    def _build(self) -> None:
        body = QWidget()
        body.setObjectName("costsBody")
        layout = QVBoxLayout(body)
        layout.setContentsMargins(28, 18, 28, 22)
        layout.setSpacing(4)
        budget_row = QHBoxLayout()
        budget_row.addWidget(QLabel("$", self))
        budget_row.addWidget(self.budget_edit)
        a_month = QLabel("a month", self)
        a_month.setObjectName("settingsText")
        budget_row.addWidget(a_month)
        budget_row.addStretch(1)
        layout.addLayout(setting_row("Monthly budget", BUDGET_TEXT, None, self))
        layout.addLayout(budget_row)
        layout.addWidget(self.budget_note)
        layout.addLayout(setting_row("Ask before going over", HARD_STOP_TEXT, self.hard_stop, self))
        layout.addWidget(separator(self))
        layout.addLayout(setting_row("Compare local replies with", REFERENCE_TEXT, None, self))
        layout.addWidget(self.reference, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addSpacing(6)
        layout.addWidget(separator(self))
        layout.addLayout(setting_row("Your own prices", OVERRIDES_TEXT, None, self))
        layout.addWidget(self.overrides)
        layout.addWidget(separator(self))
        layout.addLayout(setting_row("Hearth's price list", "", None, self))
        layout.addWidget(self.price_list)
        refresh_row = QHBoxLayout()
        refresh_row.addWidget(self.refresh_button)
        refresh_row.addWidget(self.refresh_note, 1)
        layout.addLayout(refresh_row)
        layout.addSpacing(10)
        layout.addWidget(self.dashboard_link, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addStretch(1)
        scroll = QScrollArea(self)
        scroll.setObjectName("costsScroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(body)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)

    # -- showing -------------------------------------------------------------------------------

    def refresh(self) -> None:
        usage = self._services.usage
        budget = usage.monthly_budget
        self.budget_edit.setText("" if budget is None else decimal_text(budget))
        self.hard_stop.blockSignals(True)
        self.hard_stop.setChecked(bool(self._services.settings.get("budget_hard_stop")))
        self.hard_stop.blockSignals(False)
        self._enable_hard_stop(budget is not None)
        self._fill_reference()
        self.overrides.refresh()
        table = usage.prices.table
        when = f" as of {table.source_date}" if table.source_date else ""
        self.price_list.setText(
            f"Prices for {len(table.models)} online models{when}. Refreshing fetches today's "
            "prices from models.dev and OpenRouter."
        )

    def _fill_reference(self) -> None:
        usage = self._services.usage
        chosen = usage.reference_model_id
        ids = list(dict.fromkeys([*WHAT_IF_MODELS, chosen]))
        self.reference.blockSignals(True)
        try:
            self.reference.clear()
            for model_id in ids:
                provider = provider_name(model_id.partition(":")[0])
                price = price_cell(usage.price_for(model_id))
                self.reference.addItem(
                    f"{short_name(model_id)} · {provider}   ({price} per 1M)", model_id
                )
            self.reference.setCurrentIndex(max(self.reference.findData(chosen), 0))
        finally:
            self.reference.blockSignals(False)

    def _enable_hard_stop(self, has_budget: bool) -> None:
        self.hard_stop.setEnabled(has_budget)
        self.hard_stop.setToolTip("" if has_budget else "Set a monthly budget first.")

    # -- changing ------------------------------------------------------------------------------

    def save_budget(self) -> bool:
        text = self.budget_edit.text().strip().removeprefix("$").replace(",", "").strip()
        settings = self._services.settings
        if not text:
            value = None
        else:
            try:
                amount = to_decimal(text)
            except InvalidPrice:
                self._say(self.budget_note, f"“{text}” is not an amount. Enter dollars, e.g. 20.")
                return False
            value = decimal_text(amount) if amount > 0 else None
        if value == settings.get("monthly_budget_usd"):
            return True
        settings.set("monthly_budget_usd", value)
        budget = self._services.usage.monthly_budget
        self._enable_hard_stop(budget is not None)
        said = "No monthly budget." if budget is None else f"Saved: {format_usd(budget)} a month."
        self._say(self.budget_note, said, error=False)
        self.changed.emit()
        return True

    def _set_hard_stop(self, on: bool) -> None:
        self._services.settings.set("budget_hard_stop", on)
        self.changed.emit()

    def _set_reference(self, index: int) -> None:
        self._services.settings.set("reference_model", self.reference.itemData(index))
        self.changed.emit()

    def _prices_changed(self) -> None:
        self._fill_reference()
        self.changed.emit()

    async def refresh_prices(self) -> PriceRefresh | None:
        if self._services.providers.offline:
            self._say(self.refresh_note, OFFLINE_REFRESH, error=True)
            return None
        self.refresh_button.setEnabled(False)
        self._say(self.refresh_note, "Fetching today's prices…", error=False)
        try:
            result = await self._services.usage.refresh_prices()
        finally:
            self.refresh_button.setEnabled(True)
        self._say(self.refresh_note, _refresh_words(result), error=not _got_any(result))
        self.refresh()
        self.changed.emit()
        return result

    def _say(self, label: QLabel, text: str, *, error: bool = True) -> None:
        label.setText(text)
        label.setProperty("error", error)
        label.style().unpolish(label)
        label.style().polish(label)


def _got_any(result: PriceRefresh) -> bool:
    return bool(result.dataset_models or result.openrouter_models)


def _refresh_words(result: PriceRefresh) -> str:
    if not _got_any(result):
        return "Prices could not be refreshed; Hearth keeps the ones it has. " + " ".join(
            result.problems
        )
    parts = []
    if result.dataset_models:
        parts.append(f"{result.dataset_models} models from models.dev")
    if result.openrouter_models:
        parts.append(f"{result.openrouter_models} from OpenRouter")
    said = f"Prices updated: {' and '.join(parts)}."
    return f"{said} {' '.join(result.problems)}".strip()
