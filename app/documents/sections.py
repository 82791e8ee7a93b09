"""A section of a document (a page, or the text under a heading) and the builder that joins
paragraphs into sections for the formats whose libraries hand out paragraphs (Word, HTML,
e-mail)."""

from __future__ import annotations

from dataclasses import dataclass

# A section ends at a paragraph break once it is this long (a text file's, anywhere at twice
# that): small enough to keep memory flat, large enough that chunks rarely meet a section's edge.
SECTION_CHARS = 32_000


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
    """Sections from paragraphs and headings, joined by blank lines; a heading starts one, and
    one grown past `limit` characters ends at the next paragraph (under the same heading).

    Each call returns the sections it completed, so a reader yields them as it goes and never
    holds more than one section's paragraphs: `yield from builder.paragraph(text)`."""

    def __init__(self, limit: int = SECTION_CHARS, *, heading: str | None = None) -> None:
        self.limit = limit
        self._parts: list[str] = []
        self._size = 0
        self._heading = heading
        self._offset = 0

    def heading(self, text: str) -> list[Section]:
        done = self._flush()
        self._heading = " ".join(text.split()) or None
        self._add(text)
        return done

    def paragraph(self, text: str) -> list[Section]:
        done = self._flush() if self._size >= self.limit else []
        self._add(text)
        return done

    def done(self) -> list[Section]:
        return self._flush()

    def _add(self, text: str) -> None:
        self._parts.append(text.strip())
        self._size += len(self._parts[-1]) + 2

    def _flush(self) -> list[Section]:
        if not self._parts:
            return []
        text = "\n\n".join(self._parts) + "\n\n"
        section = Section(text, heading=self._heading, offset=self._offset)
        self._offset += len(text)
        self._parts, self._size = [], 0
        return [section]
