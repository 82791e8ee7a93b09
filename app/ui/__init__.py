"""The desktop window. The only package that imports PySide6 or qasync."""

from __future__ import annotations

from app.ui.shell.app import create_main_window, run_app

__all__ = ["create_main_window", "run_app"]
