"""“Compare answers”: tick two or three models (on this computer and online, mixed)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.services.models import ModelGroup
from app.ui.models import PickerEntry, build_entries, context_length, context_text
from app.ui.shell.buttons import dialog_button

MIN_MODELS, MAX_MODELS = 2, 3
ID_ROLE = Qt.ItemDataRole.UserRole
BLOCKED_ROLE = Qt.ItemDataRole.UserRole + 1  # an online model while offline mode is on
INTRO = (
    "Your message goes to each model you tick, and their answers appear side by side. "
    "Keep the one you like: the conversation goes on from it."
)


def compare_entries(groups: list[ModelGroup], **kw) -> list[PickerEntry]:
    """The picker's list without repeats and without the providers that still need a key."""
    seen: set[str] = set()
    out: list[PickerEntry] = []
    for entry in build_entries(groups, **kw):
        if entry.kind == "add_key":
            continue
        if entry.kind == "model":
            if entry.model.id in seen:
                continue
            seen.add(entry.model.id)
        out.append(entry)
    # Headings left with nothing under them go.
    return [
        e
        for i, e in enumerate(out)
        if e.kind != "section" or (i + 1 < len(out) and out[i + 1].kind == "model")
    ]


class CompareChooser(QDialog):
    chosen = Signal(list)  # model ids, in the order ticked

    def __init__(
        self,
        groups: list[ModelGroup],
        *,
        favourites: list[str],
        recent: list[str],
        offline: bool,
        current_id: str | None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("compareChooser")
        self.setWindowTitle("Compare answers")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self._groups = groups
        self._options = dict(favourites=favourites, recent=recent, offline=offline)
        self.ticked: list[str] = [current_id] if current_id else []
        heading = QLabel("Compare answers", self)
        heading.setObjectName("dialogHeading")
        intro = QLabel(INTRO, self)
        intro.setObjectName("dialogText")
        intro.setWordWrap(True)
        self.search = QLineEdit(self)
        self.search.setObjectName("pickerSearch")
        self.search.setPlaceholderText("Search models")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(lambda _t: self._fill())
        self.list = QListWidget(self)
        self.list.setObjectName("compareList")
        self.list.setFrameShape(QFrame.Shape.NoFrame)
        self.list.itemChanged.connect(self._on_item_changed)
        self.count_label = QLabel(self)
        self.count_label.setObjectName("dialogHint")
        cancel = dialog_button("Cancel", self, self.reject)
        self.compare_button = dialog_button("Compare", self, primary=True)
        self.compare_button.setDefault(True)
        self.compare_button.clicked.connect(self._accept)
        buttons = QHBoxLayout()
        buttons.addWidget(self.count_label)
        buttons.addStretch(1)
        buttons.addWidget(cancel)
        buttons.addWidget(self.compare_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(22, 20, 22, 16)
        layout.setSpacing(10)
        layout.addWidget(heading)
        layout.addWidget(intro)
        layout.addWidget(self.search)
        layout.addWidget(self.list, 1)
        layout.addLayout(buttons)
        self.resize(520, 520)
        self._fill()

    def _fill(self) -> None:
        entries = compare_entries(self._groups, query=self.search.text(), **self._options)
        self.list.blockSignals(True)
        try:
            self.list.clear()
            for entry in entries:
                self.list.addItem(self._item(entry))
        finally:
            self.list.blockSignals(False)
        self._update()

    def _item(self, entry: PickerEntry) -> QListWidgetItem:
        if entry.kind == "section":
            item = QListWidgetItem(entry.title)
            item.setFlags(Qt.ItemFlag.NoItemFlags)
            font = item.font()
            font.setBold(True)
            item.setFont(font)
            return item
        model = entry.model
        facts = " · ".join(x for x in (model.where, context_text(context_length(model))) if x)
        item = QListWidgetItem(f"{model.display_name}    {facts}")
        item.setData(ID_ROLE, model.id)
        item.setData(BLOCKED_ROLE, not entry.enabled)
        item.setToolTip(entry.tooltip)
        flags = Qt.ItemFlag.ItemIsUserCheckable
        if entry.enabled:
            flags |= Qt.ItemFlag.ItemIsEnabled
        item.setFlags(flags)
        ticked = model.id in self.ticked
        item.setCheckState(Qt.CheckState.Checked if ticked else Qt.CheckState.Unchecked)
        return item

    def tick(self, model_id: str, on: bool = True) -> None:
        for i in range(self.list.count()):
            item = self.list.item(i)
            if item.data(ID_ROLE) == model_id:
                item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)
                return
        raise KeyError(model_id)

    def _on_item_changed(self, item: QListWidgetItem) -> None:
        model_id = item.data(ID_ROLE)
        if model_id is None:
            return
        on = item.checkState() == Qt.CheckState.Checked
        if on and model_id not in self.ticked:
            self.ticked.append(model_id)
        elif not on and model_id in self.ticked:
            self.ticked.remove(model_id)
        self._update()

    def _update(self) -> None:
        full = len(self.ticked) >= MAX_MODELS
        self.list.blockSignals(True)
        try:
            for i in range(self.list.count()):
                item = self.list.item(i)
                if item.data(ID_ROLE) is None:
                    continue
                can_tick = not item.data(BLOCKED_ROLE) and (
                    item.data(ID_ROLE) in self.ticked or not full
                )
                flags = item.flags()
                if can_tick:
                    flags |= Qt.ItemFlag.ItemIsEnabled
                else:
                    flags &= ~Qt.ItemFlag.ItemIsEnabled
                item.setFlags(flags)
        finally:
            self.list.blockSignals(False)
        count = len(self.ticked)
        self.count_label.setText(f"{count} of {MAX_MODELS} chosen")
        self.compare_button.setEnabled(MIN_MODELS <= count <= MAX_MODELS)

    def _accept(self) -> None:
        if MIN_MODELS <= len(self.ticked) <= MAX_MODELS:
            self.chosen.emit(list(self.ticked))
            self.accept()
