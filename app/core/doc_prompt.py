"""Passages of the user's files in a prompt, and the sources a reply cites.

The passages go in numbered ("[1] report.pdf, page 3: …") and the model is asked to cite them
as [n]. Afterwards only the passages the reply really cited become its sources: the footer and
the export list what the answer rests on, not everything retrieval found. Pure functions.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Sequence
from pathlib import PurePath

from app.core.context import estimate_tokens
from app.core.documents import Passage

# Numbering and the passage's "where" label, on top of its text.
MARKER_TOKENS = 12

SOURCES_HEADER = "Numbered passages from the user's files:"
CITE_INSTRUCTION = (
    "Answer the user's question below using these passages. After each statement taken from "
    "them, cite the passage it came from as [n], for example [1] or [1, 3]. If the passages do "
    "not contain the answer, say that the user's documents do not contain it; do not make up "
    "a source."
)
NOTHING_FOUND = (
    "The user asked about their files, but no passage of them matched this question. Say that "
    "their documents do not contain the answer."
)
QUESTION_LABEL = "Question:"


def choose_passages(
    ranked: Iterable[Passage], budget_tokens: int, count: Callable[[str], int] = estimate_tokens
) -> list[Passage]:
    """The best passages (best first) that fit the budget together: the one budget rule, used by
    every retriever. A long one that does not fit is skipped, not cut: a cut passage could lose
    the very sentence that answers. A chunk found twice (two searches fused) counts once, and of
    passages that overlap (chunks are cut with some overlap) only the first is kept: the same
    sentences twice would waste the budget."""
    chosen: list[Passage] = []
    used = 0
    for passage in ranked:
        if any(_same_text(passage, kept) for kept in chosen):
            continue
        cost = count(passage.text) + MARKER_TOKENS
        if used + cost <= budget_tokens:
            chosen.append(passage)
            used += cost
    return chosen


def _same_text(a: Passage, b: Passage) -> bool:
    """The same chunk, or chunks of one file and page whose text ranges intersect."""
    if a.chunk_id == b.chunk_id:
        return True
    return a.file_id == b.file_id and a.page == b.page and a.start < b.end and b.start < a.end


def sources_block(passages: Sequence[Passage]) -> str:
    """ "[1] report.pdf, page 3: …" for each passage, numbered from 1, under a short header."""
    lines = [SOURCES_HEADER, ""]
    for n, passage in enumerate(passages, start=1):
        lines += [f"[{n}] {passage.where}: {passage.text.strip()}", ""]
    return "\n".join(lines).rstrip()


def question_with_sources(question: str, passages: Sequence[Passage]) -> str:
    """The user's turn as the model reads it: the numbered passages, how to cite them, then the
    question. (In the newest user turn rather than the system prompt, so a model on this
    computer keeps the conversation's cache: only the new turn differs from the last prompt.)"""
    if not passages:
        return f"{NOTHING_FOUND}\n\n{QUESTION_LABEL} {question}"
    return f"{sources_block(passages)}\n\n{CITE_INSTRUCTION}\n\n{QUESTION_LABEL} {question}"


# -- what a reply cited ----------------------------------------------------------------------------

# "[1]", "[1, 3]", "[1,3]"; "[1][2]" is two markers. Not "[1](url)", a Markdown link.
_MARKER = re.compile(r"\[(\d{1,4}(?:\s*,\s*\d{1,4})*)\](?!\()")
_FENCE = re.compile(r"^\s*(```|~~~)")
_INLINE_CODE = re.compile(r"(`+)(?:(?!\1).)+?\1")


def _prose(reply: str) -> str:
    """The reply without its code: fenced blocks and `inline code` (an index like a[1] in code
    is not a citation)."""
    kept: list[str] = []
    fence: str | None = None
    for line in reply.splitlines():
        match = _FENCE.match(line)
        if fence is None and match:
            fence = match.group(1)
        elif fence is not None:
            if match and match.group(1) == fence:
                fence = None
        else:
            kept.append(_INLINE_CODE.sub(" ", line))
    return "\n".join(kept)


def cited_numbers(reply: str, count: int) -> list[int]:
    """The passage numbers (1…count) a reply cites, in order of first use; numbers with no
    passage behind them are ignored."""
    found: list[int] = []
    for match in _MARKER.finditer(_prose(reply or "")):
        for part in match.group(1).split(","):
            n = int(part)
            if 1 <= n <= count and n not in found:
                found.append(n)
    return found


def cited_passages(reply: str, passages: Sequence[Passage]) -> list[tuple[int, Passage]]:
    """(marker number, passage) for each passage the reply cites, in order of first use."""
    return [(n, passages[n - 1]) for n in cited_numbers(reply, len(passages))]


def sources_json(cited: Sequence[tuple[int, Passage]]) -> str | None:
    """What messages.sources holds: each cited passage's source() with its marker number `n`;
    None when the reply cited nothing."""
    if not cited:
        return None
    return json.dumps([{"n": n, **p.source()} for n, p in cited], ensure_ascii=False)


def parse_sources(text: str | None) -> list[dict]:
    """messages.sources back as a list of dicts; [] for none or for text that is not a list."""
    if not text:
        return []
    try:
        value = json.loads(text)
    except (TypeError, ValueError):
        return []
    return [s for s in value if isinstance(s, dict)] if isinstance(value, list) else []


def source_where(source: dict) -> str:
    """ "report.pdf, page 3" from a stored source (as Passage.where says it)."""
    name = PurePath(str(source.get("file") or "")).name or "a file"
    if source.get("page") is not None:
        return f"{name}, page {source['page']}"
    if source.get("heading"):
        return f"{name}, {source['heading']}"
    return name


def source_lines(sources: Sequence[dict]) -> list[str]:
    """ "[1] report.pdf, page 3" for each source, for a footer or the command line."""
    lines = []
    for i, source in enumerate(sources, start=1):
        n = source.get("n") if isinstance(source.get("n"), int) else i
        lines.append(f"[{n}] {source_where(source)}")
    return lines
