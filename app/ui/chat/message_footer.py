"""The small, quiet line under a reply: actions, where the words went, what it cost, its status.

Plain words lead; the figures (tokens, speed, exact cost, model) wait in the tooltip and behind ⋯.
"""

from __future__ import annotations

import html

from app.core.doc_prompt import source_lines
from app.core.errors import HearthError
from app.core.provider_errors import (
    SETTINGS_PROVIDERS,
    InvalidKey,
    NoCredits,
    NoKey,
    Offline,
    OfflineModeBlocked,
)
from app.core.records import Message
from app.core.where import was_sent_away
from app.providers.registry import parse_model_id
from app.ui.chat.markdown_render import ACTION_SCHEME, CITE_ACTION
from app.ui.shell.theme import Theme

_STATUS_WORDS = {
    "stopped": "Stopped",
    "interrupted": "Interrupted — Hearth closed before this reply finished",
    "streaming": "Writing…",
}

# What a failed reply offers. Retry asks the same model again; "use a model on this computer"
# switches to the local model and asks it.
OPEN_SETTINGS = "open-settings"
RETRY = "retry"
USE_LOCAL = "use-local"
REGENERATE_WITH = "regenerate-with"
CONTINUE = "continue"  # a stopped reply goes on from where it stopped
MORE = "more"  # ⋯: the rarer actions and the figures
# Offered by every finished message, the user's own included.
COPY = "copy-message"
REMEMBER = "remember"
EDIT = "edit"
USED_MEMORIES = "used-memories"
BRANCH_PREVIOUS = "branch-previous"
BRANCH_NEXT = "branch-next"
ACTION_LABELS = {
    OPEN_SETTINGS: "Open Settings",
    RETRY: "Retry",
    USE_LOCAL: "Use a model on this computer",
}
NEEDS_IDLE = {RETRY, USE_LOCAL, CONTINUE}  # only under the last reply, while nothing is written


def model_label(model_id: str) -> str:
    """“gpt-4o-mini” for “openai:gpt-4o-mini”; a local model's own name as it is."""
    try:
        return parse_model_id(model_id)[1]
    except HearthError:
        return model_id


def footer_facts(message: Message) -> list[str]:
    """The figures behind the footer (its tooltip and its ⋯ menu): model, where the words
    went, speed and time to the first word."""
    facts = []
    if message.model_id:
        facts.append(model_label(message.model_id))
    facts.append(message.where)
    if message.tokens_per_second:
        facts.append(f"{message.tokens_per_second:.1f} tokens a second")
    if message.ttft_ms is not None:
        facts.append(f"first word after {message.ttft_ms / 1000:.2f} s")
    return facts


def figures_text(message: Message, cost_figures: str = "", cost_tip: str = "") -> str:
    """The footer's tooltip: every figure, one kind a line ("gpt-4o-mini · sent to OpenAI",
    "17 tokens in · 11 out · $0.0000092", the exact price, the speed)."""
    facts = footer_facts(message)
    lines = [" · ".join(facts[:2])]
    if facts[2:]:
        speed = " · ".join(facts[2:])
        lines.append(speed[0].upper() + speed[1:])
    lines += [text for text in (cost_figures, cost_tip) if text]
    return "\n".join(lines)


def status_words(message: Message) -> str:
    if message.status == "error":
        return message.error or "The reply failed."
    return _STATUS_WORDS.get(message.status, "")


def error_actions(message: Message, error: HearthError | None = None) -> list[str]:
    """The buttons under a failed reply, from the error itself or, reopened later, its words."""
    if message.status != "error":
        return []
    if error is not None:
        if isinstance(error, InvalidKey):
            return [OPEN_SETTINGS, RETRY]
        if isinstance(error, NoKey):
            return [OPEN_SETTINGS, USE_LOCAL]
        if isinstance(error, OfflineModeBlocked):
            return [USE_LOCAL, OPEN_SETTINGS]
        if isinstance(error, (Offline, NoCredits)):
            return [USE_LOCAL, RETRY]
        return [RETRY]
    words = (message.error or "").casefold()
    actions = []
    if SETTINGS_PROVIDERS.casefold() in words or "in settings" in words:
        actions.append(OPEN_SETTINGS)
    if "model on this computer" in words and not message.is_local:
        actions.append(USE_LOCAL)
    return [*actions, RETRY]


def _where_html(message: Message, theme: Theme) -> str:
    """Where the words went, in the header badge's colours: green on this computer, amber when
    they were sent away, quiet when they were not sent at all."""
    where = message.where
    if was_sent_away(where):
        colour = theme.cloud_badge_fg
    elif message.is_local:
        colour = theme.local_badge_fg
    else:
        colour = theme.muted  # "not sent — offline mode": nothing left, nothing to warn about
    return f'<span style="color: {colour};">{_unbroken(where)}</span>'


def _unbroken(text: str) -> str:
    """Escaped, with spaces that never break: a narrow footer wraps between its parts, never
    inside "sent to OpenAI" or "Remember this"."""
    return f'<span style="white-space: nowrap;">{html.escape(text)}</span>'


def action_link(action: str, label: str, theme: Theme) -> str:
    style = f'style="color: {theme.muted}; text-decoration: none;"'
    return f'<a href="{ACTION_SCHEME}:{action}" {style}>{label}</a>'


