"""One installed model in “Your models”: its facts, where it came from, and what can be done.

Qwen2.5 1.5B Instruct  [Downloaded]              [Defaults…] [Show in folder] [Delete…]
1.5B parameters · Q4_K_M · 1.0 GB · qwen2 · remembers up to 32,768 tokens
/home/me/.local/share/Hearth/models/Qwen/…/qwen2.5-1.5b-instruct-q4_k_m.gguf
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.core.chat import human_bytes, human_params
from app.services.downloads import InstalledModel, ModelDefaults
from app.ui.models.model_manager_defaults import DefaultsEditor
from app.ui.shell.buttons import dialog_button


def model_facts(model: InstalledModel) -> str:
    """“1.5B parameters · Q4_K_M · 1.0 GB · qwen2 · remembers up to 32,768 tokens”."""
    info = model.info
    params = human_params(info.parameters)
    parts = [
        f"{params} parameters" if params else "",
        info.quantization or "",
        human_bytes(info.size_bytes),
        info.architecture or "",
        f"remembers up to {info.context_length:,} tokens" if info.context_length else "",
    ]
    return " · ".join(p for p in parts if p)


def source_words(model: InstalledModel) -> tuple[str, str, str]:
    """(tag text, tag kind, tag tooltip)."""
    if model.file_missing:
        return (
            "File missing",
            "missing",
            "The file is no longer where it was. Delete removes the model from Hearth.",
        )
    if model.downloaded:
        return "Downloaded", "downloaded", "Hearth downloaded it: deleting it frees the disk space."
    return (
        "Added from disk",
        "disk",
        "You added this file from elsewhere: deleting it here leaves the file where it is.",
    )


class InstalledRow(QFrame):
    delete_requested = Signal(str)  # model id (the manager asks to confirm)
    show_folder_requested = Signal(str)  # the file's path
    defaults_saved = Signal(str, object)  # model id, ModelDefaults

    def __init__(
        self, model: InstalledModel, defaults: ModelDefaults, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("dlCard")
        self.model = model
        info = model.info
        name = QLabel(info.display_name, self)
        name.setObjectName("dlName")
        name.setToolTip(f"Name in Hearth: {info.id}")
        text, kind, tip = source_words(model)
        self.source = QLabel(text, self)
        self.source.setObjectName("dlSource")
        self.source.setProperty("kind", kind)
        self.source.setToolTip(tip)
        self.source.setFixedHeight(20)
        self.defaults_button = _button("Defaults…", self)
        self.defaults_button.setToolTip(
            "Conversation memory, graphics card use, creativity and instructions for this model"
        )
        self.defaults_button.clicked.connect(lambda: self.show_defaults(self.editor.isHidden()))
        self.folder_button = _button("Show in folder", self)
        self.folder_button.setEnabled(not model.file_missing and bool(info.path))
        self.folder_button.clicked.connect(
            lambda: self.show_folder_requested.emit(self.model.info.path or "")
        )
        self.delete_button = _button("Delete…" if model.downloaded else "Remove…", self)
        self.delete_button.setObjectName("dialogDanger")
        self.delete_button.clicked.connect(lambda: self.delete_requested.emit(self.model_id))
        facts = QLabel(model_facts(model), self)
        facts.setObjectName("dlDescription")
        facts.setWordWrap(True)
        path = QLabel(info.path or "", self)
        path.setObjectName("dlPath")
        path.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        path.setVisible(bool(info.path))
        self.editor = DefaultsEditor(info, self)
        self.editor.set_defaults(defaults)
        self.editor.save_requested.connect(lambda d: self.defaults_saved.emit(self.model_id, d))
        self.editor.hide()
        top = QHBoxLayout()
        top.setSpacing(8)
        top.addWidget(name)
        top.addWidget(self.source)
        top.addStretch(1)
        top.addWidget(self.defaults_button)
        top.addWidget(self.folder_button)
        top.addWidget(self.delete_button)
        column = QVBoxLayout(self)
        column.setContentsMargins(14, 12, 14, 12)
        column.setSpacing(4)
        column.addLayout(top)
        column.addWidget(facts)
        column.addWidget(path)
        column.addSpacing(4)
        column.addWidget(self.editor)

    @property
    def model_id(self) -> str:
        return self.model.info.id

    def show_defaults(self, show: bool) -> None:
        self.editor.setVisible(show)
        self.defaults_button.setText("Hide defaults" if show else "Defaults…")


def _button(text: str, parent: QWidget) -> QPushButton:
    button = dialog_button(text, parent)
    button.setCursor(Qt.CursorShape.PointingHandCursor)
    button.setAutoDefault(False)
    return button
