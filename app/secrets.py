"""API keys: kept in the operating system's keychain through `keyring`, nowhere else.

Lookup order for a provider: a key entered for this session only, then the keychain (service
"Hearth", user name = provider id), then the provider's conventional environment variable
(OPENAI_API_KEY, ...). Where no keychain exists (headless Linux), `set_key` raises
KeychainUnavailable and the UI offers `set_session_key` instead: kept in memory, gone at exit.

Nothing here logs, returns or formats a key except `get_key` itself.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from types import ModuleType
from typing import TYPE_CHECKING, Literal

from app.core.provider_errors import (
    InvalidKeyCharacters,
    KeychainUnavailable,
    key_has_bad_characters,
)
from app.providers.registry import all_providers, get_provider

if TYPE_CHECKING:
    from keyring.backend import KeyringBackend

log = logging.getLogger(__name__)

SERVICE = "Hearth"
KeySource = Literal["session", "keychain", "environment"]

_session_keys: dict[str, str] = {}


def _keyring() -> ModuleType:
    """keyring, imported on first use: loading it (and jaraco, urllib) costs ~60 ms, which the
    window's start-up need not pay; the first keychain question runs on a worker thread."""
    import keyring
    import keyring.core
    import keyring.errors

    return keyring


# -- the keychain itself -----------------------------------------------------------------------


# The backend keyring picked by itself (rather than one set with keyring.set_keyring or chosen
# in its config), remembered so a weak automatic choice can be told apart from a deliberate one.
_auto_detected: KeyringBackend | None = None


def _backend() -> KeyringBackend:
    global _auto_detected
    if getattr(_keyring().core, "_keyring_backend", False) is None:  # not initialised yet
        _auto_detected = _keyring().get_keyring()
    return _keyring().get_keyring()


def _user_configured() -> bool:
    """The user chose a backend in PYTHON_KEYRING_BACKEND or keyringrc.cfg."""
    if os.environ.get("PYTHON_KEYRING_BACKEND"):
        return True
    return _keyring().core.load_config() is not None


def _unusable(backend: KeyringBackend) -> bool:
    from keyring.backends import chainer, fail

    if isinstance(backend, fail.Keyring):
        return True
    if isinstance(backend, chainer.ChainerBackend):
        return not backend.backends
    # keyring's "null" backend silently forgets everything: as good as none.
    if type(backend).__module__ == "keyring.backends.null":
        return True
    # On a headless Linux box with keyrings.alt installed, keyring falls back to a plaintext
    # (or terminal-password) file. keyring itself does not recommend those (priority < 1);
    # Hearth does not store keys there unless the user configured it so.
    return (
        backend is _auto_detected
        and not _keyring().core.recommended(backend)
        and not _user_configured()
    )


def keychain_available() -> bool:
    """False where keys cannot be stored safely (no Secret Service, KWallet, ...)."""
    try:
        return not _unusable(_backend())
    except Exception:  # a broken backend plugin must not stop the app
        log.exception("Could not determine the keychain backend")
        return False


def keychain_name() -> str:
    """The backend's own name, for Settings ("macOS Keychain", "SecretService Keyring")."""
    backend = _backend()
    return getattr(backend, "name", type(backend).__name__)


def _require_keychain() -> None:
    if not keychain_available():
        raise KeychainUnavailable()


def _keychain_get(provider_id: str) -> str | None:
    if not keychain_available():
        return None
    try:
        return _keyring().get_password(SERVICE, provider_id)
    except _keyring().errors.KeyringError as err:  # locked, or the service went away
        log.warning("Keychain read failed for %s: %s", provider_id, type(err).__name__)
        return None


# Whether the keychain holds a key, per (backend, provider). Keychain reads can take a round trip
# to another process (Secret Service, Keychain Access), and the picker and Settings ask for every
# provider on every redraw; the answer only changes through set_key/delete_key here.
_presence: dict[tuple[int, str], bool] = {}


