"""Export a conversation as Markdown or JSON, to a file the user picks."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QWidget

from app.services import Services
from app.services.conversations import export_json, export_markdown

MARKDOWN_FILTER = "Markdown (*.md)"
JSON_FILTER = "JSON (*.json)"


def suggested_file_name(title: str) -> str:
    safe = re.sub(r"[^\w\- ]+", "", title).strip() or "Conversation"
    return f"{safe[:60]}.md"


async def export_to_file(
    services: Services, conversation_ids: list[int] | None, path: Path
) -> None:
    items = await services.conversations.export(conversation_ids)
    text = export_json(items) if path.suffix.lower() == ".json" else export_markdown(items)
    await asyncio.to_thread(path.write_text, text, encoding="utf-8")


def ask_for_export_path(
    parent: QWidget, title: str, on_chosen: Callable[[Path], None]
) -> QFileDialog:
    dialog = QFileDialog(parent, "Export chat", str(Path.home() / suggested_file_name(title)))
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    dialog.setNameFilters([MARKDOWN_FILTER, JSON_FILTER])

    def chosen(name: str) -> None:
        path = Path(name)
        if not path.suffix:
            path = path.with_suffix(
                ".json" if dialog.selectedNameFilter() == JSON_FILTER else ".md"
            )
        on_chosen(path)

    dialog.fileSelected.connect(chosen)
    dialog.open()
    return dialog
