"""Composition root: build the services, the window and the event loop."""

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


def main() -> int:
    from app.cli import main as cli_main

    return cli_main()


if __name__ == "__main__":
    sys.exit(main())
