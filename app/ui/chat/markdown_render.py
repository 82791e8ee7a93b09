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

from app.ui.shell.theme import MONO_FONTS, Theme

# Internal actions (copy code N, copy message, regenerate) use this URL scheme. The model can
# never produce it, because link validation below refuses every scheme but http(s) and mailto.
ACTION_SCHEME = "hearth"

if TYPE_CHECKING:
    from markdown_it import MarkdownIt

_SAFE_LINK = re.compile(r"^(https?:|mailto:)", re.IGNORECASE)
# A reply's citation markers, "[1]" or "[1, 3]": each number links to its source (`cite/n`).
_CITATION = re.compile(r"\[(\d{1,4}(?:\s*,\s*\d{1,4})*)\]")
CITE_ACTION = "cite/"


@dataclass(frozen=True, slots=True)
class RenderedMarkdown:
    html: str
    code_blocks: tuple[str, ...]  # the raw text of each code block, for its Copy link


def render_markdown(
    text: str, theme: Theme, *, first_code_block: int = 0, citations: frozenset[int] = frozenset()
) -> RenderedMarkdown:
    """`first_code_block` numbers the Copy links when a reply is rendered in pieces;
    `citations` are the passage numbers a reply cited: its [n] markers become links to them."""
    env: dict = {
        "theme": theme,
        "code_blocks": [],
        "code_offset": first_code_block,
        "citations": citations,
    }
    body = _markdown().render(text, env)
    return RenderedMarkdown(body, tuple(env["code_blocks"]))


def warm_up(theme: Theme) -> None:
    """Import and prime markdown-it and Pygments (about 0.1 s), e.g. on a worker thread at start,
    so the first reply is not the one that pays for it."""
    render_markdown("# x\n\n- y\n\n```python\nprint(1)\n```\n", theme)


class StreamedMarkdown:
    """A reply rendered in pieces while it streams, and exactly as a whole when it ends.

    Each top-level block (paragraph, list, table, code block, ...) that no later text can change
    is rendered once and "settled"; only the text after the settled blocks is rendered again. At
    the end only that rest is rendered: settled HTML + rest HTML == render_markdown(whole text),
    so finishing a long reply costs as little as one frame (tests/ui/chat/test_markdown.py).

    A block is final once a later top-level block starts on a complete line: CommonMark closes a
    block for good when a line does not continue it. The partial last line is never used to
    decide ("2" may yet become "2." and join the list above). Link reference definitions
    (`[x]: url`) change links anywhere in the text, so a piece holding one never settles, and
    the reply is then rendered as a whole at the end.
    """

    def __init__(self, theme: Theme) -> None:
        self.theme = theme
        self.settled_text = ""  # what the settled blocks were rendered from
        self.code_blocks: tuple[str, ...] = ()
        self._tried = 0  # the complete lines last looked at: no new line, nothing to settle

    @property
    def settled_length(self) -> int:
        return len(self.settled_text)

    def settle(self, text: str) -> RenderedMarkdown | None:
        """Render the newly final blocks of `text` (after those settled before), or None."""
        rest = text[self.settled_length :]
        complete = rest.rfind("\n") + 1
        if self.settled_length + complete == self._tried:
            return None
        self._tried = self.settled_length + complete
        if not complete or "\r" in rest[:complete] or "\0" in rest[:complete]:
            return None  # markdown-it would number lines differently from the cut below
        env = self._env()
        tokens = _markdown().parse(rest[:complete], env)
        if env.get("references"):
            return None
        top = [i for i, t in enumerate(tokens) if t.level == 0 and t.nesting >= 0 and t.map]
        if len(top) < 2:
            return None
        last = tokens[top[-1]]
        html = _markdown().renderer.render(tokens[: top[-1]], _markdown().options, env)
        lines = rest.split("\n")
        self.settled_text += rest[: sum(len(line) + 1 for line in lines[: last.map[0]])]
        self.code_blocks += tuple(env["code_blocks"])
        return RenderedMarkdown(html, tuple(env["code_blocks"]))

    def rest(self, text: str) -> RenderedMarkdown | None:
        """The text after the settled blocks, rendered; None when `text` is no longer the text
        they were settled from, or defines link references: then render the whole."""
        if not text.startswith(self.settled_text):
            return None
        env = self._env()
        html = _markdown().render(text[self.settled_length :], env)
        if env.get("references") and self.settled_text:
            return None
        return RenderedMarkdown(html, tuple(env["code_blocks"]))

    def _env(self) -> dict:
        return {"theme": self.theme, "code_blocks": [], "code_offset": len(self.code_blocks)}


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
    md.add_render_rule("text", _render_text)
    return md


def _render_text(self, tokens, idx, options, env) -> str:
    from markdown_it.common.utils import escapeHtml

    text = escapeHtml(tokens[idx].content)
    cited = env.get("citations")
    if not cited or "[" not in text:
        return text
    theme: Theme = env["theme"]
    style = f'style="color: {theme.link}; text-decoration: none; font-weight: 600;"'

    def numbers(match: re.Match) -> str:
        parts = []
        for part in match.group(1).split(","):
            n = int(part)
            link = f'<a href="{ACTION_SCHEME}:{CITE_ACTION}{n}" {style}>{n}</a>'
            parts.append(link if n in cited else str(n))
        return "[" + ", ".join(parts) + "]"

    return _CITATION.sub(numbers, text)


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
