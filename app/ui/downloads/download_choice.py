"""One file a person can download: what it is in plain words, will it run here, and a button.

Used for catalog models (their recommended file and “Other sizes”) and for search results.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.hardware import Fit, ModelFile
from app.ui.downloads.download_text import (
    FIT_TONE,
    choice_detail,
    choice_numbers,
    fit_tooltip,
    fit_words,
)

SPLIT_TEXT = "Comes in several parts, which Hearth cannot download yet"
GATED_TIP = (
    "The makers of this model ask you to accept their terms on Hugging Face first, "
    "and Hearth needs an access token (HF_TOKEN) to download it."
)


class FitPill(QLabel):
    """“Runs well” / “Will be slow” / “Won't fit”, with the numbers on hover."""

    def __init__(self, fit: Fit, parent: QWidget | None = None) -> None:
        super().__init__(fit_words(fit), parent)
        self.setObjectName("fitPill")
        self.setProperty("tone", FIT_TONE.get(fit.verdict, "nofit"))
        self.setToolTip(fit_tooltip(fit))
        self.setFixedHeight(20)
        self.verdict = fit.verdict


class FileChoice(QFrame):
    download_requested = Signal(object)  # the CatalogFile or HubFile

    def __init__(
        self,
        file: ModelFile,
        fit: Fit,
        headline: str,
        *,
        recommended: bool = False,
        primary: bool | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("dlChoice")
        self.setProperty("recommended", recommended)
        self.file = file
        self.fit = fit
        self.recommended = recommended
        self.title = QLabel(headline, self)
        self.title.setObjectName("dlChoiceTitle")
        self.detail = QLabel(choice_detail(file, fit), self)
        self.detail.setObjectName("dlChoiceDetail")
        name = getattr(file, "path", None) or getattr(file, "file", "")
        self.detail.setToolTip("\n".join(t for t in (choice_numbers(file, fit), name) if t))
        self.pill = FitPill(fit, self)
        self.button = QPushButton("Download", self)
        # One orange button per screen at most: the choice Hearth would make.
        primary = recommended if primary is None else primary
        self.button.setObjectName("dialogPrimary" if primary else "dialogButton")
        self.button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.button.clicked.connect(lambda: self.download_requested.emit(self.file))
        self.button.setAccessibleName(f"Download {headline.lower()}")
        words = QVBoxLayout()
        words.setSpacing(1)
        words.addWidget(self.title)
        words.addWidget(self.detail)
        row = QHBoxLayout(self)
        row.setContentsMargins(12, 8, 10, 8)
        row.setSpacing(10)
        row.addLayout(words, 1)
        row.addWidget(self.pill, 0, Qt.AlignmentFlag.AlignVCenter)
        row.addWidget(self.button, 0, Qt.AlignmentFlag.AlignVCenter)
        self._blocked = ""
        if getattr(file, "split", None):
            self._blocked = SPLIT_TEXT
            self.detail.setText(f"{self.detail.text()} · {SPLIT_TEXT}")
        elif fit.verdict == "won't fit":
            self.button.setToolTip("This file is too big to run on this computer.")
        if getattr(file, "gated", False):
            self.button.setToolTip(GATED_TIP)
            self.detail.setText(f"{self.detail.text()} · asks you to accept its terms first")
        self.set_status(None)

    @property
    def key(self) -> tuple[str, str]:
        return self.file.repo, getattr(self.file, "file", None) or self.file.path

    def set_status(self, status: str | None) -> None:
        """None: can be downloaded; "active": in the download list; "installed": done."""
        if self._blocked:
            self.button.setText("Download")
            self.button.setEnabled(False)
            return
        text = {"active": "In downloads", "installed": "Installed"}.get(status or "", "Download")
        self.button.setText(text)
        self.button.setEnabled(status is None)
