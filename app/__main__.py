"""Composition root: `hearth` opens the window, `hearth COMMAND` runs the command line."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

log = logging.getLogger("app")


def run_window(folder: Path) -> int:
    from app.ui.shell.platform_check import window_can_open

    if not window_can_open():  # before Qt, whose missing-plugin error aborts the process
        return 1
    from app.core.errors import HearthError
    from app.services import open_services
    from app.store import Store
    from app.ui.shell.app import run_app

    try:
        services = open_services(folder)
        from app.server import front_door  # light: Starlette and uvicorn load when it starts

        services.server.front_door = front_door
        # Conversations deleted last time (their undo has long expired) are removed for good.
        services.db.call_sync(Store.purge_deleted)
    except HearthError as err:  # a damaged database, a folder it cannot use: said plainly
        log.error("Could not start: %s", err.plain())
        return startup_failed(err, folder)
    except Exception:
        log.exception("Could not start")
        from app.ui.shell.startup_error import UNEXPECTED

        return startup_failed(UNEXPECTED, folder)
    return run_app(services, data_dir=folder)


def startup_failed(err, folder: Path | None) -> int:
    """The window could not open: a plain dialog saying why (and the log's place)."""
    from app.ui.shell.startup_error import show_startup_error

    log_file = folder / "logs" / "hearth.log" if folder is not None else None
    shown = log_file if log_file is not None and log_file.is_file() else None
    return show_startup_error(err, log_file=str(shown) if shown else None)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--llama-probe"]:  # hidden: a child that tries a llama.cpp configuration
        from app.providers.llama_probe import child_main

        return child_main(argv[1:])
    from app.cli import build_parser, run_command

    args = build_parser().parse_args(argv)  # `--help` ends here: nothing else is imported
    if args.self_test:  # before data_dir(): the check must not touch the user's data folder
        from app.selftest import run_self_test

        return run_self_test()
    from app.core.errors import HearthError
    from app.logsetup import setup_logging
    from app.paths import data_dir

    try:
        folder = data_dir(args.data_dir)
        setup_logging(folder)
    except HearthError as err:  # a data folder Hearth cannot use: no log to write to either
        if args.command is None:
            return startup_failed(err, None)
        print(f"hearth: {err.plain()}", file=sys.stderr)
        return 1
    if args.command is None:
        return run_window(folder)
    return run_command(args, folder)


if __name__ == "__main__":
    sys.exit(main())
