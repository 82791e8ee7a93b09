"""The embedding model offered the first time documents are added: with it, Hearth finds
passages by what they mean as well as by their words.

A small piece on its own: it shows only when the catalog has an embedding model to suggest
(DocumentSearch.suggested_download) and none is chosen or downloaded yet, and once declined it
is not offered again. Accepting queues the download like any other (the downloads indicator
shows it); once downloaded, document search uses it by itself (the setting stays unset).
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from app.downloads.catalog import CatalogFile

OFFER_DECLINED = "docs_embed_offer_declined"


def size_words(size: int | None) -> str:
    if not size:
        return "a download"
    return f"{size / 1e9:.1f} GB" if size >= 1e9 else f"{max(size / 1e6, 1):.0f} MB"


class EmbeddingOffer(QFrame):
    accepted = Signal(object)  # the CatalogFile to download
    declined = Signal()

    def __init__(self, file: CatalogFile, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("embeddingOffer")
        self.file = file
        self.text = text = QLabel(
            f"Find passages by what they mean, not only by their words: download "
            f"{file.model_name} ({size_words(file.size)}). It runs on this computer.",
            self,
        )
        text.setObjectName("dialogText")
        text.setWordWrap(True)
        self.download_button = QPushButton("Download", self)
        self.download_button.setObjectName("dialogButton")
        self.download_button.clicked.connect(self._accept)
        self.not_now_button = QPushButton("Not now", self)
        self.not_now_button.setObjectName("linkButton")
        self.not_now_button.clicked.connect(self._decline)
        row = QHBoxLayout(self)
        row.setContentsMargins(10, 8, 10, 8)
        row.addWidget(text, 1)
        row.addWidget(self.download_button)
        row.addWidget(self.not_now_button)

    def _accept(self) -> None:
        self.hide()
        self.accepted.emit(self.file)

    def _decline(self) -> None:
        self.hide()
        self.declined.emit()
