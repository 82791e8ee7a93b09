"""What a served request can be refused for, in plain words. Each front door's API (OpenAI,
Anthropic) turns these into its own error shape and status code (app/server/errors.py)."""

from __future__ import annotations

from app.core.errors import HearthError


class ServerError(HearthError):
    """Base of the local server's own refusals."""


class ModelNotServed(ServerError):
    message = "There is no model with that name on this server."
    action = "Ask GET /v1/models for the names this server offers."


class CloudModelsOff(ModelNotServed):
    message = "Cloud models are not shared with other apps."
    action = "In Hearth, switch on Settings → Local server → “Let other apps use my cloud models”."


class BudgetReached(ServerError):
    message = "The monthly budget is reached, so Hearth does not send more to cloud models."
    action = "Raise the budget or switch off the hard stop in Hearth's Settings → Costs."


class QueueFull(ServerError):
    message = "The local model is busy with other requests."
    action = "Try again in a moment."

    def __init__(self, retry_after: float = 5.0) -> None:
        super().__init__()
        self.retry_after = retry_after


class ServedOffline(ServerError):
    message = "Hearth is in offline mode, so cloud models cannot be reached."
    action = "Use a model on this computer, or switch off offline mode in Hearth."
    retry_after = 30.0  # a client that honours it asks again later, not at once


class SecretsInRequest(ServerError):
    message = (
        "The request contains what looks like a secret, so Hearth did not send it to a cloud model."
    )
    action = "Remove it, or allow this app in Hearth's Settings → Local server."


class NotForThisModel(ServerError):
    message = "This model cannot do that."
    action = "Use another model."


class BadRequest(ServerError):
    message = "The request could not be read."
    action = "Check the request body against the API reference."


class TokenRequired(ServerError):
    message = "This server needs an access token."
    action = (
        "Send it as “Authorization: Bearer …” or “x-api-key”; create one in Hearth's "
        "Settings → Local server."
    )


class NeedsAToken(ServerError):
    message = "Serving to the local network needs an access token first."
    action = "Create a token for the app that will use it, then switch network serving on."


class PortInUse(ServerError):
    message = "Another program already uses that port."
    action = "Choose another port in Settings → Local server (or `hearth serve --port N`)."


class ServerUnavailable(ServerError):
    message = "The local server is not part of this copy of Hearth."
    action = "Reinstall Hearth, or use `hearth serve` from a terminal."
