"""Start-up imports only what the first window needs (bench/bench_ui.py measures the launch)."""

from __future__ import annotations

import ast
import os
import subprocess
import sys

from app.store import Store


def test_opening_the_app_does_not_import_numpy():
    """sqlite-utils would import numpy at start-up (~0.1 s) for nothing; llama.cpp still can."""
    code = (
        "import sys, app.services, app.ui.shell.main_window;"
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
        "import sys, app.services, app.ui.shell.main_window;"
        "print(sorted(m for m in ('keyring', 'rich', 'httpx._main') if sys.modules.get(m)))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_dialogs_are_built_on_first_use():
    """Settings, the usage dashboard (QtCharts), downloads and the managers load when opened."""
    lazy = (
        "app.ui.settings.settings_dialog",
        "app.ui.costs.usage_dashboard",
        "PySide6.QtCharts",
        "app.ui.downloads.downloads_dialog",
        "app.ui.models.model_manager",
        "app.ui.memory.memory_manager",
    )
    code = (
        "import sys, app.services, app.ui.shell.main_window;"
        f"print(sorted(m for m in {lazy!r} if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


HEAVY_FOR_LISTINGS = ("httpx", "llama_cpp", "PySide6", "keyring", "sqlite_utils", "numpy")


def modules_after_command(tmp_path, *args: str) -> tuple[list[str], str]:
    """Run `hearth ARGS` in a fresh interpreter; the heavy modules it imported and its output."""
    code = (
        "import sys, contextlib, io\n"
        "from app.__main__ import main\n"
        "out = io.StringIO()\n"
        "with contextlib.redirect_stdout(out):\n"
        "    try:\n"
        f"        main({list(args)!r})\n"
        "    except SystemExit:\n"
        "        pass\n"
        f"print(sorted(m for m in {HEAVY_FOR_LISTINGS!r} if sys.modules.get(m)))\n"
        "print(out.getvalue())\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "HEARTH_DATA_DIR": str(tmp_path / "data")},
    )
    assert done.returncode == 0, done.stderr
    heavy, _, output = done.stdout.partition("\n")
    return ast.literal_eval(heavy), output


def test_help_imports_no_service(tmp_path):
    heavy, output = modules_after_command(tmp_path, "--help")
    assert "usage: hearth" in output
    assert heavy == []


def test_listings_import_only_what_they_use(tmp_path):
    """history and search read the store with plain sqlite3 once it is migrated; models also
    asks the keychain which providers have a key. None of them loads an engine or httpx."""
    data = tmp_path / "data"
    store = Store(data / "hearth.db")  # a migrated store, with something to list
    conversation = store.create_conversation("Picnic plans")
    store.add_message(conversation.id, role="user", content="sandwiches for the picnic")
    store.close()
    heavy, output = modules_after_command(tmp_path, "history")
    assert "Picnic plans" in output and heavy == []
    heavy, output = modules_after_command(tmp_path, "search", "picn")
    assert "«picnic»" in output and heavy == []
    heavy, output = modules_after_command(tmp_path, "models")
    assert "openai" in output and heavy == ["keyring"]


def test_a_listing_on_a_fresh_folder_migrates_it(tmp_path):
    """No database yet: the full store is opened once, to create and migrate it."""
    heavy, output = modules_after_command(tmp_path, "history")
    assert heavy == ["sqlite_utils"]
    assert (tmp_path / "data" / "hearth.db").is_file()
    heavy, _ = modules_after_command(tmp_path, "history")
    assert heavy == []
