"""A section of a document (a page, or the text under a heading) and the builder that joins
paragraphs into sections for the formats read whole (Word, HTML)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Section:
    """A page or the text under a heading; `problem` is "scanned" for a PDF page that is only an
    image, "damaged" for one that could not be parsed (its text is then empty)."""

    text: str
    page: int | None = None  # 1-based PDF page
    heading: str | None = None
    offset: int = 0  # where `text` starts in the whole file's text (0 for a page)
    problem: str | None = None


class SectionBuilder:
    """Sections from paragraphs and headings, joined by blank lines; a heading starts one."""

    def __init__(self) -> None:
        self.sections: list[Section] = []
        self._parts: list[str] = []
        self._heading: str | None = None
        self._offset = 0

    def heading(self, text: str) -> None:
        self._flush()
        self._heading = " ".join(text.split()) or None
        self._parts.append(text.strip())

    def paragraph(self, text: str) -> None:
        self._parts.append(text.strip())

    def _flush(self) -> None:
        if self._parts:
            text = "\n\n".join(self._parts) + "\n\n"
            self.sections.append(Section(text, heading=self._heading, offset=self._offset))
            self._offset += len(text)
            self._parts = []

    def done(self) -> list[Section]:
        self._flush()
        return self.sections
