"""HTML as sections of plain text, split at its headings: BeautifulSoup (MIT) over the standard
library's parser (no lxml to ship), not html2text (GPL).

The parser builds the page's tree at once (html.parser has no streaming mode), but the text is
handed out a section at a time as the tree is walked: the page's text is never held twice."""

from __future__ import annotations

from collections.abc import Iterator

from app.documents.sections import Section, SectionBuilder

_SKIPPED = {"script", "style", "noscript", "template", "head", "svg", "iframe", "object"}
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_BLOCKS = {
    "p", "div", "section", "article", "main", "header", "footer", "nav", "aside", "li", "ul",
    "ol", "dl", "dt", "dd", "table", "tr", "blockquote", "pre", "br", "hr", "figure",
    "figcaption", "form", "address", "details", "summary", "caption",
}  # fmt: skip


def html_sections(data: bytes) -> list[Section]:
    """All the sections of a small page (an e-mail's HTML body, the self-test)."""
    return list(iter_html_sections(data))


def iter_html_sections(data: bytes) -> Iterator[Section]:
    """The page's visible text in paragraphs, a section at a time; each heading starts a
    section (the title heads the first one)."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(data, "html.parser")
    del data  # the tree holds the text now
    builder = SectionBuilder()
    title = soup.title.get_text(" ", strip=True) if soup.title else ""
    if title:
        yield from builder.heading(title)
    words: list[str] = []
    yield from _walk(soup, builder, words)
    yield from _end_paragraph(builder, words)
    yield from builder.done()


def _end_paragraph(builder: SectionBuilder, words: list[str]) -> list[Section]:
    text = " ".join(" ".join(words).split())
    words.clear()
    return builder.paragraph(text) if text else []


def _walk(node, builder: SectionBuilder, words: list[str]) -> Iterator[Section]:
    from bs4 import Comment, Declaration, Doctype, ProcessingInstruction

    for child in node.children:
        if isinstance(child, Comment | Declaration | Doctype | ProcessingInstruction):
            continue
        name = getattr(child, "name", None)
        if name is None:
            words.append(str(child))
        elif name in _SKIPPED:
            continue
        elif name in _HEADINGS:
            yield from _end_paragraph(builder, words)
            text = child.get_text(" ", strip=True)
            if text:
                yield from builder.heading(text)
        elif name in ("td", "th"):
            words.append(" ")
            yield from _walk(child, builder, words)
        elif name in _BLOCKS:
            yield from _end_paragraph(builder, words)
            yield from _walk(child, builder, words)
            yield from _end_paragraph(builder, words)
        else:
            yield from _walk(child, builder, words)
