"""Cutting a section into passages a model can be given: about 1,000 characters (~250 tokens),
overlapping by ~15% so a sentence cut at one edge is whole in the next, never across a page
(one section at a time). Cuts fall at the best boundary near the size: a paragraph break, else a
line break, else a sentence end, else a space; a word is cut only when it is longer than a chunk.
Each chunk's `start`, `end` are exact: `section.text[start:end] == chunk.text`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.documents.sections import Section

CHUNK_CHARS = 1000
OVERLAP_CHARS = 150
# A cut is looked for in the last part of the window only, so chunks stay near the size.
_MIN_FRACTION = 0.5
_BOUNDARIES = (
    re.compile(r"\n[ \t]*\n\s*"),  # paragraph break
    re.compile(r"\n\s*"),  # line break
    re.compile(r"(?<=[.!?…。])[\"'”’)\]]*\s+"),  # sentence end
    re.compile(r"\s+"),  # between words
)


@dataclass(frozen=True, slots=True)
class Chunk:
    text: str
    start: int  # offsets into the section's text
    end: int
    page: int | None
    heading: str | None


def chunk_section(
    section: Section, *, size: int = CHUNK_CHARS, overlap: int = OVERLAP_CHARS
) -> list[Chunk]:
    text = section.text
    chunks: list[Chunk] = []
    pos = _skip_space(text, 0)
    n = len(text)
    while pos < n:
        if n - pos <= size:
            cut = n
        else:
            cut = _best_cut(text, pos, pos + size)
        end = cut
        while end > pos and text[end - 1].isspace():
            end -= 1
        if end > pos:
            chunks.append(Chunk(text[pos:end], pos, end, section.page, section.heading))
        if cut >= n:
            break
        pos = _next_start(text, pos, cut, overlap)
    return chunks


def _best_cut(text: str, start: int, limit: int) -> int:
    """The end of the chunk starting at `start`: just after the strongest boundary within the
    last half of the window, else the window's end."""
    floor = start + int((limit - start) * _MIN_FRACTION)
    window = text[floor:limit]
    for pattern in _BOUNDARIES:
        ends = [m.end() for m in pattern.finditer(window)]
        if ends:
            return floor + ends[-1]
    return limit


def _next_start(text: str, start: int, cut: int, overlap: int) -> int:
    """Where the next chunk starts: `overlap` characters before the cut, moved forward to the
    start of a sentence (or at least of a word) inside the overlap; always past `start`."""
    if overlap <= 0:
        return _skip_space(text, cut)
    back = max(start + 1, cut - overlap)
    span = text[back:cut]
    for pattern in _BOUNDARIES[2:]:
        found = pattern.search(span)
        if found and back + found.end() < cut:
            return back + found.end()
    return _skip_space(text, back) if back < cut else cut


def _skip_space(text: str, pos: int) -> int:
    while pos < len(text) and text[pos].isspace():
        pos += 1
    return pos