def branch_arrows_html(branch: tuple[int, int] | None, theme: Theme, *, enabled: bool) -> str:
    """‹ 2/3 ›: which version of the message this is; the arrows show the others. While a reply
    is being written they are drawn but not clickable."""
    if branch is None:
        return ""
    position, count = branch
    text = f'<span style="color: {theme.muted};">{position}/{count}</span>'
    arrows = []
    for action, glyph, possible in (
        (BRANCH_PREVIOUS, "‹", position > 1),
        (BRANCH_NEXT, "›", position < count),
    ):
        if enabled and possible:
            arrows.append(action_link(action, f"&nbsp;{glyph}&nbsp;", theme))
        else:
            arrows.append(f'<span style="color: {theme.border};">&nbsp;{glyph}&nbsp;</span>')
    return f"{arrows[0]}{text}{arrows[1]}"


def used_memories_text(count: int) -> str:
    return f"Used {count} {'memory' if count == 1 else 'memories'}"


def footer_html(
    message: Message,
    theme: Theme,
    *,
    can_regenerate: bool,
    actions: list[str] | tuple[str, ...] = (),
    live_note: str = "",
    cost: str = "",
    branch: tuple[int, int] | None = None,
    can_switch: bool = True,
    memories_used: int = 0,
    sources: list[dict] | tuple[dict, ...] = (),
) -> str:
    """One quiet line: Continue (a stopped reply) · Copy · Regenerate · ⋯, then where the words
    went and `cost` in plain words ("costs about $0.001"). The figures (tokens, speed, exact
    cost, model) are in the tooltip and behind ⋯, so the line fits an 800-pixel window. A failed
    reply's error and its buttons come first, on lines of their own. `branch` is (position,
    count) when the reply has other versions."""
    link = f'style="color: {theme.muted}; text-decoration: none;"'
    strong = f'style="color: {theme.link}; text-decoration: none; font-weight: 600;"'
    links = []
    arrows = branch_arrows_html(branch, theme, enabled=can_switch)
    if arrows:
        links.append(arrows)
    if can_continue(message, can_regenerate=can_regenerate):
        links.append(f'<a href="{ACTION_SCHEME}:{CONTINUE}" {strong}>Continue</a>')
    if message.content:
        links.append(f'<a href="{ACTION_SCHEME}:{COPY}" {link}>Copy</a>')
    if can_regenerate and message.status != "error":  # a failed reply offers Retry instead
        links.append(f'<a href="{ACTION_SCHEME}:regenerate" {link}>Regenerate</a>')
    if message.status != "streaming":
        links.append(f'<a href="{ACTION_SCHEME}:{MORE}" {link}>&nbsp;⋯&nbsp;</a>')
    gap = "&nbsp;&nbsp; "  # the one place a narrow footer may wrap
    said = [_where_html(message, theme)]
    if cost:
        said.append(_unbroken(cost))
    parts = [*links, f'<span style="color: {theme.faint};">{"&nbsp;· ".join(said)}</span>']
    if memories_used:
        label = used_memories_text(memories_used).replace(" ", "&nbsp;")
        parts.append(f'<a href="{ACTION_SCHEME}:{USED_MEMORIES}" {link}>{label}</a>')
    if live_note:
        parts.append(f'<span style="color: {theme.muted};">{_unbroken(live_note)}</span>')
    status = html.escape(status_words(message))
    cited = sources_html(sources, theme)
    if message.status == "error":
        # The error gets lines of its own, above the rest: it is what the user needs to read.
        offered = [a for a in actions if can_regenerate or a not in NEEDS_IDLE]
        buttons = gap.join(
            f'<a href="{ACTION_SCHEME}:{a}" {strong}>{ACTION_LABELS[a]}</a>' for a in offered
        )
        error = f'<div style="color: {theme.danger}; margin-bottom: 4px;">{status}</div>'
        if buttons:
            error += f'<div style="margin-bottom: 6px;">{buttons}</div>'
        return f"{error}{cited}<div>{gap.join(parts)}</div>"
    if status:
        parts.append(f'<span style="color: {theme.muted};">{status}</span>')
    return f"{cited}<div>{gap.join(parts)}</div>" if cited else gap.join(parts)


def sources_html(sources, theme: Theme) -> str:
    """ "Sources: [1] report.pdf, page 3 · [2] notes.md": the passages the reply cited, each a
    link that opens it in the side panel. "" when it cited none."""
    if not sources:
        return ""
    style = f'style="color: {theme.link}; text-decoration: none;"'
    links = []
    for i, (source, line) in enumerate(zip(sources, source_lines(sources), strict=True), 1):
        n = source.get("n") if isinstance(source.get("n"), int) else i
        href = f"{ACTION_SCHEME}:{CITE_ACTION}{n}"
        links.append(f'<a href="{href}" {style}>{_unbroken(line)}</a>')
    label = f'<span style="color: {theme.muted};">Sources:</span>'
    return f'<div style="margin-bottom: 4px;">{label} {" &nbsp;· ".join(links)}</div>'


def can_continue(message: Message, *, can_regenerate: bool) -> bool:
    """A reply the user stopped, with some words, can go on, while nothing else is written."""
    return can_regenerate and message.status == "stopped" and bool(message.content)
