"""Logging to a rotating file in the data folder. Tracebacks go here, never to the user."""

from __future__ import annotations

import logging
import logging.handlers
import re
from pathlib import Path

from app.paths import logs_dir

# Anything shaped like an API key is redacted before it reaches the log file.
_KEY_SHAPED = re.compile(r"\b(sk-[A-Za-z0-9_\-]{8,}|AIza[0-9A-Za-z_\-]{20,}|[A-Za-z0-9_\-]{32,})\b")


class _Redact(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = _KEY_SHAPED.sub("[redacted]", message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


def setup_logging(data_folder: Path, *, level: int = logging.INFO) -> Path:
    """Send the app's logs to DATA/logs/hearth.log (rotated); returns the file's path."""
    log_file = logs_dir(data_folder) / "hearth.log"
    handler = logging.handlers.RotatingFileHandler(
        log_file, maxBytes=2_000_000, backupCount=3, encoding="utf-8"
    )
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(_Redact())
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "_hearth", False)]:
        root.removeHandler(old)
        old.close()
    handler._hearth = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    return log_file
