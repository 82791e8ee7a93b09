"""Export chats as Markdown or Hearth JSON (every branch), to a file the user picks."""

from __future__ import annotations

import asyncio
import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QWidget

from app.services import Services

MARKDOWN_FILTER = "Markdown (*.md)"
JSON_FILTER = "Hearth JSON, with every branch (*.json)"


def suggested_file_name(title: str, suffix: str = ".md") -> str:
    safe = re.sub(r"[^\w\- ]+", "", title).strip() or "Conversation"
    return f"{safe[:60]}{suffix}"


async def export_to_file(
    services: Services, conversation_ids: list[int] | None, path: Path
) -> None:
    """The chats (None: every chat) to `path`; .json is Hearth JSON, anything else Markdown.
    Written to a temporary file first: a full disk never leaves half a file behind."""
    kind = "json" if path.suffix.lower() == ".json" else "markdown"
    text = await services.transfer.export(conversation_ids=conversation_ids, format=kind)
    await asyncio.to_thread(write_atomically, path, text)


def write_atomically(path: Path, text: str) -> None:
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def ask_for_export_path(
    parent: QWidget,
    title: str,
    on_chosen: Callable[[Path], None],
    *,
    caption: str = "Export chat",
) -> QFileDialog:
    dialog = QFileDialog(parent, caption, str(Path.home() / suggested_file_name(title)))
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    dialog.setNameFilters([MARKDOWN_FILTER, JSON_FILTER])

    def chosen(name: str) -> None:
        path = Path(name)
        if not path.suffix:
            path = path.with_suffix(
                ".json" if dialog.selectedNameFilter() == JSON_FILTER else ".md"
            )
        on_chosen(path)

    dialog.filterSelected.connect(lambda f: _switch_suffix(dialog, f))
    dialog.fileSelected.connect(chosen)
    dialog.open()
    return dialog


def _switch_suffix(dialog: QFileDialog, name_filter: str) -> None:
    """Choosing JSON in the dialog renames "Chat.md" to "Chat.json", as other apps do."""
    suffix = ".json" if name_filter == JSON_FILTER else ".md"
    current = dialog.selectedFiles()
    if current:
        dialog.selectFile(Path(current[0]).with_suffix(suffix).name)
