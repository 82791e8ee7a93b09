"""The window answers from a quantized model on a processor whose fastest llama.cpp path faults,
and the probe that finds that out (child processes, seconds) never freezes it."""

from __future__ import annotations

import html
import os
import time

from PySide6.QtCore import QTimer

from app.providers import llama_probe
from app.ui.models.loading_banner import LoadingBanner
from tests.gguf_factory import KERNEL_SHAPE, write_tiny_gguf
from tests.ui.support import (
    add_tiny_model,
    send_by_keyboard,
    shown_replies,
    wait_for,
    wait_until_idle,
)

SHOTS = "/work/brief/shots"


def test_first_reply_from_a_quantized_model_probes_without_freezing_the_window(
    qtbot, open_window, data_dir, tmp_path, monkeypatch
):
    monkeypatch.setattr(llama_probe, "_memory", {})  # nothing known yet: the probe must run
    model = write_tiny_gguf(tmp_path / "tiny-q8.gguf", weight_type="q8_0", **KERNEL_SHAPE)
    window, services = open_window()
    add_tiny_model(qtbot, window, model)

    ticks: list[float] = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start(10)
    shot: list[bool] = []

    def look_while_checking() -> None:
        banner = window.findChild(LoadingBanner)
        if banner is not None and banner.isVisible() and not shot and os.path.isdir(SHOTS):
            window.grab().save(f"{SHOTS}/llama-probe-loading.png")
            shot.append(True)

    timer.timeout.connect(look_while_checking)
    send_by_keyboard(qtbot, window, "Hello there")
    wait_until_idle(qtbot, window)
    timer.stop()

    [_user, reply] = wait_for(qtbot, services.conversations.messages(window.conversation_id))
    assert reply.status == "complete" and reply.content.strip()
    assert (data_dir / llama_probe.CACHE_NAME).is_file()  # the probe ran, in this window
    gaps = [b - a for a, b in zip(ticks, ticks[1:], strict=False)]
    assert max(gaps) < 0.5, f"the window stood still for {max(gaps):.2f} s"


def test_when_no_configuration_runs_the_reply_says_so_and_the_message_stays(
    qtbot, open_window, tmp_path, monkeypatch
):
    monkeypatch.setattr(llama_probe, "_memory", {})
    monkeypatch.setenv(llama_probe.CRASH_ENV, "all")  # every child dies of SIGILL
    model = write_tiny_gguf(tmp_path / "tiny-q4.gguf", weight_type="q4_0", **KERNEL_SHAPE)
    window, services = open_window()
    add_tiny_model(qtbot, window, model)
    send_by_keyboard(qtbot, window, "Keep this")
    wait_until_idle(qtbot, window)

    user, reply = wait_for(qtbot, services.conversations.messages(window.conversation_id))
    assert user.content == "Keep this" and reply.status == "error"
    [widget] = shown_replies(window)
    if os.path.isdir(SHOTS):
        window.grab().save(f"{SHOTS}/llama-probe-nothing-runs.png")
    footer = html.unescape(widget.footer.text())
    assert "models can't run on this computer" in footer and "Your chats are safe" in footer
