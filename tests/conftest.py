"""Fixtures for the whole suite. Every test gets its own data folder and keychain: nothing touches
the real home folder. Each level below adds its own (tests/ui/conftest.py: the window; a feature
folder's conftest.py: what its files share); helpers live in each level's support.py."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import keyring  # noqa: E402
import pytest  # noqa: E402

from app import secrets  # noqa: E402
from app.providers.registry import all_providers  # noqa: E402
from tests.memory_keyring import MemoryKeyring  # noqa: E402


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    folder = tmp_path / "data"
    folder.mkdir()
    monkeypatch.setenv("HEARTH_DATA_DIR", str(folder))
    return folder


@pytest.fixture(scope="session")
def tiny_gguf(tmp_path_factory):
    """A tiny real llama GGUF with a chat template: real llama.cpp loads and streams from it."""
    from tests.gguf_factory import write_tiny_gguf

    return write_tiny_gguf(tmp_path_factory.mktemp("models") / "tiny-chat.gguf")


PROVIDER_ENV = [s.key_env_var for s in all_providers() if s.key_env_var] + ["HEARTH_OFFLINE"]


@pytest.fixture(autouse=True)
def keychain(monkeypatch, tmp_path):
    """A fresh in-memory keychain per test; subprocesses get a plaintext one in tmp_path."""
    for var in PROVIDER_ENV:
        monkeypatch.delenv(var, raising=False)
    for var in [v for v in os.environ if v.startswith("HEARTH_") and v.endswith("_BASE_URL")]:
        monkeypatch.delenv(var)
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyrings.alt.file.PlaintextKeyring")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    secrets.forget_session_keys()
    yield backend
    secrets.forget_session_keys()
    keyring.set_keyring(previous)


@pytest.fixture
def store(tmp_path):
    """A real SQLite store of its own, for tests of the store's functions."""
    from app.store import Store

    s = Store(tmp_path / "hearth.db")
    yield s
    s.close()


@pytest.fixture
def services(data_dir):
    """Every service over the test's data folder (modules that need other settings override it)."""
    from app.services import open_services

    return open_services(data_dir)


@pytest.fixture
def unpinned_catalog(tmp_path, monkeypatch):
    """The shipped catalog without its sizes, hashes and commits, as $HEARTH_CATALOG: a loopback
    Hub serves made-up bytes under the real names, which the real hashes would rightly refuse."""
    import json

    from app.downloads.catalog import CATALOG_ENV, CATALOG_FILE
    from app.paths import resource_path

    catalog = json.loads(resource_path(CATALOG_FILE).read_text(encoding="utf-8"))
    for model in catalog["models"]:
        model["revision"] = "main"
        for file in model["files"]:
            file.update(size=None, sha256=None, revision="main")
    path = tmp_path / "catalog-unpinned.json"
    path.write_text(json.dumps(catalog), encoding="utf-8")
    monkeypatch.setenv(CATALOG_ENV, str(path))
    return path


@pytest.fixture
def online_again():
    """Offline mode is process-wide (app.netguard): never let one test leave it on."""
    from app import netguard

    yield
    netguard.set_offline_mode(False)


@pytest.fixture
def openai_server(monkeypatch):
    """A loopback server speaking OpenAI's wire format; the app's OpenAI provider points at it."""
    from tests.wire_servers import WireServer

    with WireServer() as server:
        monkeypatch.setenv("HEARTH_OPENAI_BASE_URL", server.base_url + "/v1")
        yield server
