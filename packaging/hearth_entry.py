"""The frozen app's entry point: PyInstaller runs this file as the `hearth` executable.

It is `app.__main__.main` plus one thing a frozen, double-clicked app needs: if Hearth fails
before its window (and its crash dialog) exists, the traceback goes to the log file and the user
is told, in a message box, where that file is. Nobody sees a terminal to read it from.
"""

from __future__ import annotations

import logging
import multiprocessing
import sys
import tempfile
import traceback
from pathlib import Path

log = logging.getLogger("hearth.start")


def _log_file() -> Path:
    """The file the app logs to, or a file in the temporary folder if logging never started."""
    for handler in logging.getLogger().handlers:
        if getattr(handler, "_hearth", False):
            return Path(handler.baseFilename)
    fallback = Path(tempfile.gettempdir()) / "hearth-crash.log"
    handler = logging.FileHandler(fallback, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.getLogger().addHandler(handler)
    return fallback


def _could_not_start(gui: bool) -> int:
    path = _log_file()
    log.error("Hearth could not start:\n%s", traceback.format_exc())
    message = f"Hearth could not start. The details are in:\n{path}"
    print(message, file=sys.stderr)
    if gui:
        try:
            from PySide6.QtWidgets import QApplication, QMessageBox

            _app = QApplication.instance() or QApplication(sys.argv[:1])
            QMessageBox.critical(None, "Hearth", message)
        except Exception:  # noqa: BLE001 - no display: stderr and the log file must do
            log.exception("Could not show the start-up error")
    return 1


def _wants_window(argv: list[str]) -> bool:
    """True when Hearth was started to open its window (no command), as a double-click does."""
    try:
        from app.cli import build_parser

        args, _ = build_parser().parse_known_args(argv)
        return args.command is None and not getattr(args, "self_test", False)
    except BaseException:  # noqa: BLE001 - the command line itself may be what is broken
        return not argv


def main() -> int:
    # A multiprocessing child of a frozen app re-runs this executable: it must not open a window.
    multiprocessing.freeze_support()
    from app.__main__ import main as hearth_main

    try:
        return hearth_main()
    except Exception:
        return _could_not_start(gui=_wants_window(sys.argv[1:]))


if __name__ == "__main__":
    sys.exit(main())
