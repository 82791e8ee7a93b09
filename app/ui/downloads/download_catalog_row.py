"""One suggested model: its name and what it is good at, the file that suits this computer best
(with a “Runs well” mark and a Download button), and its other sizes behind “Other sizes”."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.core.chat import human_params
from app.downloads.catalog import CatalogFile, CatalogModel
from app.hardware import Fit
from app.ui.downloads.download_choice import FileChoice
from app.ui.downloads.download_text import choice_headline

SUGGESTED_TAG = "Suggested to start"


def size_class(parameters: int | None) -> str:
    """“Small model” rather than “1.5B parameters” up front (the figure is in the tooltip)."""
    if not parameters:
        return ""
    if parameters < 4e9:
        return "Small model"
    if parameters < 15e9:
        return "Medium-sized model"
    return "Large model"


class CatalogRow(QFrame):
    download_requested = Signal(object)  # CatalogFile

    def __init__(
        self,
        model: CatalogModel,
        judge: Callable[[CatalogFile], Fit],
        recommended: CatalogFile | None,
        *,
        suggested: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("dlCard")
        self.setProperty("suggested", suggested)
        self.model = model
        self.suggested = suggested
        self.recommended = recommended
        fits = {f: judge(f) for f in model.files}
        # The file shown up front: the recommendation, else the smallest (which won't fit).
        main = recommended or min(model.files, key=lambda f: f.size_bytes or 0)
        self.verdict = fits[main].verdict
        self.choices = [
            FileChoice(
                f,
                fits[f],
                choice_headline(f, fits[f], recommended),
                recommended=f is main,
                primary=suggested and f is main,
                parent=self,
            )
            for f in sorted(model.files, key=lambda f: f.size_bytes or 0)
        ]
        for choice in self.choices:
            choice.download_requested.connect(self.download_requested)
        self.main_choice = next(c for c in self.choices if c.file is main)
        self.others = [c for c in self.choices if c is not self.main_choice]
        self._build()

    def _build(self) -> None:
        name = QLabel(self.model.name, self)
        name.setObjectName("dlName")
        top = QHBoxLayout()
        top.setSpacing(8)
        top.addWidget(name)
        if self.suggested:
            tag = QLabel(SUGGESTED_TAG, self)
            tag.setObjectName("dlTag")
            tag.setFixedHeight(20)
            top.addWidget(tag)
        top.addStretch(1)
        size = human_params(self.model.parameters)
        if size:
            self.size_label = QLabel(size_class(self.model.parameters), self)
            self.size_label.setObjectName("dlMeta")
            self.size_label.setToolTip(
                f"{size} parameters: how big the model is. Bigger models know more and write "
                "better, but need more memory and answer more slowly."
            )
            top.addWidget(self.size_label)
        description = QLabel(self.model.description, self)
        description.setObjectName("dlDescription")
        description.setWordWrap(True)
        self.more_button = QPushButton(self)
        self.more_button.setObjectName("linkButton")
        self.more_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.more_button.clicked.connect(lambda: self.show_other_sizes(not self.showing_others))
        column = QVBoxLayout(self)
        column.setContentsMargins(14, 12, 14, 10)
        column.setSpacing(6)
        column.addLayout(top)
        column.addWidget(description)
        column.addSpacing(2)
        column.addWidget(self.main_choice)
        for choice in self.others:
            column.addWidget(choice)
        column.addWidget(self.more_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.more_button.setVisible(bool(self.others))
        self.show_other_sizes(False)

    @property
    def showing_others(self) -> bool:
        return bool(self.others) and not self.others[0].isHidden()

    def show_other_sizes(self, show: bool) -> None:
        for choice in self.others:
            choice.setVisible(show)
        count = len(self.others)
        self.more_button.setText(
            "Fewer sizes  ▴" if show else f"Other sizes ({count})  ▾" if count else ""
        )

    def choice_for(self, quant: str) -> FileChoice | None:
        return next((c for c in self.choices if (c.file.quant or "") == quant), None)

    def set_statuses(self, status_of: Callable[[tuple[str, str]], str | None]) -> None:
        for choice in self.choices:
            choice.set_status(status_of(choice.key))
