"""Passages of the user's documents as plain values: what retrieval finds, what a reply cites."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePath


@dataclass(frozen=True, slots=True)
class Passage:
    """One chunk of a document, where it came from exactly, and how well it matched."""

    chunk_id: int
    file_id: int
    path: str  # the file's path as added (or found under an added folder)
    page: int | None  # the PDF page number (1-based), None where a format has no pages
    heading: str | None  # the nearest heading above it, where the format has headings
    start: int  # character offsets of `text` within its page (or the whole file's text)
    end: int
    text: str
    score: float = 0.0  # higher is better; only comparable within one search

    @property
    def name(self) -> str:
        return PurePath(self.path).name

    @property
    def where(self) -> str:
        """“report.pdf, page 3” / “notes.md, Budget” / “notes.txt”."""
        if self.page is not None:
            return f"{self.name}, page {self.page}"
        if self.heading:
            return f"{self.name}, {self.heading}"
        return self.name

    def source(self) -> dict:
        """The exported form: {file, page, text} (heading and offsets kept for the window)."""
        return {
            "file": self.path,
            "page": self.page,
            "text": self.text,
            "heading": self.heading,
            "start": self.start,
            "end": self.end,
        }


def reciprocal_rank_fusion(*rankings: list[int], k: int = 60) -> list[tuple[int, float]]:
    """Several best-first id lists fused into one (Cormack et al. 2009): each id scores
    Σ 1/(k + rank); ids found by several searches rise. Ties keep first-seen order."""
    scores: dict[int, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + 1.0 / (k + rank)
    return sorted(scores.items(), key=lambda kv: -kv[1])
