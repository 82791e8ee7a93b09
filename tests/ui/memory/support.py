"""Helpers for the memory and persona tests: an Ollama server on loopback answers (it counts as
“on this computer”); its replies are scripted with says() and every request it gets is recorded.
The fixtures (ollama_server, on_ollama) are in this folder's conftest.py."""

from __future__ import annotations

from app.services.history import TITLE_PROMPT
from app.services.memory import SUGGEST_PROMPT
from tests.ui.support import send_by_keyboard, wait_for, wait_until_idle
from tests.wire_servers import encode_sse, openai_events, sse_reply

CHAT_PATH = "/v1/chat/completions"
HELPER = "ollama:helper"


def says(server, *replies: str) -> None:
    """The next chat completions, one per text, in order (the last one repeats)."""
    server.script(
        "POST", CHAT_PATH, *(sse_reply([encode_sse(openai_events([text]))]) for text in replies)
    )


def chat_requests(server) -> list:
    return [r for r in server.requests if r.method == "POST" and r.path == CHAT_PATH]


def system_text(recorded) -> str:
    return "\n".join(m["content"] for m in recorded.json()["messages"] if m["role"] == "system")


def replies_asked(server) -> list:
    """Requests for a chat reply (not for a title or for suggestions)."""
    return [
        r for r in chat_requests(server) if system_text(r) not in (TITLE_PROMPT, SUGGEST_PROMPT)
    ]


def title_asked(server) -> list:
    return [r for r in chat_requests(server) if system_text(r) == TITLE_PROMPT]


def suggestions_asked(server) -> list:
    return [r for r in chat_requests(server) if system_text(r) == SUGGEST_PROMPT]


def reply_and_title(qtbot, window, text: str) -> None:
    """Send, wait for the reply, and for a new chat's title (asked of the model after it)."""
    send_by_keyboard(qtbot, window, text)
    wait_until_idle(qtbot, window)
    if window.personas.title_task is not None:
        wait_for(qtbot, window.personas.title_task)
