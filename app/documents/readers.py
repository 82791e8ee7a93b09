"""One reader per format, each a stream of sections: a PDF page, or the text under one heading.

A document is opened with `open_document(path)`; `sections(start)` yields its sections in order
from the `start`-th (so reading resumes after a restart at the section it reached). Sections are
produced one at a time and never the whole file at once: a 500 MB PDF or a huge text file keeps
memory flat. Where a format has no pages, `offset` says where the section's text starts in the
file's whole text, so a chunk's offsets can point into that.
"""

from __future__ import annotations

import codecs
import itertools
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

from app.documents.errors import (
    DocumentError,
    EmptyDocument,
    PasswordProtected,
    UnsupportedDocument,
    damaged,
    unavailable,
)
from app.documents.html_text import html_sections, iter_html_sections
from app.documents.sections import SECTION_CHARS, Section, SectionBuilder

TEXT_SUFFIXES = {".txt", ".text", ".rst", ".log"}
MARKDOWN_SUFFIXES = {".md", ".markdown", ".mdown"}
SUPPORTED_SUFFIXES = frozenset(
    {".pdf", ".docx", ".html", ".htm", ".eml"} | TEXT_SUFFIXES | MARKDOWN_SUFFIXES
)
_LINE_LIMIT = 64_000  # characters per readline: a file with no line breaks is still streamed
# pypdf keeps every object it parsed; forgetting them now and then keeps a huge PDF's memory flat.
_PDF_FORGET_EVERY = 25
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # encrypted Office files, old .doc


class Document:
    """An opened file: `pages` when the format knows them up front, `sections(start)`."""

    pages: int | None = None

    def sections(self, start: int = 0) -> Iterator[Section]:
        raise NotImplementedError

    def close(self) -> None:
        pass


def is_supported(path: Path) -> bool:
    return path.suffix.lower() in SUPPORTED_SUFFIXES


def open_document(path: Path) -> Document:
    """The document at `path`, checked enough to fail early with a plain reason (empty,
    encrypted, damaged, unsupported); reading the sections may still fail on a damaged part."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise UnsupportedDocument(f"Hearth can't read {suffix or 'these'} files yet.")
    try:
        if path.stat().st_size == 0:
            raise EmptyDocument()
        if suffix == ".pdf":
            return _PdfDocument(path)
        if suffix == ".docx":
            return _DocxDocument(path)
        if suffix in (".html", ".htm"):
            return _Streamed(lambda: iter_html_sections(path.read_bytes()))
        if suffix == ".eml":
            return _Streamed(lambda: _eml_sections(path))
        return _TextDocument(path, markdown=suffix in MARKDOWN_SUFFIXES)
    except OSError as exc:
        raise unavailable(exc) from None


class _Streamed(Document):
    """A format whose library hands out paragraphs (HTML, e-mail): sections are built and
    yielded as they are reached, never the whole file's text at once."""

    def __init__(self, make: Callable[[], Iterator[Section]]) -> None:
        self._make = make

    def sections(self, start: int = 0) -> Iterator[Section]:
        yield from itertools.islice(self._make(), start, None)


# -- PDF ------------------------------------------------------------------------------------------


