"""Composition root: build the services, the window and the event loop."""

from __future__ import annotations

import sys
from pathlib import Path


def run_window(folder: Path) -> int:
    from app.services import open_services
    from app.ui.app import run_app

    services = open_services(folder)
    return run_app(services, data_dir=folder)


def main() -> int:
    from app.cli import main as cli_main

    return cli_main()


if __name__ == "__main__":
    sys.exit(main())
