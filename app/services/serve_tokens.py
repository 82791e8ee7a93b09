"""Access tokens for the local server: one per app that uses it, named after that app.

The secret is made here, shown once (create's return value), kept in the keychain through
app/secrets.py (a session-only keep where there is no keychain) and never written to settings,
the database or a log. Settings hold only the names ("server_tokens"). Checking a token compares
SHA-256 digests in constant time, so a request never needs a keychain round trip after the
first one.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets as random_secrets

from app import secrets
from app.core.errors import HearthError
from app.store.settings import Settings

PREFIX = "hearth-"  # a leaked token is recognisable as Hearth's
_NAME = re.compile(r"^[\w .@+-]{1,60}$")


class BadTokenName(HearthError):
    message = "A token's name is the app's name: letters, digits, spaces and . @ + - only."
    action = "Choose a shorter or plainer name."


class TokenNameTaken(HearthError):
    message = "There is already a token with that name."
    action = "Revoke it first, or choose another name."


def _slot(name: str) -> str:
    return f"hearth-server-token:{name}"


def _digest(secret: str) -> bytes:
    return hashlib.sha256(secret.encode("utf-8")).digest()


class ServerTokens:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._digests: dict[str, bytes] = {}  # name -> digest, read once from the keychain

    def names(self) -> list[str]:
        return list(self._settings.get("server_tokens") or [])

    def create(self, name: str) -> str:
        """A new token for the app called `name`; the secret is returned once, then only kept."""
        name = (name or "").strip()
        if not _NAME.match(name):
            raise BadTokenName()
        if name in self.names():
            raise TokenNameTaken()
        secret = PREFIX + random_secrets.token_urlsafe(32)
        secrets.set_secret(_slot(name), secret)
        self._digests[name] = _digest(secret)
        self._settings.set("server_tokens", [*self.names(), name])
        return secret

    def revoke(self, name: str) -> None:
        self._settings.set("server_tokens", [n for n in self.names() if n != name])
        self._digests.pop(name, None)
        secrets.delete_key(_slot(name))

    def name_for(self, secret: str | None) -> str | None:
        """The token's name when `secret` is one of them, else None."""
        if not secret:
            return None
        wanted = _digest(secret)
        found = None
        for name in self.names():
            digest = self._digests.get(name)
            if digest is None:
                stored = secrets.get_key(_slot(name))
                if not stored:
                    continue
                digest = self._digests[name] = _digest(stored)
            if hmac.compare_digest(digest, wanted):
                found = name  # no early return: the time taken does not say which one matched
        return found
