"""The hard stop: “This message would take you over your monthly budget” — Send anyway, or Cancel.

Shown without blocking the window, only when the budget's hard stop is on (Settings → Costs).
Cancel is the default, and closing the dialog counts as Cancel: nothing is sent.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from app.core.money import format_usd
from app.services.usage import SendCheck
from app.ui.shell.buttons import dialog_button

HEADING = "This message would take you over your monthly budget"
HINT = "You can change the budget or turn this question off in Settings → Costs."


def over_budget_text(check: SendCheck) -> str:
    """ "This month: $9.98 of $10.00. This message: about $0.04." in plain words."""
    budget = check.budget
    estimate = (
        "an amount Hearth cannot estimate (its price is unknown)"
        if check.estimate is None
        else f"about {format_usd(check.estimate)}"
    )
    return (
        f"You have spent {format_usd(budget.spent)} of your {format_usd(budget.budget)} budget "
        f"this month. This message may cost {estimate}."
    )


class BudgetConfirm(QDialog):
    chosen = Signal(bool)  # True: send anyway

    def __init__(self, check: SendCheck, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("budgetConfirm")
        self.setWindowTitle("Monthly budget")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.send_anyway: bool = False
        heading = QLabel(HEADING, self)
        heading.setObjectName("dialogHeading")
        heading.setWordWrap(True)
        self.text = QLabel(over_budget_text(check), self)
        self.text.setObjectName("dialogText")
        self.text.setWordWrap(True)
        self.text.setMinimumWidth(440)
        hint = QLabel(HINT, self)
        hint.setObjectName("dialogHint")
        hint.setWordWrap(True)
        self.cancel_button = dialog_button("Cancel", self, self.reject)
        self.send_button = dialog_button(
            "Send anyway", self, self._send, primary=True, auto_default=False
        )
        self.cancel_button.setDefault(True)  # the careful choice is the one Enter picks
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.send_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 22, 24, 18)
        layout.setSpacing(10)
        layout.addWidget(heading)
        layout.addWidget(self.text)
        layout.addWidget(hint)
        layout.addSpacing(8)
        layout.addLayout(buttons)
        self.finished.connect(lambda _result: self.chosen.emit(self.send_anyway))

    def _send(self) -> None:
        self.send_anyway = True
        self.accept()
