"""Pictures in the window: attaching them to the composer (paperclip, paste, drop) with
thumbnails and × to remove, the thumbnails of a sent message and the viewer with zoom, the offer
of models that can see when the chosen one cannot, and the controller (image_actions).

Decoding and preparing run off the UI thread: the services make a picture safe (app.images) on
a worker thread, and thumbnails are read by QImageReader at their small size on one too."""

# What other feature packages may use (import-linter forbids them this package's modules):
# resolved on first use, so importing the package costs nothing at start-up.
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.ui.images.image_actions import ImageController
    from app.ui.images.image_thumbs import MessageThumbs, is_image_file

_EXPORTS = {
    "ImageController": "app.ui.images.image_actions",
    "MessageThumbs": "app.ui.images.image_thumbs",
    "is_image_file": "app.ui.images.image_thumbs",
}

__all__ = ["ImageController", "MessageThumbs", "is_image_file"]


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
