"""Small user preferences in DATA/settings.json. Never holds a secret."""

from __future__ import annotations

import json
import logging
import os
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
}


class Settings:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._values = dict(DEFAULTS)
        try:
            self._values.update(json.loads(path.read_text(encoding="utf-8")))
        except FileNotFoundError:
            pass
        except (OSError, ValueError):
            log.exception("Settings file unreadable; using defaults")

    def get(self, key: str, default: Any = None) -> Any:
        return self._values.get(key, default)

    def set(self, key: str, value: Any) -> None:
        if self._values.get(key) == value:
            return
        self._values[key] = value
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self._values, indent=2), encoding="utf-8")
        os.replace(tmp, self.path)
