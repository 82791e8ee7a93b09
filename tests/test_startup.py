"""Start-up imports only what the first window needs (bench/bench_ui.py measures the launch)."""

from __future__ import annotations

import subprocess
import sys


def test_opening_the_app_does_not_import_numpy():
    """sqlite-utils would import numpy at start-up (~0.1 s) for nothing; llama.cpp still can."""
    code = (
        "import sys, app.services, app.ui.main_window;"
        "assert 'numpy' not in sys.modules, 'numpy imported at start-up';"
        "import numpy, llama_cpp; print(numpy.__name__)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "numpy"


def test_start_up_skips_what_it_never_uses():
    """keyring is imported when the keychain is first asked (on a worker thread); httpx's
    command-line tool (rich, click) never."""
    code = (
        "import sys, app.services, app.ui.main_window;"
        "print(sorted(m for m in ('keyring', 'rich', 'httpx._main') if sys.modules.get(m)))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_dialogs_are_built_on_first_use():
    """Settings, the usage dashboard (QtCharts), downloads and the managers load when opened."""
    lazy = (
        "app.ui.settings_dialog",
        "app.ui.usage_dashboard",
        "PySide6.QtCharts",
        "app.ui.downloads_dialog",
        "app.ui.model_manager",
        "app.ui.memory_manager",
    )
    code = (
        "import sys, app.services, app.ui.main_window;"
        f"print(sorted(m for m in {lazy!r} if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