class _PdfDocument(Document):
    def __init__(self, path: Path) -> None:
        from pypdf import PdfReader
        from pypdf.errors import DependencyError, PdfReadError

        try:
            self._reader = PdfReader(path)
            if self._reader.is_encrypted:
                # An owner password alone (printing, copying) still opens with the empty one.
                try:
                    opened = self._reader.decrypt("")
                except DependencyError:
                    raise PasswordProtected(
                        "This PDF is encrypted in a way Hearth can't open yet."
                    ) from None
                if not opened:
                    raise PasswordProtected("This PDF is protected by a password.")
            self.pages = len(self._reader.pages)
        except DocumentError:
            raise
        except OSError:
            raise
        except (PdfReadError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise damaged("PDF", _short(exc)) from None
        if not self.pages:
            raise EmptyDocument("This PDF has no pages.")

    def sections(self, start: int = 0) -> Iterator[Section]:
        for index in range(start, self.pages or 0):
            yield self._page(index)
            if (index + 1) % _PDF_FORGET_EVERY == 0:
                cache = getattr(self._reader, "resolved_objects", None)
                if isinstance(cache, dict):
                    cache.clear()

    def _page(self, index: int) -> Section:
        number = index + 1
        try:
            page = self._reader.pages[index]
            text = page.extract_text() or ""
        except Exception:  # noqa: BLE001 - pypdf raises many kinds on a damaged page
            return Section("", page=number, problem="damaged")
        if text.strip():
            return Section(text, page=number)
        return Section("", page=number, problem="scanned" if _has_image(page) else None)

    def close(self) -> None:
        stream = getattr(self._reader, "stream", None)
        if stream is not None:
            stream.close()


def _has_image(page) -> bool:
    """Whether a page without text shows a picture (a scan) rather than nothing (a blank)."""
    try:
        resources = page.get("/Resources")
        xobjects = resources.get_object().get("/XObject") if resources else None
        if not xobjects:
            return False
        return any(
            x.get_object().get("/Subtype") in ("/Image", "/Form")
            for x in xobjects.get_object().values()
        )
    except Exception:  # noqa: BLE001 - unsure: say it is a scan rather than skip it silently
        return True


def _short(exc: BaseException) -> str:
    text = str(exc).strip().rstrip(".")
    return text[:120] if text else type(exc).__name__


# -- Word -----------------------------------------------------------------------------------------


class _DocxDocument(Document):
    """python-docx parses the file's XML when opened (so a damaged file fails here, early);
    the text is then taken a paragraph at a time and handed out a section at a time."""

    def __init__(self, path: Path) -> None:
        import zipfile

        with open(path, "rb") as f:
            if f.read(8) == _OLE_MAGIC:
                raise PasswordProtected(
                    "This Word file is protected by a password (or in the old .doc format), "
                    "so Hearth can't read it.",
                    action="Save a copy as .docx without a password, then add that.",
                )
        from docx import Document as open_docx
        from docx.opc.exceptions import PackageNotFoundError

        try:
            self._doc = open_docx(str(path))
        except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
            raise damaged("Word", _short(exc)) from None

    def sections(self, start: int = 0) -> Iterator[Section]:
        yield from itertools.islice(self._all(), start, None)

    def _all(self) -> Iterator[Section]:
        builder = SectionBuilder()
        try:
            for heading, text in _docx_blocks(self._doc):
                if heading:
                    yield from builder.heading(text)
                elif text.strip():
                    yield from builder.paragraph(text)
        except (KeyError, ValueError) as exc:
            raise damaged("Word", _short(exc)) from None
        yield from builder.done()

    def close(self) -> None:
        self._doc = None


def _docx_blocks(doc) -> Iterator[tuple[bool, str]]:
    """(is_heading, text) for each paragraph and table of the body, in order."""
    from docx.table import Table

    for block in doc.iter_inner_content():
        if isinstance(block, Table):
            rows = ("\t".join(cell.text.strip() for cell in row.cells) for row in block.rows)
            yield False, "\n".join(rows)
            continue
        style = (block.style.name if block.style is not None else "") or ""
        yield style.startswith("Heading") or style == "Title", block.text


# -- e-mail ---------------------------------------------------------------------------------------


def _eml_sections(path: Path) -> Iterator[Section]:
    """The headers, then the body a paragraph at a time (the e-mail library parses the whole
    message; the text is not held twice)."""
    import email
    from email import policy

    with open(path, "rb") as f:
        message = email.message_from_binary_file(f, policy=policy.default)
    subject = str(message.get("Subject") or "").strip() or None
    header = "\n".join(
        f"{name}: {message[name]}" for name in ("From", "To", "Date", "Subject") if message[name]
    )
    if not header and not message.get_payload():
        raise damaged("e-mail", "no headers or text")
    builder = SectionBuilder(heading=subject)  # under the subject, not repeating it
    if header:
        yield from builder.paragraph(header)
    for paragraph in _eml_body(message):
        yield from builder.paragraph(paragraph)
    yield from builder.done()


def _eml_body(message) -> Iterator[str]:
    body = message.get_body(preferencelist=("plain", "html"))
    if body is None:
        return
    try:
        content = body.get_content()
    except (LookupError, ValueError):  # an unknown charset: read what can be read
        content = (body.get_payload(decode=True) or b"").decode("latin-1")
    if body.get_content_type() == "text/html":
        for section in html_sections(content.encode("utf-8")):
            yield section.text.strip()
        return
    for paragraph in re.split(r"\n\s*\n", content):
        if paragraph.strip():
            yield paragraph.strip()


# -- text and Markdown ----------------------------------------------------------------------------

_ATX_HEADING = re.compile(r" {0,3}(#{1,6})(?:[ \t]+(.*?))?[ \t#]*$")
_FENCE = re.compile(r" {0,3}(```|~~~)")


class _TextDocument(Document):
    def __init__(self, path: Path, *, markdown: bool) -> None:
        self._path = path
        self._markdown = markdown
        self._encoding = sniff_encoding(path)

    def sections(self, start: int = 0) -> Iterator[Section]:
        for index, section in enumerate(self._all()):
            if index >= start:
                yield section

    def _all(self) -> Iterator[Section]:
        lines: list[str] = []
        size, offset, heading, fence = 0, 0, None, None
        with open(self._path, encoding=self._encoding, errors="replace", newline="") as f:
            for line in iter(lambda: f.readline(_LINE_LIMIT), ""):
                if self._markdown:
                    found = _FENCE.match(line)
                    if found and (fence is None or found.group(1) == fence):
                        fence = found.group(1) if fence is None else None
                    title = _ATX_HEADING.fullmatch(line.rstrip("\r\n")) if fence is None else None
                    if title:
                        text = "".join(lines)
                        if text.strip():
                            yield Section(text, heading=heading, offset=offset)
                        offset += len(text)
                        lines, size = [], 0
                        heading = (title.group(2) or "").strip() or heading
                blank = not line.strip()
                if size >= 2 * SECTION_CHARS or (size >= SECTION_CHARS and blank):
                    text = "".join(lines)
                    if text.strip():
                        yield Section(text, heading=heading, offset=offset)
                    offset += len(text)
                    lines, size = [], 0
                lines.append(line)
                size += len(line)
        text = "".join(lines)
        if text.strip():
            yield Section(text, heading=heading, offset=offset)


def sniff_encoding(path: Path) -> str:
    """utf-8 (with or without its BOM) or UTF-16 with a BOM; else cp1252, else latin-1, which
    reads any bytes. Checked over the whole file, streamed, so a stray byte late on is seen."""
    with open(path, "rb") as f:
        head = f.read(4)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    with open(path, "rb") as f:
        first = f.read(8192)
        if b"\x00" in first:
            raise UnsupportedDocument(
                "This file does not look like text (it holds binary data), so Hearth can't read it."
            )
    for encoding in ("utf-8", "cp1252"):
        if _decodes(path, encoding):
            return encoding
    return "latin-1"


def _decodes(path: Path, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        with open(path, "rb") as f:
            while block := f.read(1 << 18):
                decoder.decode(block)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def file_signature(path: Path) -> tuple[int, float]:
    """(size, mtime): what tells a changed file without reading it."""
    st = os.stat(path)
    return st.st_size, st.st_mtime
