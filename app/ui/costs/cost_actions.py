"""The cost meter in the window: each reply's cost, the chat's total, today and this month in the
status bar, the budget's warnings and hard stop, the estimate next to Send, the dashboard.

A controller MainWindow composes: it is given the services, task keeper and the widgets it
drives (header, composer, chat and compare views, toast), and asks the window only through the
narrow `CostHost` interface (the model and chat shown, Settings, keeping a dialog open). Every
total comes from the usage service, whose queries run on the database worker, so the window never
waits on disk.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QWidget

from app.core.chat import ModelInfo
from app.core.money import estimate_prompt_tokens, would_exceed
from app.core.records import Message
from app.services import Services
from app.services.usage import EXPECTED_OUTPUT_TOKENS, BudgetStatus, SendCheck
from app.ui.costs.budget_confirm import BudgetConfirm
from app.ui.costs.cost_text import (
    CostNote,
    amount_text,
    estimate_text,
    estimate_tip,
    reply_cost,
    totals_tip,
)
from app.ui.costs.usage_bar import UsageBar
from app.ui.models import forget_price_lookup, set_price_lookup

if TYPE_CHECKING:
    from app.ui.chat import ChatView, Composer
    from app.ui.compare import CompareSession, CompareView
    from app.ui.costs.usage_dashboard import UsageDashboard
    from app.ui.models import ModelHeader
    from app.ui.shell.tasks import TaskKeeper
    from app.ui.shell.toast import Toast

USAGE_SHORTCUT = QKeySequence("Ctrl+Shift+U")
# The estimate follows the typing, a moment after the last key (one cheap sync call).
ESTIMATE_DELAY_MS = 150
WARNED_KEY = "budget_warning_seen"  # {"month": "2026-11", "level": 80}: each warning once


class CostHost(Protocol):
    """What the cost meter asks of the window."""

    @property
    def current_model(self) -> ModelInfo | None: ...

    @property
    def conversation_id(self) -> int | None: ...

    def open_settings(self, page: str = ..., provider_id: str | None = ...): ...

    def _keep(self, dialog: QWidget) -> None: ...  # a non-modal dialog, kept alive while open


class CostController:
    def __init__(
        self,
        window: QWidget,
        services: Services,
        tasks: TaskKeeper,
        *,
        widgets: CostWidgets,
        host: CostHost,
    ) -> None:
        self.window = window  # parent of the usage bar, the dashboard and the budget question
        self.services = services
        self.tasks = tasks
        self.header = widgets.header
        self.composer = widgets.composer
        self.chat_view = widgets.chat_view
        self.compare_view = widgets.compare_view
        self.compare_session = widgets.compare_session
        self.toast = widgets.toast
        self.host = host
        self.usage_dashboard: UsageDashboard | None = None
        self.budget_confirm: BudgetConfirm | None = None
        keys = USAGE_SHORTCUT.toString(QKeySequence.SequenceFormat.NativeText)
        self.usage_bar = UsageBar(keys, window)
        self.usage_bar.dashboard_requested.connect(self.open_usage_dashboard)
        self.usage_bar.budget_requested.connect(lambda: self.host.open_settings("costs"))
        QShortcut(USAGE_SHORTCUT, window, activated=self.open_usage_dashboard)
        self.chat_view.set_cost_note(self.cost_note)
        self.compare_view.cost_note = self.cost_note
        set_price_lookup(self.picker_price)
        self.budget: BudgetStatus | None = None
        self._history_texts: list[str] = []  # the open chat, for the estimate
        self._typical_output: dict[str, int] = {}  # model id -> its usual reply length here
        self._estimate_timer = QTimer(window)
        self._estimate_timer.setSingleShot(True)
        self._estimate_timer.setInterval(ESTIMATE_DELAY_MS)
        self._estimate_timer.timeout.connect(self.update_estimate)
        self.composer.edit.textChanged.connect(self._estimate_timer.start)
        self.compare_session.finished.connect(self.after_reply)

    def forget_costs(self) -> None:
        """On close: the picker's price column must not call into closed services."""
        forget_price_lookup(self.picker_price)

    # -- prices and each reply's cost ------------------------------------------------------

    def cost_note(self, message: Message) -> CostNote | None:
        return reply_cost(self.services.usage, message)

    def picker_price(self, model: ModelInfo):
        price = self.services.usage.price_for(model)
        return None if price is None else (price.input, price.output)

    def on_costs_changed(self) -> None:
        """A budget, price or reference model changed in Settings: show everything again."""
        self.chat_view.set_cost_note(self.cost_note)
        self.update_estimate()
        self.tasks.spawn(self.refresh_usage(), name="usage")

    # -- totals ----------------------------------------------------------------------------

    def after_reply(self, *_args) -> None:
        self.tasks.spawn(self._after_reply(), name="after-reply")

    async def _after_reply(self) -> None:
        model = self.host.current_model
        if model is not None and not model.is_local:
            self._typical_output.pop(model.id, None)  # one more reply to learn from
        await asyncio.gather(self.refresh_chat_cost(), self.refresh_usage(), self.load_history())
        await self._learn_typical_output()

    async def refresh_chat_cost(self) -> None:
        """The header's total for the open chat."""
        cid = self.host.conversation_id
        if cid is None:
            self.header.set_chat_cost("")
            return
        totals = await self.services.usage.conversation_total(conversation_id=cid)
        if cid != self.host.conversation_id:
            return  # another chat is open now
        tip = totals_tip(totals, "This chat so far")
        self.header.set_chat_cost(amount_text(totals) if totals.replies else "", tip)

    async def refresh_usage(self) -> None:
        """Today, this month and the budget in the status bar; a warning when one is crossed."""
        usage = self.services.usage
        today, month, budget = await asyncio.gather(
            usage.today(), usage.this_month(), usage.budget_status()
        )
        self.usage_bar.set_totals(today, month, datetime.now().strftime("%B"))
        self.usage_bar.set_budget(budget)
        self.budget = budget
        self._warn_once(budget)
        self.update_estimate()
        if self.usage_dashboard is not None and self.usage_dashboard.isVisible():
            self.usage_dashboard.reload()

    def _warn_once(self, budget: BudgetStatus) -> None:
        """Each level (50, 80, 100%) is announced once a month; a raised budget resets it."""
        settings = self.services.settings
        month = datetime.now().strftime("%Y-%m")
        seen = settings.get(WARNED_KEY) or {}
        seen_level = seen.get("level", 0) if seen.get("month") == month else 0
        if budget.level != seen_level:
            settings.set(WARNED_KEY, {"month": month, "level": budget.level})
        if budget.level > seen_level and budget.message:
            self.toast.warn(budget.message, "See usage", self.open_usage_dashboard)

    # -- the estimate next to Send ---------------------------------------------------------

    async def load_history(self) -> None:
        cid = self.host.conversation_id
        messages = await self.services.conversations.messages(cid) if cid is not None else []
        if cid == self.host.conversation_id:
            self.set_history(messages)

    def set_history(self, messages: list[Message]) -> None:
        self._history_texts = [m.content for m in messages if m.content]
        self.update_estimate()

    def on_model_shown(self) -> None:
        self.update_estimate()
        self.tasks.spawn(self._learn_typical_output(), name="typical-output")

    async def _learn_typical_output(self) -> None:
        model = self.host.current_model
        if model is None or model.is_local or model.id in self._typical_output:
            return
        tokens = await self.services.usage.typical_output_tokens(model_id=model.id)
        self._typical_output[model.id] = tokens
        if self.host.current_model is model:
            self.update_estimate()

    def update_estimate(self) -> None:
        model = self.host.current_model
        if model is None or model.is_local:
            self.composer.set_estimate("")
            return
        usage = self.services.usage
        draft = self.composer.text()
        output = self._typical_output.get(model.id, EXPECTED_OUTPUT_TOKENS)
        estimate = usage.estimate_next(
            model=model,
            history_texts=self._history_texts,
            draft=draft,
            expected_output_tokens=output,
            image_sizes=self.composer.image_sizes(),  # the attached pictures, by its rule
        )
        tip = estimate_tip(
            model_name=model.display_name,
            price=usage.price_for(model),
            prompt_tokens=estimate_prompt_tokens([*self._history_texts, draft]),
            output_tokens=output,
        )
        budget = self.budget
        over = budget is not None and would_exceed(budget.spent, estimate, budget.budget)
        if over:
            tip += "\nThis message may take you over your monthly budget."
        self.composer.set_estimate(estimate_text(estimate), tip, over_budget=over)

    # -- the hard stop ---------------------------------------------------------------------

    def guard_budget(
        self,
        models: list[ModelInfo | None],
        draft: str,
        proceed: Callable[[], None],
        on_cancel: Callable[[], None] | None = None,
    ) -> None:
        """Before words go to online models with the hard stop on: ask if this would go over
        the monthly budget. Otherwise (and for models on this computer) go on at once."""
        online = [m for m in models if m is not None and not m.is_local]
        usage = self.services.usage
        if not online or not self.services.settings.get("budget_hard_stop"):
            proceed()
            return
        if usage.monthly_budget is None:
            proceed()
            return
        self.tasks.spawn(self._check_budget(online, draft, proceed, on_cancel), name="budget")

    async def _check_budget(self, online, draft, proceed, on_cancel) -> None:
        check = await self.budget_check(online, draft)
        if not check.needs_confirmation:
            proceed()
            return
        dialog = BudgetConfirm(check, self.window)

        def chosen(send_anyway: bool) -> None:
            if send_anyway:
                proceed()
            elif on_cancel is not None:
                on_cancel()

        dialog.chosen.connect(chosen)
        self.budget_confirm = dialog
        self.host._keep(dialog)
        dialog.open()

    async def budget_check(self, online: list[ModelInfo], draft: str) -> SendCheck:
        """One model: the service's own check. Compare: the estimates added up."""
        usage = self.services.usage
        history = list(self._history_texts)

        def typical(model: ModelInfo) -> int | None:
            return self._typical_output.get(model.id)

        if len(online) == 1:
            model = online[0]
            return await usage.check_send(
                model=model,
                history_texts=history,
                draft=draft,
                expected_output_tokens=typical(model),
            )
        estimates = [
            usage.estimate_next(
                model=m, history_texts=history, draft=draft, expected_output_tokens=typical(m)
            )
            for m in online
        ]
        total = None if None in estimates else sum(estimates)
        budget = await usage.budget_status()
        over = total != 0 and would_exceed(budget.spent, total, budget.budget)
        return SendCheck(total, budget, budget.hard_stop and over, "")

    def restore_draft(self, text: str) -> None:
        """Cancel at the hard stop: the words go back where they were written."""
        if not self.composer.text().strip():
            self.composer.set_text(text)
        self.composer.focus()

    # -- the dashboard ---------------------------------------------------------------------

    def open_usage_dashboard(self) -> UsageDashboard:
        if self.usage_dashboard is None:
            from app.ui.costs.usage_dashboard import UsageDashboard  # QtCharts: on first use

            self.usage_dashboard = UsageDashboard(self.services, self.tasks, self.window)
            self.usage_dashboard.settings_requested.connect(
                lambda: self.host.open_settings("costs")
            )
        self.usage_dashboard.present()
        return self.usage_dashboard


class CostWidgets(Protocol):
    """The widgets the cost meter writes to (MainWindow has them all)."""

    header: ModelHeader
    composer: Composer
    chat_view: ChatView
    compare_view: CompareView
    compare_session: CompareSession
    toast: Toast
