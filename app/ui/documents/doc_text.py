"""What the documents window and chip say, in plain words (no Qt): a file's state, the reading
line under the progress bar, the chip by the composer."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import PurePath

from app.services.doc_indexing import Progress
from app.store.documents import DocCollection, DocFile

CHIP_OFF = "Documents off"


def file_state_text(f: DocFile) -> str:
    """ "Ready · 12 pages", "Reading… page 3 of 40", "Waiting to be read", "Can't read: …"."""
    if f.state == "failed":  # the reason says so itself: "… so Hearth can't read it."
        return f.reason or "Hearth could not read this file."
    if f.state == "reading":
        of = f" of {f.pages}" if f.pages else ""
        return f"Reading… page {f.next_page + 1}{of}" if f.next_page else "Reading…"
    if f.state == "waiting":
        return "Waiting to be read"
    words = "Ready"
    if f.pages:
        words += f" · {f.pages} page{'s' if f.pages != 1 else ''}"
    if f.reason:  # a note that does not stop it being used, e.g. some pages are scanned images
        words += f" · {f.reason}"
    return words


def collection_summary(c: DocCollection) -> str:
    """ "12 files · 11 ready · 1 can't be read"."""
    parts = [f"{c.files} file{'s' if c.files != 1 else ''}"]
    if c.files and c.ready != c.files:
        parts.append(f"{c.ready} ready")
    if c.failed:
        parts.append(f"{c.failed} can't be read")
    return " · ".join(parts)


def progress_text(p: Progress) -> str:
    """ "Reading report.pdf — page 12 · 3 of 40 files"."""
    name = PurePath(p.file).name
    line = f"Reading {name}"
    if p.page:
        line += f" — page {p.page}" + (f" of {p.pages}" if p.pages else "")
    if p.files_total > 1:
        line += f" · {min(p.files_done + 1, p.files_total)} of {p.files_total} files"
    return line


def progress_state_text(p: Progress) -> str:
    """A file's State cell from the progress just reported (its reason waits for the listing)."""
    if p.state == "reading":
        return f"Reading… page {p.page}" + (f" of {p.pages}" if p.pages else "")
    if p.state == "failed":
        return p.reason or "Hearth could not read this file."
    return {"ready": "Ready", "unchanged": "Ready", "removed": "Gone from the disk"}.get(
        p.state, "Waiting to be read"
    )


def finished_text(read: int, failed: int, cancelled: bool, left: int = 0) -> str:
    if cancelled:
        return f"Reading paused · {left} file{'s' if left != 1 else ''} left"
    text = f"{read} file{'s' if read != 1 else ''} read"
    if failed:
        text += f" · {failed} can't be read (see the list)"
    return text


def chip_text(enabled: Sequence[str]) -> str:
    """ "Documents: Taxes 2026", "Documents: Taxes 2026 +1", or "Documents off"."""
    if not enabled:
        return CHIP_OFF
    more = f" +{len(enabled) - 1}" if len(enabled) > 1 else ""
    return f"Documents: {enabled[0]}{more}"
