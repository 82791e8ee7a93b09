"""The small, quiet line under a reply: actions, model, where it ran, speed, and status."""

from __future__ import annotations

import html

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
from app.ui.markdown_render import ACTION_SCHEME
from app.ui.theme import Theme

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
NEEDS_IDLE = {RETRY, USE_LOCAL}  # only under the last reply, while nothing is being written


def model_label(model_id: str) -> str:
    """“gpt-4o-mini” for “openai:gpt-4o-mini”; a local model's own name as it is."""
    try:
        return parse_model_id(model_id)[1]
    except HearthError:
        return model_id


def footer_facts(message: Message) -> list[str]:
    """Model, where the words went, speed and time to the first word, in plain words."""
    facts = []
    if message.model_id:
        facts.append(model_label(message.model_id))
    facts.append(message.where)
    if message.tokens_per_second:
        facts.append(f"{message.tokens_per_second:.1f} tokens/s")
    if message.ttft_ms is not None:
        facts.append(f"first word after {message.ttft_ms / 1000:.2f} s")
    return facts


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


def _facts_html(message: Message, theme: Theme) -> str:
    """The facts in the quietest colour, except where the words went: green on this computer,
    amber when they were sent away, the same colours as the badge in the header."""
    where = message.where
    colour = theme.local_badge_fg if message.is_local else theme.cloud_badge_fg
    if not message.is_local and not was_sent_away(where):
        colour = theme.muted  # "not sent — offline mode": nothing left, nothing to warn about
    pieces = []
    for fact in footer_facts(message):
        text = _unbroken(fact)
        pieces.append(f'<span style="color: {colour};">{text}</span>' if fact == where else text)
    return f'<span style="color: {theme.faint};">{"&nbsp;· ".join(pieces)}</span>'


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
) -> str:
    """The footer's rich text; `cost` (the reply's tokens and cost) goes on a line of its own.
    `branch` is (position, count) when the reply has other versions."""
    link = f'style="color: {theme.muted}; text-decoration: none;"'
    strong = f'style="color: {theme.link}; text-decoration: none; font-weight: 600;"'
    links = []
    arrows = branch_arrows_html(branch, theme, enabled=can_switch)
    if arrows:
        links.append(arrows)
    if message.content:
        links.append(f'<a href="{ACTION_SCHEME}:{COPY}" {link}>Copy</a>')
        if message.status != "streaming":
            remember = _unbroken("Remember this")
            links.append(f'<a href="{ACTION_SCHEME}:{REMEMBER}" {link}>{remember}</a>')
    if can_regenerate:
        if message.status != "error":  # a failed reply offers Retry instead
            links.append(f'<a href="{ACTION_SCHEME}:regenerate" {link}>Regenerate</a>')
        other = _unbroken("Other model ▾")
        links.append(f'<a href="{ACTION_SCHEME}:{REGENERATE_WITH}" {link}>{other}</a>')
    gap = "&nbsp;&nbsp; "  # the one place a narrow footer may wrap
    parts = links + [_facts_html(message, theme)]
    if memories_used:
        label = used_memories_text(memories_used).replace(" ", "&nbsp;")
        parts.append(f'<a href="{ACTION_SCHEME}:{USED_MEMORIES}" {link}>{label}</a>')
    if live_note:
        parts.append(f'<span style="color: {theme.muted};">{_unbroken(live_note)}</span>')
    status = html.escape(status_words(message))
    if message.status == "error":
        # The error gets lines of its own, above the rest: it is what the user needs to read.
        offered = [a for a in actions if can_regenerate or a not in NEEDS_IDLE]
        buttons = gap.join(
            f'<a href="{ACTION_SCHEME}:{a}" {strong}>{ACTION_LABELS[a]}</a>' for a in offered
        )
        error = f'<div style="color: {theme.danger}; margin-bottom: 4px;">{status}</div>'
        if buttons:
            error += f'<div style="margin-bottom: 6px;">{buttons}</div>'
        return f"{error}<div>{gap.join(parts)}</div>{_cost_html(cost, theme)}"
    if status:
        parts.append(f'<span style="color: {theme.muted};">{status}</span>')
    return gap.join(parts) + _cost_html(cost, theme)


def _cost_html(cost: str, theme: Theme) -> str:
    if not cost:
        return ""
    return f'<div style="color: {theme.faint}; margin-top: 3px;">{html.escape(cost)}</div>'
