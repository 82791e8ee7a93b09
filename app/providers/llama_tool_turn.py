"""A turn on a model inside Hearth that was offered tools: the grammar keeps its calls well
formed, the words before a call stream as usual, and the call text becomes ToolCall events
(app/services/tool_loop.py runs them and comes back with the results). Runs on the owner thread.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from app.core.chat import ChatRequest
from app.core.events import Notice, StreamEvent, TextDelta
from app.core.tool_formats import CallSplitter, parse_calls
from app.providers.llama_tool_grammar import tool_grammar

log = logging.getLogger(__name__)


def generate_with_tools(
    chat: Any,  # llama_turn.LlamaChat (which imports this module's neighbours, not this one)
    prompt: list[int],
    request: ChatRequest,
    stop: threading.Event,
    emit: Callable[[Any], None],
) -> Any:
    fmt = chat.tool_format
    grammar = tool_grammar(fmt, request.tools, required=request.tool_choice == "required")
    splitter = CallSplitter(fmt)

    def words_only(event: StreamEvent) -> None:
        if isinstance(event, TextDelta):
            event = TextDelta(splitter.feed(event.text))
            if not event.text:
                return
        emit(event)

    result = chat.generate(prompt, request, stop, words_only, grammar=grammar)
    if rest := splitter.finish():
        emit(TextDelta(rest))
    if not splitter.call_text or result.finish == "stopped":
        return result
    cut = result.finish == "length"
    try:
        calls = parse_calls(fmt, splitter.call_text, cut=cut)
    except ValueError as exc:
        # Only a reply cut short (the length limit) gets here: the grammar allows no other.
        log.warning("Unreadable tool call (%s): %r", exc, splitter.call_text[:500])
        emit(TextDelta(splitter.call_text))
        emit(Notice("tool_call_unreadable", f"The model's tool call was not run: {exc}."))
        return result
    for call in calls:
        emit(call)
    return result
