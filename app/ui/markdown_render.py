"""Model replies as Markdown → HTML for a QTextBrowser, with highlighted code blocks.

Safety: raw HTML from the model is escaped (html=False), only http(s)/mailto links survive, and
images become plain links, so nothing the model writes can run or fetch anything.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from app.ui.theme import MONO_FONTS, Theme

# Internal actions (copy code N, copy message, regenerate) use this URL scheme. The model can
# never produce it, because link validation below refuses every scheme but http(s) and mailto.
ACTION_SCHEME = "hearth"

if TYPE_CHECKING:
    from markdown_it import MarkdownIt

_SAFE_LINK = re.compile(r"^(https?:|mailto:)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class RenderedMarkdown:
    html: str
    code_blocks: tuple[str, ...]  # the raw text of each code block, for its Copy link


def render_markdown(text: str, theme: Theme, *, first_code_block: int = 0) -> RenderedMarkdown:
    """`first_code_block` numbers the Copy links when a reply is rendered in pieces."""
    env: dict = {"theme": theme, "code_blocks": [], "code_offset": first_code_block}
    body = _markdown().render(text, env)
    return RenderedMarkdown(body, tuple(env["code_blocks"]))


def warm_up(theme: Theme) -> None:
    """Import and prime markdown-it and Pygments (about 0.1 s), e.g. on a worker thread at start,
    so the first reply is not the one that pays for it."""
    render_markdown("# x\n\n- y\n\n```python\nprint(1)\n```\n", theme)


_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


def finished_blocks_length(text: str) -> int:
    """How much of a growing Markdown text is made of finished blocks.

    The cut falls just after the last blank line that is not inside a code fence, so what comes
    before it renders the same however the text goes on (near enough: a list interrupted by a
    blank line renders as two lists until the whole reply is rendered once more at the end).
    """
    position = cut = 0
    fence = ""
    for line in text.splitlines(keepends=True):
        position += len(line)
        if not line.endswith("\n"):
            break  # the line being written
        marker = _FENCE.match(line)
        if fence:
            if marker and _closes(fence, marker.group(1), line):
                fence = ""
        elif marker:
            fence = marker.group(1)
        elif not line.strip() and position > len(line):
            cut = position
    return cut


def document_style_sheet(theme: Theme) -> str:
    """CSS for QTextDocument.setDefaultStyleSheet (Qt's rich-text subset)."""
    return f"""
        body {{ color: {theme.text}; }}
        p {{ margin-top: 0px; margin-bottom: 10px; line-height: 145%; }}
        li {{ margin-bottom: 3px; line-height: 140%; }}
        ul, ol {{ margin-top: 0px; margin-bottom: 10px; }}
        h1 {{ font-size: 20px; font-weight: 600; margin-top: 14px; margin-bottom: 8px; }}
        h2 {{ font-size: 18px; font-weight: 600; margin-top: 12px; margin-bottom: 6px; }}
        h3 {{ font-size: 16px; font-weight: 600; margin-top: 10px; margin-bottom: 6px; }}
        h4, h5, h6 {{ font-size: 15px; font-weight: 600; margin-top: 8px; margin-bottom: 4px; }}
        a {{ color: {theme.link}; text-decoration: none; }}
        code {{ font-family: {MONO_FONTS}; background-color: {theme.inline_code_bg}; }}
        pre {{ font-family: {MONO_FONTS}; margin: 0px; }}
        blockquote {{ color: {theme.muted}; margin-left: 12px; }}
        th {{ font-weight: 600; background-color: {theme.code_header}; }}
        th, td {{ padding: 6px 10px; }}
        hr {{ color: {theme.border}; }}
    """


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    from markdown_it import MarkdownIt  # imported on first use: the window opens sooner

    # breaks: a single newline is a line break, as people (and models writing poems) expect.
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "breaks": True}).enable("table")
    md.validateLink = lambda url: bool(_SAFE_LINK.match(url.strip()))
    md.add_render_rule("fence", _render_fence)
    md.add_render_rule("code_block", _render_fence)
    md.add_render_rule("image", _render_image)
    md.add_render_rule("table_open", _render_table_open)
    return md


def _closes(fence: str, marker: str, line: str) -> bool:
    """A closing fence: the same character, at least as long, and nothing else on the line."""
    return marker[0] == fence[0] and len(marker) >= len(fence) and not line.strip().strip(fence[0])


def _render_fence(self, tokens, idx, options, env) -> str:
    token = tokens[idx]
    theme: Theme = env["theme"]
    language = (token.info or "").strip().split(" ")[0]
    code = token.content.rstrip("\n")
    number = env["code_offset"] + len(env["code_blocks"])
    env["code_blocks"].append(code)
    label = html.escape(language) if language else "code"
    body = _highlight(code, language.lower(), theme.pygments_style)
    return (
        f'<table width="100%" cellspacing="0" cellpadding="0" border="0" '
        f'style="background-color: {theme.code_bg}; margin-top: 4px; margin-bottom: 12px;">'
        f'<tr><td style="background-color: {theme.code_header}; padding: 5px 12px; '
        f'color: {theme.muted}; font-size: 12px;">{label}</td>'
        f'<td align="right" style="background-color: {theme.code_header}; padding: 5px 12px; '
        f'font-size: 12px;"><a href="{ACTION_SCHEME}:copy-code/{number}" '
        f'style="color: {theme.muted};">Copy</a></td></tr>'
        f'<tr><td colspan="2" style="padding: 10px 12px;">'
        f'<pre style="font-family: {MONO_FONTS}; font-size: 13px;">{body}</pre>'
        f"</td></tr></table>\n"
    )


@lru_cache(maxsize=512)
def _highlight(code: str, language: str, style: str) -> str:
    """HTML spans with inline colours; cached so a streaming reply re-highlights only new code."""
    from pygments import highlight
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import TextLexer, get_lexer_by_name
    from pygments.util import ClassNotFound

    try:
        lexer = get_lexer_by_name(language) if language else TextLexer()
    except ClassNotFound:
        lexer = TextLexer()
    formatter = HtmlFormatter(style=style, noclasses=True, nowrap=True)
    return highlight(code, lexer, formatter).rstrip("\n")


def _render_image(self, tokens, idx, options, env) -> str:
    """Never an <img>: the picture is not fetched, its description links to where it lives."""
    token = tokens[idx]
    alt = html.escape(self.renderInlineAsText(token.children or [], options, env) or "image")
    src = token.attrGet("src") or ""
    if _SAFE_LINK.match(src):
        return f'<a href="{html.escape(src, quote=True)}">[picture: {alt}]</a>'
    return f"[picture: {alt}]"


def _render_table_open(self, tokens, idx, options, env) -> str:
    theme: Theme = env["theme"]
    return (
        f'<table border="1" cellspacing="0" cellpadding="0" '
        f'style="border-collapse: collapse; border-color: {theme.border}; border-style: solid; '
        f'margin-top: 4px; margin-bottom: 14px;">\n'
    )
