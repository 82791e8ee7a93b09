"""Where a reply's words went, in the words stored with it and shown under it.

"sent to OpenAI" is only ever said once the request was written to OpenAI's connection. Until
then a cloud reply is "sending to OpenAI"; one that failed (or was stopped) before that moment
says it was not sent, and why.
"""

from __future__ import annotations

from app.core.errors import HearthError
from app.core.provider_errors import NoKey, OfflineModeBlocked

ON_THIS_COMPUTER = "on this computer"
NOT_SENT = "not sent"
BLOCKED_BY_OFFLINE_MODE = f"{NOT_SENT} — offline mode"


def sending_to(provider: str) -> str:
    return f"sending to {provider}"


def sent_to(provider: str) -> str:
    return f"sent to {provider}"


def as_sent(where: str) -> str:
    """ "sending to OpenAI" → "sent to OpenAI"; any other label as it is."""
    prefix = "sending to "
    return sent_to(where[len(prefix) :]) if where.startswith(prefix) else where


def not_sent(provider: str, error: HearthError | None) -> str:
    """The label of a cloud reply whose request never left: the reason in a few words."""
    if error is None:
        return f"{NOT_SENT} — stopped before sending"
    if isinstance(error, OfflineModeBlocked):
        return BLOCKED_BY_OFFLINE_MODE
    if isinstance(error, NoKey):
        return f"{NOT_SENT} — no key for {provider}"
    return f"{NOT_SENT} — could not reach {provider}"


def also_sent(where: str, provider: str) -> str:
    """A reply the local fallback model wrote after the online model failed: the words were
    written here, but they had reached the online service first."""
    return f"{where} · also sent to {provider}"


def was_sent_away(where: str) -> bool:
    """True when the words left this computer, or may have ("sending to …")."""
    return where.startswith(("sent to ", "sending to ")) or " · also sent to " in where


def passages_sent(count: int, provider: str) -> str:
    """What the user is told before passages of their files go to a cloud model with a message
    (the window before sending, `hearth ask --docs` on stderr)."""
    noun = "passage" if count == 1 else "passages"
    return f"{count} {noun} from your files will be sent to {provider}."


def images_sent(count: int, provider: str, *, local: bool = False) -> str:
    """The warning before a cloud send: "1 image will be sent to OpenAI" / "3 images will be
    sent to OpenAI". "" for none, and for a model on this computer (nothing leaves)."""
    if count <= 0 or local:
        return ""
    noun = "image" if count == 1 else "images"
    return f"{count} {noun} will be sent to {provider}."
