"""Small user preferences in DATA/settings.json. Never holds a secret."""

from __future__ import annotations

import concurrent.futures
import json
import logging
import os
import shutil
import threading
from datetime import datetime
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

DEFAULTS: dict[str, Any] = {
    "default_model": None,
    "last_conversation": None,
    "system_prompt": "",
    "temperature": 0.7,
    "max_tokens": None,  # None: as long as the model's context allows
    "offline_mode": False,
    "privacy_check": True,  # scan messages for secrets before they go to a cloud model
    "fallback_model": None,  # answer with this local model when a cloud model fails
    "base_urls": {},
    "favourite_models": [],
    "recent_models": [],
    "monthly_budget_usd": None,  # text or number; None = no budget
    "budget_hard_stop": False,
    "reference_model": "openai:gpt-4o",
    "price_overrides": {},  # {"openai:gpt-4o": {"input": "2.5", "output": "10"}}
    # MCP servers, {name: {"command", "args", "env"} | {"url", "headers"}}; secret values are
    # "keychain:..." references (app/tools/config.py), never the secret itself.
    "tool_servers": {},
    "tools_disabled": [],  # "server/tool" names switched off
    "tools_always_allow": [],  # "server/tool" names the user chose "Always allow" for
    # The local API server (app/services/serving.py explains each).
    "server_enabled": False,
    "server_port": 8745,
    "server_network": False,
    "server_cloud_models": False,
    "server_keep_chats": False,
    "server_cors_origins": [],
    "server_queue_length": 4,
    "server_tokens": [],
    "server_privacy_allowed": [],
    "server_keep_running": False,  # closing the window hides it to the tray; the server goes on
    "server_skip_stop_question": False,  # “Don't ask again” on “The local server will stop”
}


# What each setting may hold; a value of another type (a hand edit, an older version) falls back
# to its default alone, so one bad key never costs the others or crashes a reader.
_NUMBER = (int, float)
TYPES: dict[str, tuple[type, ...]] = {
    "default_model": (str, type(None)),
    "last_conversation": (int, type(None)),
    "system_prompt": (str,),
    "temperature": _NUMBER,
    "max_tokens": (int, type(None)),
    "offline_mode": (bool,),
    "privacy_check": (bool,),
    "fallback_model": (str, type(None)),
    "base_urls": (dict,),
    "favourite_models": (list,),
    "recent_models": (list,),
    "monthly_budget_usd": (str, int, float, type(None)),
    "budget_hard_stop": (bool,),
    "reference_model": (str,),
    "price_overrides": (dict,),
    "tool_servers": (dict,),
    "tools_disabled": (list,),
    "tools_always_allow": (list,),
    "model_defaults": (dict,),
    "server_enabled": (bool,),
    "server_port": (int,),
    "server_network": (bool,),
    "server_cloud_models": (bool,),
    "server_keep_chats": (bool,),
    "server_cors_origins": (list,),
    "server_queue_length": (int,),
    "server_tokens": (list,),
    "server_privacy_allowed": (list,),
    "server_keep_running": (bool,),
    "server_skip_stop_question": (bool,),
}


def _fits(key: str, value: Any) -> bool:
    kinds = TYPES.get(key)
    if kinds is None:
        return True  # a setting this version does not know: kept as it is
    if isinstance(value, bool) and bool not in kinds:
        return False  # true is not a number of tokens
    return isinstance(value, kinds)


class Settings:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._values = dict(DEFAULTS)
        self.notice: str | None = None  # what went wrong reading the file, for the window
        self._write_lock = threading.Lock()  # one write of the file at a time, whichever thread
        self._writer: concurrent.futures.ThreadPoolExecutor | None = None  # for set_soon
        try:
            loaded = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(loaded, dict):
                raise ValueError("not a JSON object")
        except FileNotFoundError:
            return
        except (OSError, ValueError) as exc:
            self._set_aside(exc)
            return
        for key, value in loaded.items():
            if _fits(key, value):
                self._values[key] = value
            else:
                log.warning("Setting %s has a value of the wrong type; using its default", key)

    def _set_aside(self, exc: Exception) -> None:
        """Keep the damaged file as settings.json.damaged-DATE, so the next write (of defaults)
        does not silently throw the user's settings away."""
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        copy = self.path.with_name(f"{self.path.name}.damaged-{stamp}")
        try:
            shutil.copy2(self.path, copy)
        except OSError:
            log.exception("Could not keep a copy of the damaged settings file")
            copy = None
        log.error("Settings file %s unreadable (%s); using defaults", self.path, exc)
        kept = f" A copy of the damaged file was kept as {copy.name}." if copy else ""
        self.notice = f"Your settings file could not be read, so Hearth uses its defaults.{kept}"

    def get(self, key: str, default: Any = None) -> Any:
        return self._values.get(key, default)

    def set(self, key: str, value: Any) -> None:
        if self._values.get(key) == value:
            return
        self._values[key] = value
        self._write()

    def set_soon(self, key: str, value: Any) -> concurrent.futures.Future | None:
        """As set(), but the file is written on a writer thread: for a value set on the way to
        sending a message (the last chat, the recent models), so the window's thread never
        waits on the disk then. get() sees the value at once; a write still pending when
        Hearth quits is finished first (the executor's thread is joined at exit)."""
        if self._values.get(key) == value:
            return None
        self._values[key] = value
        if self._writer is None:
            self._writer = concurrent.futures.ThreadPoolExecutor(1, "hearth-settings")
        return self._writer.submit(self._write_logged)

    def flush(self) -> None:
        """Wait for the writes set_soon started (tests, and before the file is read again)."""
        if self._writer is not None:
            self._writer.submit(lambda: None).result()

    def _write_logged(self) -> None:
        try:
            self._write()
        except OSError:
            log.exception("Could not write the settings file")

    def _write(self) -> None:
        with self._write_lock:
            text = json.dumps(dict(self._values), indent=2)  # a copy: set() may add a key
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text(text, encoding="utf-8")
            os.replace(tmp, self.path)
