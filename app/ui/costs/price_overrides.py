"""Settings → Costs → Your own prices: a small table of the user's prices per model, and a row
to add one. A user's price always wins over Hearth's price list."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QCompleter,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.core.errors import HearthError
from app.core.money import InvalidPrice, Price, to_decimal
from app.providers.registry import parse_model_id
from app.services import Services
from app.ui.costs.cost_text import per_million, price_cell
from app.ui.shell.buttons import dialog_button

COLUMNS = ("Model", "Input $ / 1M", "Output $ / 1M", "")
REMOVE_WIDTH = 96


class PriceOverrides(QWidget):
    changed = Signal()

    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._services = services
        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setObjectName("overridesTable")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().hide()
        self.table.setShowGrid(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in (1, 2):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Fixed)
        header.resizeSection(3, REMOVE_WIDTH)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.empty = QLabel("No prices of your own yet.", self)
        self.empty.setObjectName("settingsHint")

        self.model_box = QComboBox(self)
        self.model_box.setObjectName("settingsCombo")
        self.model_box.setEditable(True)
        self.model_box.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.model_box.lineEdit().setPlaceholderText("provider:model, e.g. openai:gpt-4o")
        self.model_box.setMinimumWidth(260)
        known = services.usage.prices.known_models()
        self.model_box.addItems(known)
        self.model_box.setCurrentIndex(-1)
        completer = QCompleter(known, self.model_box)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.model_box.setCompleter(completer)
        self.model_box.currentTextChanged.connect(self._show_list_price)
        self.input_edit = _price_field("Input", self)
        self.output_edit = _price_field("Output", self)
        self.add_button = dialog_button("Add", self, self.add_from_fields)
        self.note = QLabel(self)
        self.note.setObjectName("testResult")
        self.note.setWordWrap(True)

        row = QHBoxLayout()
        row.setSpacing(8)
        row.addWidget(self.model_box, 1)
        row.addWidget(self.input_edit)
        row.addWidget(self.output_edit)
        row.addWidget(self.add_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        layout.addWidget(self.table)
        layout.addWidget(self.empty)
        layout.addLayout(row)
        layout.addWidget(self.note)
        self.refresh()

    # -- showing -------------------------------------------------------------------------------

    def refresh(self) -> None:
        overrides = self._services.settings.get("price_overrides") or {}
        self.table.setRowCount(len(overrides))
        for i, (model_id, entry) in enumerate(sorted(overrides.items())):
            self.table.setItem(i, 0, QTableWidgetItem(model_id))
            for column, key in ((1, "input"), (2, "output")):
                item = QTableWidgetItem(_shown(entry.get(key)))
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(i, column, item)
            remove = QPushButton("Remove", self.table)
            remove.setObjectName("linkButton")
            remove.setCursor(Qt.CursorShape.PointingHandCursor)
            remove.setToolTip(f"Use Hearth's price list for {model_id} again")
            remove.clicked.connect(lambda _c=False, m=model_id: self.remove(m))
            self.table.setCellWidget(i, 3, remove)
        self.table.setVisible(bool(overrides))
        self.empty.setVisible(not overrides)
        rows = sum(self.table.rowHeight(i) for i in range(self.table.rowCount()))
        self.table.setFixedHeight(self.table.horizontalHeader().sizeHint().height() + rows + 4)

    def rows(self) -> list[tuple[str, str, str]]:
        return [
            tuple(self.table.item(i, c).text() for c in range(3))
            for i in range(self.table.rowCount())
        ]

    def _show_list_price(self, model_id: str) -> None:
        """While choosing a model: the price Hearth would use for it now."""
        model_id = model_id.strip()
        if not model_id:
            self._say("")
            return
        price = self._services.usage.price_for(model_id) if _valid_id(model_id) else None
        self._say(f"Price now: {price_cell(price)} per 1M tokens in / out.", quiet=True)

    # -- changing ------------------------------------------------------------------------------

    def add(self, model_id: str, input_price: str, output_price: str) -> Price | None:
        model_id = model_id.strip()
        if not _valid_id(model_id):
            self._say("Write the model as provider:model, e.g. openai:gpt-4o.", error=True)
            return None
        if not (_amount(input_price) and _amount(output_price)):
            self._say("Enter both prices, in dollars per million tokens.", error=True)
            return None
        try:
            price = self._services.usage.set_price_override(
                model_id=model_id, input=_amount(input_price), output=_amount(output_price)
            )
        except InvalidPrice as error:
            self._say(error.plain(), error=True)
            return None
        self._say(
            f"Saved: {model_id} at {per_million(price.input)} in / "
            f"{per_million(price.output)} out per 1M tokens."
        )
        self.input_edit.clear()
        self.output_edit.clear()
        self.refresh()
        self.changed.emit()
        return price

    def add_from_fields(self) -> Price | None:
        return self.add(
            self.model_box.currentText(), self.input_edit.text(), self.output_edit.text()
        )

    def remove(self, model_id: str) -> None:
        self._services.usage.clear_price_override(model_id=model_id)
        self._say(f"{model_id} uses Hearth's price list again.")
        self.refresh()
        self.changed.emit()

    def _say(self, text: str, *, error: bool = False, quiet: bool = False) -> None:
        self.note.setText(text)
        self.note.setProperty("error", error)
        self.note.setObjectName("settingsHint" if quiet else "testResult")
        self.note.style().unpolish(self.note)
        self.note.style().polish(self.note)


def _price_field(what: str, parent: QWidget) -> QLineEdit:
    field = QLineEdit(parent)
    field.setObjectName("settingsField")
    field.setPlaceholderText(f"{what} $")
    field.setToolTip(f"{what} price in dollars per million tokens, e.g. 0.15")
    field.setFixedWidth(96)
    return field


def _shown(value) -> str:
    try:
        return per_million(to_decimal(value))
    except InvalidPrice:
        return "?"


def _amount(text: str) -> str:
    return text.strip().removeprefix("$").replace(",", "").strip()


def _valid_id(model_id: str) -> bool:
    try:
        provider, name = parse_model_id(model_id)
    except HearthError:
        return False
    return provider != "local" and bool(name.strip())
