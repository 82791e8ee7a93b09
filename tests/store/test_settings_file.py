"""settings.json damaged or hand-edited: the user's file is kept aside and they are told; a
value of the wrong type falls back to its default alone."""

from __future__ import annotations

import json
import logging

from app.store.settings import DEFAULTS, Settings


def test_a_damaged_settings_file_is_kept_aside_and_said(tmp_path, caplog):
    path = tmp_path / "settings.json"
    damaged = '{"default_model": "qwen", "temperature": 0.3,'  # cut off mid-write
    path.write_text(damaged)
    with caplog.at_level(logging.ERROR):
        settings = Settings(path)
    assert settings.get("default_model") is None  # defaults, for now
    (copy,) = tmp_path.glob("settings.json.damaged-*")
    assert copy.read_text() == damaged
    assert copy.name in settings.notice and "could not be read" in settings.notice
    assert any("settings.json" in r.getMessage() for r in caplog.records)

    settings.set("temperature", 0.5)  # the next write no longer loses anything
    assert json.loads(path.read_text())["temperature"] == 0.5
    assert copy.read_text() == damaged


def test_a_settings_file_that_is_not_an_object(tmp_path):
    path = tmp_path / "settings.json"
    path.write_text("[1, 2, 3]")
    settings = Settings(path)
    assert settings.notice and list(tmp_path.glob("settings.json.damaged-*"))
    assert settings.get("recent_models") == []


def test_wrong_types_fall_back_per_key(tmp_path):
    path = tmp_path / "settings.json"
    path.write_text(
        json.dumps(
            {
                "default_model": "tiny-chat",
                "temperature": "hot",
                "max_tokens": True,
                "recent_models": "tiny-chat",
                "base_urls": [],
                "offline_mode": "yes",
                "system_prompt": "Be brief.",
                "some_future_setting": 3,
            }
        )
    )
    settings = Settings(path)
    assert settings.notice is None
    assert settings.get("default_model") == "tiny-chat"
    assert settings.get("system_prompt") == "Be brief."
    for key in ("temperature", "max_tokens", "recent_models", "base_urls", "offline_mode"):
        assert settings.get(key) == DEFAULTS[key], key
    assert settings.get("some_future_setting") == 3  # a newer version's setting is kept


def test_services_and_a_reply_work_over_wrong_types(data_dir):
    """Nothing downstream crashes on a hand-edited file (recent_models was a string)."""
    (data_dir / "settings.json").write_text(
        json.dumps({"recent_models": 5, "favourite_models": {"a": 1}, "temperature": None})
    )
    from app.services import open_services

    services = open_services(data_dir)
    services.chat._remember_recent("tiny-chat")
    assert services.settings.get("recent_models") == ["tiny-chat"]
    services.db.close()


def test_set_soon_writes_on_a_writer_thread(tmp_path, monkeypatch):
    """A value set on the way to a request: seen at once, written off the caller's thread,
    and a set() meanwhile loses neither."""
    import threading

    path = tmp_path / "settings.json"
    settings = Settings(path)
    writers: list[str] = []
    write = Settings._write

    def writing(self):
        writers.append(threading.current_thread().name)
        write(self)

    monkeypatch.setattr(Settings, "_write", writing)
    settings.set_soon("last_conversation", 7)
    assert settings.get("last_conversation") == 7  # at once, before the file is written
    settings.set("temperature", 0.5)
    assert settings.set_soon("last_conversation", 7) is None  # unchanged: nothing to write
    settings.flush()
    assert any(w.startswith("hearth-settings") for w in writers)  # set_soon's write
    assert "MainThread" in writers  # set()'s own
    saved = json.loads(path.read_text())
    assert saved["last_conversation"] == 7 and saved["temperature"] == 0.5
    assert Settings(path).get("last_conversation") == 7
