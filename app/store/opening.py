"""Opening the database file: a damaged file is noticed before anything is written to it, and a
folder that cannot hold it is said in plain words."""

from __future__ import annotations

import logging
import shutil
import sqlite3
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlite_utils

from app.core.errors import DatabaseDamaged, DataFolderProblem, DiskFull

log = logging.getLogger(__name__)

_DAMAGED = {sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB}


def open_database(path: Path) -> sqlite_utils.Database:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path)
    except (OSError, sqlite3.Error) as exc:
        raise _open_error(path, exc) from exc
    try:
        # First, before WAL mode or any migration writes: another process may be creating the
        # file right now, and a damaged file must not be written at all.
        conn.execute("PRAGMA busy_timeout=5000")
        problems = [row[0] for row in conn.execute("PRAGMA quick_check").fetchall()]
        if problems != ["ok"]:
            log.error("quick_check of %s found: %s", path, "; ".join(problems[:5]))
            raise damaged(path)
        conn.execute("PRAGMA journal_mode=WAL")
        # NORMAL is durable to the last committed transaction in WAL mode except on power loss.
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
    except sqlite3.Error as exc:
        conn.close()
        raise _open_error(path, exc) from exc
    except BaseException:
        conn.close()
        raise
    return sqlite_utils_module().Database(conn)


def is_damage(exc: BaseException) -> bool:
    """An sqlite3 error that says the file itself is damaged."""
    code = getattr(exc, "sqlite_errorcode", None)
    return code in _DAMAGED or "malformed" in str(exc) or "not a database" in str(exc)


def _open_error(path: Path, exc: OSError | sqlite3.Error) -> Exception:
    log.error("Could not open %s: %s", path, exc)
    code = getattr(exc, "sqlite_errorcode", None)
    if is_damage(exc):
        return damaged(path)
    if code == sqlite3.SQLITE_FULL or _nearly_no_space(path):
        return DiskFull(
            f"Your disk is full: Hearth cannot open its database {path}.",
            action="Free some space, then start Hearth again.",
        )
    return DataFolderProblem(
        f"Hearth cannot open or write its database {path} ({exc}).",
        action="Check that this folder and file are writable (not read-only), or choose another "
        "folder with --data-dir (or HEARTH_DATA_DIR).",
    )


def _nearly_no_space(path: Path) -> bool:
    try:
        return shutil.disk_usage(path.parent).free < 1024 * 1024
    except OSError:
        return False


def damaged(path: Path) -> DatabaseDamaged:
    backups = sorted(path.parent.glob(f"{path.stem}.backup-*{path.suffix}"))
    message = f"The database {path} is damaged, so Hearth left it untouched."
    if backups:
        action = (
            f"Automatic backups are in {path.parent} ({len(backups)} found, newest "
            f"{backups[-1].name}). To restore one: close Hearth, rename {path.name} to keep it "
            f"aside (e.g. {path.stem}.damaged{path.suffix}), then copy {backups[-1].name} to "
            f"{path.name}."
        )
    else:
        action = (
            f"There is no automatic backup in {path.parent} (they are made as "
            f"{path.stem}.backup-DATE{path.suffix} before each update). Rename {path.name} to keep "
            "it aside; Hearth then starts with an empty history."
        )
    return DatabaseDamaged(message, action=action)


def sqlite_utils_module():
    """sqlite-utils, imported when a Store first opens: it costs 0.13 s (click, dateutil,
    pluggy), which the command line's read-only listings skip (see Store.for_listing).

    It would also import numpy (about 0.1 s) only to map numpy scalar types to column types, and
    Hearth never stores numpy values: numpy is hidden while it loads; llama.cpp, which needs
    numpy, imports it normally later."""
    if "sqlite_utils" not in sys.modules and "numpy" not in sys.modules:
        sys.modules["numpy"] = None  # type: ignore[assignment]  # makes `import numpy` fail
        try:
            import sqlite_utils
        finally:
            del sys.modules["numpy"]
    import sqlite_utils

    return sqlite_utils
