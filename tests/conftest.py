"""Shared fixtures. Every test gets its own data folder: nothing touches the real home folder."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402


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
