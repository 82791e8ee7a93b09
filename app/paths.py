"""Where Hearth keeps user data, and where it finds what it ships."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import platformdirs

APP_NAME = "Hearth"
DATA_DIR_ENV = "HEARTH_DATA_DIR"


def data_dir(override: str | os.PathLike | None = None) -> Path:
    """The user data folder: --data-dir, else $HEARTH_DATA_DIR, else the platform's folder."""
    chosen = override or os.environ.get(DATA_DIR_ENV)
    path = (
        Path(chosen).expanduser() if chosen else Path(platformdirs.user_data_dir(APP_NAME, False))
    )
    path.mkdir(parents=True, exist_ok=True)
    return path.resolve()


def db_path(folder: Path) -> Path:
    return folder / "hearth.db"


def logs_dir(folder: Path) -> Path:
    path = folder / "logs"
    path.mkdir(parents=True, exist_ok=True)
    return path


def models_dir(folder: Path) -> Path:
    path = folder / "models"
    path.mkdir(parents=True, exist_ok=True)
    return path


def resource_path(*parts: str) -> Path:
    """A file shipped in resources/, also inside a PyInstaller bundle (sys._MEIPASS)."""
    base = Path(getattr(sys, "_MEIPASS", Path(__file__).resolve().parent.parent))
    return base.joinpath("resources", *parts)
