"""Where Hearth keeps user data, and where it finds what it ships."""

from __future__ import annotations

import errno
import os
import sys
from pathlib import Path

import platformdirs

from app.core.errors import DataFolderProblem

APP_NAME = "Hearth"
DATA_DIR_ENV = "HEARTH_DATA_DIR"


def data_dir(override: str | os.PathLike | None = None) -> Path:
    """The user data folder: --data-dir, else $HEARTH_DATA_DIR, else the platform's folder."""
    chosen = override or os.environ.get(DATA_DIR_ENV)
    path = (
        Path(chosen).expanduser() if chosen else Path(platformdirs.user_data_dir(APP_NAME, False))
    )
    usable_folder(path, what="data folder")
    return path.resolve()


def usable_folder(path: Path, *, what: str) -> Path:
    """Make the folder if needed and check it can be written; DataFolderProblem in plain words
    (it is a file, it cannot be made, it is read-only) instead of an OSError."""
    if path.exists() and not path.is_dir():
        raise DataFolderProblem(
            f"Hearth's {what} {path} is a file, not a folder.",
            action="Move or rename that file, or choose another data folder with --data-dir "
            "(or HEARTH_DATA_DIR).",
        )
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / f".hearth-write-check-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
            reason = "it is read-only or Hearth may not write there"
        raise DataFolderProblem(
            f"Hearth cannot write in its {what} {path} ({reason}).",
            action="Make it writable, or choose another data folder with --data-dir "
            "(or HEARTH_DATA_DIR).",
        ) from exc
    return path


def db_path(folder: Path) -> Path:
    return folder / "hearth.db"


def logs_dir(folder: Path) -> Path:
    path = folder / "logs"
    if not path.is_dir():  # the usual case costs one stat, not a write check
        usable_folder(path, what="log folder")
    return path


def models_dir(folder: Path) -> Path:
    path = folder / "models"
    path.mkdir(parents=True, exist_ok=True)
    return path


def resource_path(*parts: str) -> Path:
    """A file shipped in resources/, also inside a PyInstaller bundle (sys._MEIPASS)."""
    base = Path(getattr(sys, "_MEIPASS", Path(__file__).resolve().parent.parent))
    return base.joinpath("resources", *parts)
