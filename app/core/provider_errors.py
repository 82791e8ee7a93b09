"""What can go wrong talking to a model provider, in plain words with a suggested next step.

Every class fills in the provider's display name ("The key was rejected by OpenAI."), so the
same error reads right for OpenAI, Groq or a llama.cpp server on this computer. `detail` keeps
what the provider itself said (already stripped of anything key-shaped) for the log file and a
"details" disclosure; it is never the headline.
"""

from __future__ import annotations

from app.core.errors import HearthError
from app.core.privacy import redact_secrets

SETTINGS_PROVIDERS = "Open Settings → Providers"
USE_LOCAL = "Use a model on this computer."
OR_USE_LOCAL = "or use a model on this computer."


class ProviderError(HearthError):
    """Base of errors about a model provider.

    `retryable`: worth retrying automatically before the reply starts (rate limits, overload,
    server errors). Errors after the reply started are never retried automatically.
    """

    template = "{provider} reported a problem."
    action_template = "Try again in a moment."
    retryable = False

    def __init__(
        self,
        provider: str = "The provider",
        *,
        message: str | None = None,
        action: str | None = None,
        detail: str | None = None,
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        self.provider = provider
        self.detail = redact_secrets(detail)[:500] if detail else None
        self.status = status
        self.retry_after = retry_after
        super().__init__(
            message or self.template.format(provider=provider),
            action=action if action is not None else self.action_template.format(provider=provider),
        )


class InvalidKey(ProviderError):
    template = "The key was rejected by {provider}."
    action_template = SETTINGS_PROVIDERS + " and check the key for {provider}."


class NoKey(ProviderError):
    template = "No key for {provider} yet."
    action_template = SETTINGS_PROVIDERS + " and add one, " + OR_USE_LOCAL


class NoCredits(ProviderError):
    template = "{provider} says the account has no credits left (payment required)."
    action_template = "Add credits or a payment method on the {provider} website, " + OR_USE_LOCAL


class RateLimited(ProviderError):
    template = "{provider} is limiting how many requests you can send right now."
    action_template = "Wait a little and press Retry."
    retryable = True


class Overloaded(ProviderError):
    template = "{provider} is overloaded right now."
    action_template = "Press Retry in a minute, or choose another model."
    retryable = True


class ProviderUnavailable(ProviderError):
    template = "{provider} had a problem on its side."
    action_template = "Press Retry in a minute, or choose another model."
    retryable = True


class TimedOut(ProviderError):
    template = "{provider} did not answer in time."
    action_template = "Check your connection and press Retry."


class Offline(ProviderError):
    template = "You appear to be offline."
    action_template = USE_LOCAL


class LocalServerNotRunning(ProviderError):
    """Nothing answers at a loopback address: "offline" would be the wrong diagnosis."""

    template = "Nothing is answering for {provider} on this computer."
    action_template = "Start {provider} (or check its address in Settings → Providers)."


class OfflineModeBlocked(ProviderError):
    template = "Offline mode is on, so nothing is sent to {provider}."
    action_template = "Turn offline mode off in Settings, " + OR_USE_LOCAL


class MalformedResponse(ProviderError):
    template = "{provider} sent a reply Hearth could not read."
    action_template = "Press Retry; if it keeps happening, choose another model."


class StreamInterrupted(ProviderError):
    """An error after the reply had started: the words so far are kept and marked."""

    template = "The reply from {provider} was cut off. What arrived so far is kept."
    action_template = "Press Retry to ask again."


class ModelUnavailable(ProviderError):
    template = "{provider} does not have that model."
    action_template = "Refresh the model list and choose another model."


class RequestRejected(ProviderError):
    """A 4xx the user cannot fix by waiting: the provider's own words follow the headline."""

    template = "{provider} refused the request."
    action_template = "Edit the message or choose another model."


class KeychainUnavailable(HearthError):
    message = "This computer has no keychain Hearth can use to store keys safely."
    action = (
        "You can enter a key for this session only; Hearth forgets it when it closes. "
        "To keep keys, install a keychain service (for example GNOME Keyring or KWallet)."
    )


class EmptyReply(ProviderError):
    """The stream ended properly but held no words: an error, never an empty 'complete' reply."""

    template = "{provider} finished without writing anything."
    action_template = "Press Retry, or rephrase the message."


class InvalidKeyCharacters(HearthError, ValueError):
    """A key with a control character, a space or a non-ASCII letter inside (a bad paste): it
    can never be right, and it is never sent (it would be a broken HTTP header anyway)."""

    message = "This key contains characters a key cannot have."
    action = "Copy the key again from the provider's page, only the key itself, and paste it."


def key_has_bad_characters(key: str) -> bool:
    """Keys are printable ASCII without spaces; anything else came from a bad copy."""
    return any(not ("!" <= ch <= "~") for ch in key)
