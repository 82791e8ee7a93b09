"""Keys through keyring only: an in-memory backend stands in for the OS keychain."""

from __future__ import annotations

import logging

import keyring
import pytest
from keyring.backends import chainer, fail

from app import secrets
from app.core.provider_errors import KeychainUnavailable
from tests.memory_keyring import MemoryKeyring

KEY = "sk-proj-test-0123456789abcdefghijklmnop"


class LockedKeyring(MemoryKeyring):
    def set_password(self, service, username, password):
        raise keyring.errors.KeyringLocked("locked")


@pytest.fixture(autouse=True)
def isolated(monkeypatch):
    """No real keychain, no key variables from the developer's shell, no session leftovers."""
    previous = keyring.get_keyring()
    for var in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY", "GROQ_API_KEY"):
        monkeypatch.delenv(var, raising=False)
    secrets.forget_session_keys()
    yield
    secrets.forget_session_keys()
    keyring.set_keyring(previous)


@pytest.fixture
def memory():
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    return backend


def test_set_get_delete_through_the_keychain(memory):
    secrets.set_key("openai", f"  {KEY}\n")
    assert memory.entries == {("Hearth", "openai"): KEY}  # service Hearth, user = provider id
    assert secrets.get_key("openai") == KEY
    assert secrets.key_source("openai") == "keychain"
    secrets.delete_key("openai")
    assert secrets.get_key("openai") is None
    secrets.delete_key("openai")  # deleting twice is fine


def test_lookup_order_session_then_keychain_then_environment(memory, monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "from-env")
    assert secrets.get_key("anthropic") == "from-env"
    assert secrets.key_source("anthropic") == "environment"
    secrets.set_key("anthropic", "from-keychain")
    assert secrets.get_key("anthropic") == "from-keychain"
    secrets.set_session_key("anthropic", "from-session")
    assert secrets.get_key("anthropic") == "from-session"
    assert secrets.key_source("anthropic") == "session"


def test_providers_with_keys_never_returns_keys(memory, monkeypatch):
    monkeypatch.setenv("GEMINI_API_KEY", "gem-key")
    secrets.set_key("openai", KEY)
    secrets.set_session_key("groq", "gsk_session")
    listed = secrets.providers_with_keys()
    assert sorted(listed) == ["gemini", "groq", "openai"]
    assert KEY not in repr(listed)


def test_no_keychain_is_detected_and_session_keys_still_work(caplog):
    keyring.set_keyring(fail.Keyring())
    assert not secrets.keychain_available()
    with pytest.raises(KeychainUnavailable) as info:
        secrets.set_key("openai", KEY)
    assert "session only" in info.value.action
    secrets.set_session_key("openai", KEY)
    assert secrets.get_key("openai") == KEY
    assert KEY not in caplog.text


def test_chainer_without_backends_counts_as_no_keychain(monkeypatch):
    empty = chainer.ChainerBackend()
    monkeypatch.setattr(chainer.ChainerBackend, "backends", property(lambda self: []))
    keyring.set_keyring(empty)
    assert not secrets.keychain_available()
    assert secrets.get_key("openai") is None  # reading is quiet, not an error


def test_locked_keychain_is_reported_plainly():
    keyring.set_keyring(LockedKeyring())
    with pytest.raises(KeychainUnavailable, match="locked"):
        secrets.set_key("openai", KEY)


def test_empty_key_is_refused(memory):
    with pytest.raises(ValueError):
        secrets.set_key("openai", "   ")


def test_keys_never_reach_the_log(memory, caplog):
    caplog.set_level(logging.DEBUG)
    secrets.set_key("openai", KEY)
    secrets.get_key("openai")
    secrets.set_session_key("anthropic", "sk-ant-session-secret")
    secrets.delete_key("openai")
    assert "openai" in caplog.text
    assert KEY not in caplog.text and "sk-ant-session-secret" not in caplog.text


def test_keys_are_not_in_backend_repr():
    from app.providers.openai_compat import OpenAICompatBackend
    from app.providers.registry import get_provider

    backend = OpenAICompatBackend(get_provider("openai"), "gpt-4o-mini", "https://x/v1", KEY)
    assert KEY not in repr(backend) and KEY not in str(vars(backend).get("model"))


def test_weak_automatic_fallback_is_not_a_keychain(monkeypatch):
    """keyring's own pick of a plaintext file (headless Linux + keyrings.alt) is refused..."""
    from keyrings.alt.file import PlaintextKeyring

    monkeypatch.delenv("PYTHON_KEYRING_BACKEND", raising=False)
    monkeypatch.setattr(keyring.core, "load_config", lambda: None)
    monkeypatch.setattr(keyring.core, "_detect_backend", lambda limit=None: PlaintextKeyring())
    monkeypatch.setattr(keyring.core, "_keyring_backend", None)  # as at start-up
    assert not secrets.keychain_available()
    with pytest.raises(KeychainUnavailable):
        secrets.set_key("openai", KEY)


def test_deliberately_chosen_file_backend_is_respected(tmp_path):
    """...but one set on purpose (keyring.set_keyring, or keyring's config) is used."""
    from keyrings.alt.file import PlaintextKeyring

    backend = PlaintextKeyring()
    backend.file_path = str(tmp_path / "keyring.cfg")
    keyring.set_keyring(backend)
    secrets.set_key("openai", KEY)
    assert secrets.get_key("openai") == KEY
