"""What can go wrong downloading a model, in plain words with a suggested next step.

`retryable` says whether trying again later can help (a cut connection, a busy server); the
download queue retries those on its own with backoff. Once it gives up, the download waits for
the person's Retry (also across restarts).
"""

from __future__ import annotations

from app.core.chat import human_bytes
from app.core.errors import HearthError

HUB = "Hugging Face"


class DownloadError(HearthError):
    """Base of the download errors. `detail` is for the log, never the headline."""

    message = "The model could not be downloaded."
    action = "Press Resume to try again."
    retryable = False

    def __init__(
        self,
        message: str | None = None,
        *,
        action: str | None = None,
        detail: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        self.detail = detail
        self.retry_after = retry_after
        super().__init__(message, action=action)


class DownloadInterrupted(DownloadError):
    message = "The connection was lost during the download. What arrived so far is kept."
    action = "Check your internet connection; the download goes on from where it stopped."
    retryable = True


class HubUnreachable(DownloadError):
    """Nothing answered at all: no network, or an HF_ENDPOINT mirror that is down or mistyped.

    Not retried on its own: the person sees at once what is wrong and presses Retry when the
    network is back (a download that never started has nothing to lose by waiting).
    """

    def __init__(self, endpoint: str | None = None, *, detail: str | None = None) -> None:
        if endpoint is None:
            super().__init__(
                f"Couldn't reach {HUB}.",
                action="Check your internet connection, then try again.",
                detail=detail,
            )
        else:  # the person (or their organisation) set HF_ENDPOINT: say which address failed
            super().__init__(
                f"Couldn't reach {HUB} at {endpoint} (the address set in HF_ENDPOINT).",
                action="Check that this address is right and its server is running, or unset "
                "HF_ENDPOINT to download from huggingface.co; then try again.",
                detail=detail,
            )
        self.endpoint = endpoint


class HubUnavailable(DownloadError):
    message = f"{HUB} is not answering properly right now."
    action = "Try again in a few minutes; what arrived so far is kept."
    retryable = True


class DiskFull(DownloadError):
    """The disk has (or had) too little room. The download pauses; its part file is kept."""

    action = "Free up some disk space, then press Resume. What arrived so far is kept."

    def __init__(self, *, needed: int | None = None, free: int | None = None) -> None:
        if needed is not None and free is not None:
            words = (
                f"There is not enough free disk space for this model: it needs "
                f"{human_bytes(needed)} more, and {human_bytes(free)} is free."
            )
        else:
            words = "The disk is full, so the download was paused."
        super().__init__(words)
        self.needed, self.free = needed, free


class ChecksumMismatch(DownloadError):
    message = (
        "The downloaded file was damaged on the way (its checksum did not match), "
        "so it was deleted and not installed."
    )
    action = "Start the download again."


class NotFoundOnHub(DownloadError):
    message = f"That model or file was not found on {HUB}."
    action = "Check the name (a private model also needs an access token in HF_TOKEN)."


class GatedModel(DownloadError):
    """The authors ask people to accept their terms on the Hub before downloading."""

    def __init__(self, repo: str, *, page: str, has_token: bool) -> None:
        how = (
            "Your access token has not been granted access yet."
            if has_token
            else "Hearth also needs an access token from your Hugging Face account."
        )
        super().__init__(
            f"“{repo}” is a gated model: its authors ask you to accept their terms first. {how}",
            action=f"Open {page}, accept the terms"
            + (", then try again." if has_token else ", then set HF_TOKEN and try again."),
        )
        self.repo = repo


class InvalidHubToken(DownloadError):
    message = f"{HUB} rejected the access token in HF_TOKEN."
    action = "Create a new token in your Hugging Face settings and set HF_TOKEN to it."


class HubRefused(DownloadError):
    message = f"{HUB} refused the download."
    action = "Check that the model is public, or that HF_TOKEN is allowed to read it."


class RangeNotSatisfiable(DownloadError):
    """The server could not continue from where the part file ends; it restarts from zero."""

    message = "The server could not continue the download from where it stopped."
    action = "The download starts over from the beginning."
    retryable = True


class UnexpectedFile(DownloadError):
    """The server offers something else than the file that was chosen (size changed)."""

    message = f"{HUB} now offers a different file under that name than the one chosen."
    action = "Refresh the list of files and choose the model again."


class SplitModelUnsupported(DownloadError):
    message = "This model is split into several files, which Hearth cannot download yet."
    action = "Choose a quantization that comes as a single .gguf file."


class DownloadBusy(DownloadError):
    message = "This model is already being downloaded by another Hearth window or command."
    action = "Wait for that download to finish, or close the other Hearth first."
    retryable = True


class DownloadFailed(DownloadError):
    """Anything else, with the server's status in the message."""
