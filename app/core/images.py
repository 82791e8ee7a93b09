"""Images in chats, as plain values: what a message keeps, what a request carries, what can go
wrong in plain words, and how big each provider wants them. No decoding here (app/images)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from app.core.errors import HearthError


@dataclass(frozen=True, slots=True)
class ImageRef:
    """An image attached to a stored message: its file is found by content hash."""

    sha256: str
    mime: str
    width: int
    height: int
    name: str  # the file name it was attached as ("photo.jpg"), "pasted image" when pasted

    @property
    def extension(self) -> str:
        return extension_for(self.mime)


@dataclass(frozen=True, slots=True)
class ImagePart:
    """An image as a request carries it: already prepared (scaled, stripped) for the provider."""

    mime: str
    width: int
    height: int
    data: bytes | None = None
    path: Path | None = None

    def read(self) -> bytes:
        if self.data is not None:
            return self.data
        if self.path is None:
            raise ValueError("an ImagePart needs data or a path")
        return self.path.read_bytes()


_EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp", "image/gif": "gif"}


def extension_for(mime: str) -> str:
    return _EXTENSIONS.get(mime, "bin")


# -- size limits --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SizeLimit:
    """The largest image worth sending: bigger ones are scaled down by the provider anyway, so
    sending more pixels only costs upload time (and, for some, tokens)."""

    longest: int  # longest edge, px
    shortest: int | None = None  # then the short side at most this (OpenAI's second step)


# Anthropic: "If your image's long edge is more than 1568 pixels ... it will first be scaled
# down" (docs.anthropic.com/en/docs/build-with-claude/vision, "Evaluate image size").
ANTHROPIC_LIMIT = SizeLimit(1568)
# OpenAI: high detail images are "scaled to fit within a 2048 x 2048 square ... then scaled such
# that the shortest side of the image is 768px long" (platform.openai.com/docs/guides/vision,
# "Calculating costs").
OPENAI_LIMIT = SizeLimit(2048, 768)
# Gemini documents no pixel cap, only a 20 MB inline request and 768x768 tiles
# (ai.google.dev/gemini-api/docs/image-understanding, ai.google.dev/gemini-api/docs/tokens):
# four tiles a side keep detail and keep a photo far under the request limit.
GEMINI_LIMIT = SizeLimit(3072)
# What Hearth keeps in the data folder: larger than any provider takes, so each send can be
# prepared from the kept copy, and small enough that a 50 MP photo does not fill the disk.
KEEP_LIMIT = SizeLimit(4096)

_LIMITS = {"anthropic": ANTHROPIC_LIMIT, "openai": OPENAI_LIMIT, "gemini": GEMINI_LIMIT}


def limit_for(wire: str) -> SizeLimit:
    """The limit for a wire format ("openai", "anthropic", "gemini"); OpenAI's for anything
    else (the compatible services and local servers follow its form)."""
    return _LIMITS.get(wire, OPENAI_LIMIT)


def scaled_size(width: int, height: int, limit: SizeLimit) -> tuple[int, int]:
    """The size after fitting within the limit, keeping the aspect ratio; never enlarged."""
    scale = min(1.0, limit.longest / max(width, height))
    if limit.shortest is not None:
        scale = min(scale, limit.shortest / min(width, height))
    if scale >= 1.0:
        return width, height
    return max(1, round(width * scale)), max(1, round(height * scale))


# -- errors -------------------------------------------------------------------------------------


class ImageProblem(HearthError):
    action = "Try another image, or take a screenshot of it and attach that."


class ImageUnreadable(ImageProblem):
    message = "This image could not be opened."


class ImageDamaged(ImageProblem):
    message = "This image is damaged or incomplete, so it cannot be sent."


class ImageNotSupported(ImageProblem):
    message = "This kind of image is not supported (PNG, JPEG, WebP and GIF are)."


class ImageTooLarge(ImageProblem):
    message = "This image is too large to open."
    action = "Make it smaller (under 100 megapixels) in a photo editor, then attach it again."


class ModelCannotSeeImages(HearthError):
    """Sending an image to a model that cannot see it: said, never dropped silently."""

    message = "This model cannot see images."

    def __init__(self, model_name: str, seeing: list[str]) -> None:
        message = f"{model_name} cannot see images, so the picture would be lost."
        if seeing:
            action = "Choose a model that can: " + ", ".join(seeing[:5]) + "."
        else:
            action = "Add a model that sees images, or remove the picture and send the words."
        super().__init__(message, action=action)
