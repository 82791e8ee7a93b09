"""Composition root: `hearth` opens the window, `hearth COMMAND` runs the command line."""

from __future__ import annotations

import sys
from pathlib import Path


def run_window(folder: Path) -> int:
    from app.services import open_services
    from app.store import Store
    from app.ui.app import run_app

    services = open_services(folder)
    # Conversations deleted last time (their undo has long expired) are removed for good now.
    services.db.call_sync(Store.purge_deleted)
    return run_app(services, data_dir=folder)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--llama-probe"]:  # hidden: a child that tries a llama.cpp configuration
        from app.providers.llama_probe import child_main

        return child_main(argv[1:])
    from app.cli import build_parser, run_command
    from app.logsetup import setup_logging
    from app.paths import data_dir

    args = build_parser().parse_args(argv)
    if args.self_test:  # before data_dir(): the check must not touch the user's data folder
        from app.selftest import run_self_test

        return run_self_test()
    folder = data_dir(args.data_dir)
    setup_logging(folder)
    if args.command is None:
        return run_window(folder)
    return run_command(args, folder)


if __name__ == "__main__":
    sys.exit(main())