def _in_keychain(provider_id: str) -> bool:
    slot = (id(_keyring().get_keyring()), provider_id)
    if slot not in _presence:
        _presence[slot] = bool(_keychain_get(provider_id))
    return _presence[slot]


# -- public API --------------------------------------------------------------------------------


def _clean(key: str) -> str:
    key = (key or "").strip()
    if not key:
        raise ValueError("An empty key cannot be stored.")
    if key_has_bad_characters(key):
        raise InvalidKeyCharacters()
    return key


def set_key(provider_id: str, key: str) -> None:
    """Store a key in the keychain. Raises KeychainUnavailable where there is none."""
    _store(provider_id, _clean(key))


def set_secret(name: str, value: str) -> None:
    """Store other secret text (a tool server's token, an Authorization header with its space):
    in the keychain, or for this session only where there is none. Read it with get_key."""
    if not value:
        raise ValueError("An empty secret cannot be stored.")
    if keychain_available():
        _store(name, value)
    else:
        _session_keys[name] = value


def _store(provider_id: str, key: str) -> None:
    _require_keychain()
    try:
        _keyring().set_password(SERVICE, provider_id, key)
    except _keyring().errors.KeyringError as err:
        log.warning("Keychain write failed for %s: %s", provider_id, type(err).__name__)
        raise KeychainUnavailable(
            "The keychain refused to store the key (it may be locked)."
        ) from None
    _session_keys.pop(provider_id, None)  # the stored key is now the one to use
    _presence.clear()
    log.info("Stored a key for %s in the keychain", provider_id)


def set_session_key(provider_id: str, key: str) -> None:
    """Remember a key in memory for this session only (no keychain, or the user chose so)."""
    _session_keys[provider_id] = _clean(key)
    log.info("Using a session-only key for %s", provider_id)


def delete_key(provider_id: str) -> None:
    """Forget the session key and remove the keychain entry (if any)."""
    _session_keys.pop(provider_id, None)
    _presence.clear()
    if not keychain_available():
        return
    try:
        _keyring().delete_password(SERVICE, provider_id)
    except _keyring().errors.PasswordDeleteError:
        pass  # nothing stored: already the state the user asked for
    except _keyring().errors.KeyringError as err:
        log.warning("Keychain delete failed for %s: %s", provider_id, type(err).__name__)
        raise KeychainUnavailable("The keychain refused to remove the key.") from None
    log.info("Removed the key for %s", provider_id)


def _env_var_for(provider_id: str) -> str | None:
    """The provider's declared environment variable (data in the provider table)."""
    try:
        return get_provider(provider_id).key_env_var
    except Exception:
        return None


def key_source(provider_id: str, *, env: Mapping[str, str] | None = None) -> KeySource | None:
    """Where the key `get_key` would return comes from, without revealing it."""
    env = os.environ if env is None else env
    if _session_keys.get(provider_id):
        return "session"
    if _in_keychain(provider_id):
        return "keychain"
    var = _env_var_for(provider_id)
    if var and env.get(var, "").strip():
        return "environment"
    return None


def get_key(provider_id: str, *, env: Mapping[str, str] | None = None) -> str | None:
    """The key to use: session key, then keychain, then the conventional environment variable."""
    env = os.environ if env is None else env
    if key := _session_keys.get(provider_id):
        return key
    if key := _keychain_get(provider_id):
        return key
    var = _env_var_for(provider_id)
    if not var:
        return None
    return env.get(var, "").strip() or None


def providers_with_keys(*, env: Mapping[str, str] | None = None) -> list[str]:
    """Ids of the providers that have a usable key (never the keys themselves)."""
    return [
        spec.id
        for spec in all_providers()
        if (spec.needs_key or spec.key_env_var) and key_source(spec.id, env=env)
    ]


def forget_session_keys() -> None:
    """Drop every session-only key (on quit, and between tests)."""
    _session_keys.clear()
    _presence.clear()
