"""Logging to a rotating file in the data folder. Tracebacks go here, never to the user."""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

from app.core.privacy import RedactingLogFilter
from app.paths import logs_dir


def setup_logging(data_folder: Path, *, level: int = logging.INFO) -> Path:
    """Send the app's logs to DATA/logs/hearth.log (rotated); returns the file's path."""
    log_file = logs_dir(data_folder) / "hearth.log"
    handler = logging.handlers.RotatingFileHandler(
        log_file, maxBytes=2_000_000, backupCount=3, encoding="utf-8"
    )
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingLogFilter())  # no key-shaped text reaches the file
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "_hearth", False)]:
        root.removeHandler(old)
        old.close()
    handler._hearth = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    # A log line that cannot be written (a full disk) must not print a traceback on stderr:
    # the user is told about the full disk in plain words where it matters.
    logging.raiseExceptions = False
    return log_file
