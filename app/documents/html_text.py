"""HTML as sections of plain text, split at its headings: BeautifulSoup (MIT) over the standard
library's parser (no lxml to ship), not html2text (GPL)."""

from __future__ import annotations

from app.documents.sections import Section, SectionBuilder

_SKIPPED = {"script", "style", "noscript", "template", "head", "svg", "iframe", "object"}
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_BLOCKS = {
    "p", "div", "section", "article", "main", "header", "footer", "nav", "aside", "li", "ul",
    "ol", "dl", "dt", "dd", "table", "tr", "blockquote", "pre", "br", "hr", "figure",
    "figcaption", "form", "address", "details", "summary", "caption",
}  # fmt: skip


def html_sections(data: bytes) -> list[Section]:
    """The page's visible text in paragraphs; each heading starts a section (the title heads
    the first one)."""
    from bs4 import BeautifulSoup, Comment, Declaration, Doctype, ProcessingInstruction

    soup = BeautifulSoup(data, "html.parser")
    title = soup.title.get_text(" ", strip=True) if soup.title else ""
    builder = SectionBuilder()
    if title:
        builder.heading(title)
    words: list[str] = []

    def end_paragraph() -> None:
        text = " ".join(" ".join(words).split())
        if text:
            builder.paragraph(text)
        words.clear()

    def walk(node) -> None:
        for child in node.children:
            if isinstance(child, Comment | Declaration | Doctype | ProcessingInstruction):
                continue
            name = getattr(child, "name", None)
            if name is None:
                words.append(str(child))
            elif name in _SKIPPED:
                continue
            elif name in _HEADINGS:
                end_paragraph()
                text = child.get_text(" ", strip=True)
                if text:
                    builder.heading(text)
            elif name in _BLOCKS or name in ("td", "th"):
                if name in ("td", "th"):
                    words.append(" ")
                else:
                    end_paragraph()
                walk(child)
                if name not in ("td", "th"):
                    end_paragraph()
            else:
                walk(child)

    walk(soup)
    end_paragraph()
    return builder.done()
