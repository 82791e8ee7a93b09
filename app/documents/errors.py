"""Why a document could not be read, in plain words: stored as the file's reason and shown in
the list, while the other files carry on."""

from __future__ import annotations

from app.core.errors import HearthError


class DocumentError(HearthError):
    message = "This file could not be read."


class UnsupportedDocument(DocumentError):
    message = "Hearth can't read this kind of file yet."
    action = "Add PDF, Word (.docx), Markdown, text, HTML or e-mail (.eml) files."


class EmptyDocument(DocumentError):
    message = "This file is empty: there is no text to read."


class DamagedDocument(DocumentError):
    action = "Open it in the program that made it and save a fresh copy, then add that."


class PasswordProtected(DocumentError):
    message = "This file is protected by a password, so Hearth can't read it."
    action = "Save a copy without the password, then add that."


class ScannedDocument(DocumentError):
    action = "Add a copy with a text layer (a scanner's or PDF program's “OCR” option makes one)."


class FileUnavailable(DocumentError):
    action = "Check that the file is still there and that you may open it."


def damaged(kind: str, detail: str = "") -> DamagedDocument:
    why = f" ({detail})" if detail else ""
    return DamagedDocument(
        f"This {kind} file is damaged or incomplete, so Hearth can't read it{why}."
    )


def unavailable(exc: OSError) -> FileUnavailable:
    what = exc.strerror or type(exc).__name__
    return FileUnavailable(f"This file could not be opened ({what.lower()}).")


def scanned_pages_note(pages: list[int]) -> str:
    """ "Page 3 is a scanned image with no text; Hearth can't read it yet." (or pages 3, 5)."""
    if len(pages) == 1:
        return f"Page {pages[0]} is a scanned image with no text; Hearth can't read it yet."
    shown = ", ".join(str(p) for p in pages[:10]) + (", …" if len(pages) > 10 else "")
    return (
        f"{len(pages)} pages ({shown}) are scanned images with no text; Hearth can't read them yet."
    )
