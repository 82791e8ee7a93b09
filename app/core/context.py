"""Fitting a conversation into a model's context window."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from app.core.chat import ChatMessage


def fit_to_context(
    messages: Sequence[ChatMessage],
    *,
    count_tokens: Callable[[Sequence[ChatMessage]], int],
    budget: int,
) -> tuple[list[ChatMessage], int]:
    """Drop the oldest non-system turns until the prompt fits `budget` tokens.

    The system prompt and the newest message are always kept. Returns the kept
    messages and how many were left out.
    """
    system = [m for m in messages if m.role == "system"]
    rest = [m for m in messages if m.role != "system"]
    dropped = 0
    while len(rest) > 1 and count_tokens(system + rest) > budget:
        rest.pop(0)
        dropped += 1
        # Never start the kept history with an assistant turn: templates expect a user turn first.
        while len(rest) > 1 and rest[0].role == "assistant":
            rest.pop(0)
            dropped += 1
    return system + rest, dropped


# Characters per token, roughly, for English text across common tokenizers: good enough to keep
# a block of text (memories, document passages) inside its budget, where a little off does no harm.
CHARS_PER_TOKEN = 4


def estimate_tokens(text: str) -> int:
    return max(1, -(-len(text) // CHARS_PER_TOKEN))
