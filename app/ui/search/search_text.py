"""Words for search results and the find bar: who said it, when, the snippet, what to highlight.

No widgets here, so it is quick to test.
"""

from __future__ import annotations

import html
import re
import unicodedata
from datetime import datetime
from functools import cache

from app.store.history import MIN_PREFIX_CHARS, SearchHit
from app.ui.shell.theme import Theme

# A word as SQLite's unicode61 tokenizer sees it: letters and digits (an underscore separates).
_WORD = r"[^\W_]+"
_PHRASE_OR_WORD = re.compile(r'"([^"]*)"|(\S+)')
# Markdown's bold and code marks, which a snippet would otherwise show as typed.
_MARKUP = re.compile(r"\*\*|__|`+")
_SPACES = re.compile(r"\s+")

TYPE_TO_SEARCH = "Type to search every chat"
TYPE_A_WORD = "Search looks for words: type some letters or numbers"
NOTHING_TO_FIND = "Nothing to find in a new chat"


def no_messages_contain(query: str) -> str:
    return f"No messages contain “{' '.join(query.split())}”"


def has_words(query: str) -> bool:
    """Punctuation alone finds nothing (the search reads words), so it is not even asked."""
    return re.search(_WORD, query or "") is not None


def speaker(role: str) -> str:
    return "You" if role == "user" else "The model"


def when_text(created: str, now: datetime | None = None) -> str:
    """Short and local: “14:05” today, “Yesterday”, “Monday” this week, “3 Mar”, “3 Mar 2023”."""
    try:
        stamp = datetime.fromisoformat(created).astimezone()
    except ValueError:
        return ""
    now = now.astimezone() if now is not None else datetime.now().astimezone()
    age = (now.date() - stamp.date()).days
    if age <= 0:
        return f"{stamp:%H:%M}"
    if age == 1:
        return "Yesterday"
    if age < 7:
        return f"{stamp:%A}"
    if stamp.year == now.year:
        return f"{stamp.day} {stamp:%b}"
    return f"{stamp.day} {stamp:%b %Y}"


def highlight_colours(theme: Theme) -> tuple[str, str]:
    """Backgrounds for a match and for the current match, readable in light and dark mode."""
    if theme.dark:
        return "#5E4B1C", "#9A6420"
    return "#FBE7A6", "#F5B35C"


def snippet_html(hit: SearchHit, match_background: str) -> str:
    """The snippet on one line, as read rather than as typed (no Markdown ** or ` marks), escaped,
    with the matched words marked."""
    pieces = []
    for text, is_match in hit.parts():
        text = html.escape(_SPACES.sub(" ", _MARKUP.sub("", text)))
        if is_match:
            text = (
                f"<span style='background-color:{match_background}; font-weight:600'>{text}</span>"
            )
        pieces.append(text)
    return "".join(pieces).strip()


def _base_letter(char: str) -> str:
    return unicodedata.normalize("NFD", char)[0].casefold()


@cache
def _accented() -> dict[str, str]:
    """Every accented Latin letter by its plain one ("e" -> "èéêë..."), as the search index folds
    them (SQLite's unicode61 tokenizer removes diacritics): "cafe" finds "café", and shows it.
    Built on the first highlight, not at start-up."""
    table: dict[str, str] = {}
    for code in range(0xC0, 0x250):
        char = chr(code)
        base = _base_letter(char)
        if char.isalpha() and base.isascii() and base != char:
            table[base] = table.get(base, "") + char
    return table


_COMBINING = "[\u0300-\u036f]*"  # accents typed as separate marks (decomposed text)


def _accent_blind(word: str) -> str:
    pieces = []
    for char in word:
        base = _base_letter(char)
        variants = _accented().get(base, "")
        if variants:
            pieces.append(f"[{re.escape(base)}{variants}]{_COMBINING}")
        else:
            pieces.append(re.escape(char))
    return "".join(pieces)


def highlight_pattern(query: str) -> re.Pattern[str] | None:
    """What to highlight in a message found by `query`, the way the search matched it: whole
    words, except a last word of MIN_PREFIX_CHARS or more, which also matches as a prefix."""
    words: list[str] = []
    prefix_last = False
    for phrase, word in _PHRASE_OR_WORD.findall(query or ""):
        found = re.findall(_WORD, phrase or word)
        if found:
            words.extend(found)
            prefix_last = bool(word) and re.fullmatch(r"\w+", word) is not None
    if not words:
        return None
    last = words[-1] if prefix_last and len(words[-1]) >= MIN_PREFIX_CHARS else None
    parts = {_accent_blind(w) + (r"[^\W_]*" if w == last else "") for w in words}
    # Longest first, so "tea" does not stop "teapot" from being highlighted whole.
    alternatives = "|".join(sorted(parts, key=len, reverse=True))
    return re.compile(rf"(?<![^\W_])(?:{alternatives})(?![^\W_])", re.IGNORECASE)
