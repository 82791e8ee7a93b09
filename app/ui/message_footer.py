"""The small, quiet line under a reply: actions, model, where it ran, speed, and status."""

from __future__ import annotations

import html

from app.core.records import Message
from app.ui.markdown_render import ACTION_SCHEME
from app.ui.theme import Theme

_STATUS_WORDS = {
    "stopped": "Stopped",
    "interrupted": "Interrupted — Hearth closed before this reply finished",
    "streaming": "Writing…",
}


def footer_facts(message: Message) -> list[str]:
    """Model, where the words went, speed and time to the first word, in plain words."""
    facts = []
    if message.model_id:
        facts.append(message.model_id)
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


def footer_html(message: Message, theme: Theme, *, can_regenerate: bool) -> str:
    link = f'style="color: {theme.muted}; text-decoration: none;"'
    actions = []
    if message.content:
        actions.append(f'<a href="{ACTION_SCHEME}:copy-message" {link}>Copy</a>')
    if can_regenerate:
        actions.append(f'<a href="{ACTION_SCHEME}:regenerate" {link}>Regenerate</a>')
    gap = "&nbsp;&nbsp;&nbsp;"
    facts = html.escape(" · ".join(footer_facts(message)))
    parts = actions + [f'<span style="color: {theme.faint};">{facts}</span>']
    status = html.escape(status_words(message))
    if message.status == "error":
        # The error gets a line of its own, above the rest: it is what the user needs to read.
        error = f'<div style="color: {theme.danger}; margin-bottom: 4px;">{status}</div>'
        return f"{error}<div>{gap.join(parts)}</div>"
    if status:
        parts.append(f'<span style="color: {theme.muted};">{status}</span>')
    return gap.join(parts)
