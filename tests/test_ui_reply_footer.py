"""The first minutes: an empty composer shows no estimate; a reply's footer is one plain line.

A real window on a temporary data folder, OpenAI's wire format on loopback.
"""

from __future__ import annotations

from app import secrets
from tests import test_ui_support as support
from tests.test_ui_support import OPENAI_KEY, activate

open_window = support.open_window
qloop = support.qloop
short_gguf = support.short_gguf
openai_server = support.openai_server

MINI = "openai:gpt-4o-mini"


def _cloud_window(qtbot, open_window):
    secrets.set_key("openai", OPENAI_KEY)
    window, services = open_window()
    qtbot.waitUntil(lambda: window.find_model(MINI) is not None)
    qtbot.waitUntil(lambda: not window.showing_welcome)
    window.choose_model(MINI)
    return window, services


def test_an_empty_composer_shows_no_cost_estimate(qtbot, open_window, openai_server):
    window, _services = _cloud_window(qtbot, open_window)
    estimate = window.composer.estimate
    qtbot.wait(400)  # the estimate is worked out a moment after each change
    assert not estimate.isVisible()

    activate(qtbot, window)
    qtbot.keyClicks(window.composer.edit, "How long is a piece of string?")
    qtbot.waitUntil(lambda: estimate.isVisible() and estimate.text().startswith("≈ $"))

    window.composer.clear()
    assert not estimate.isVisible()
    qtbot.keyClicks(window.composer.edit, "   ")  # spaces only: still nothing to send
    qtbot.wait(400)
    assert not estimate.isVisible()
