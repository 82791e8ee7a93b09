"""Hearth's version. pyproject.toml is the one place it is written; this reads it back from the
installed package's metadata (the frozen bundle carries that metadata too)."""

from __future__ import annotations

from functools import cache
from importlib import metadata

UNKNOWN = "0+unknown"


@cache
def app_version() -> str:
    try:
        return metadata.version("hearth")
    except metadata.PackageNotFoundError:  # a source tree that was never installed
        return UNKNOWN
