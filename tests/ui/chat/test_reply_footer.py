"""The first minutes: an empty composer shows no estimate; a reply's footer is one plain line.

A real window on a temporary data folder, OpenAI's wire format on loopback.
"""

from __future__ import annotations

from app import secrets
from app.ui.chat.message_footer import MORE
from tests.ui.chat.support import assert_one_line
from tests.ui.support import (
    OPENAI_KEY,
    activate,
    add_tiny_model,
    click_footer,
    openai_says,
    save_shot,
    send_by_keyboard,
    shown_replies,
    wait_until_idle,
)

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


# -- the reply's footer ---------------------------------------------------------------------------


def test_the_reply_footer_is_one_plain_line_at_800_pixels(qtbot, open_window, openai_server):
    window, _services = _cloud_window(qtbot, open_window)
    window.resize(800, 600)
    openai_says(openai_server, "Bonjour", " à vous", prompt_tokens=1200)
    send_by_keyboard(qtbot, window, "Say hello in French, please")
    wait_until_idle(qtbot, window)
    [reply] = shown_replies(window)
    qtbot.wait(50)  # the layout settles
    words = reply.footer.text()
    for plain in ("Copy", "Regenerate", "⋯", "sent to OpenAI", "costs about $0.00018"):
        assert plain in words, words
    for figure in ("tokens", "gpt-4o-mini", "first word"):
        assert figure not in words, words
    tip = reply.footer.toolTip()
    for figure in ("gpt-4o-mini", "sent to OpenAI", "1,200 tokens in · 2 out", "Exactly $", "s"):
        assert figure in tip, tip
    assert "first word after" in tip
    assert_one_line(qtbot, reply)
    save_shot(window, "labels-footer-800-light.png")

    window.themes.set_dark(True)
    try:
        qtbot.wait(50)
        assert_one_line(qtbot, shown_replies(window)[0])
        save_shot(window, "labels-footer-800-dark.png")
    finally:
        window.themes.set_dark(False)

    # ⋯ holds the rarer actions and the same figures.
    click_footer(reply, MORE)
    menu = reply.more_menu
    qtbot.waitUntil(menu.isVisible)
    labels = [a.text() for a in menu.actions() if a.text()]
    assert "Remember this" in labels and "Regenerate with another model…" in labels
    assert any("1,200 tokens in" in label for label in labels)
    menu.close()


def test_a_local_reply_footer_is_one_line_too(qtbot, open_window, short_gguf):
    window, services = open_window()
    services.settings.set("max_tokens", 8)
    local = add_tiny_model(qtbot, window, short_gguf)
    window.choose_model(local.id)
    window.resize(800, 600)
    send_by_keyboard(qtbot, window, "Hello")
    wait_until_idle(qtbot, window)
    [reply] = shown_replies(window)
    qtbot.wait(50)
    assert "on this computer" in reply.footer.text()
    assert "tokens" not in reply.footer.text()
    assert "tokens a second" in reply.footer.toolTip() or "tokens in" in reply.footer.toolTip()
    assert_one_line(qtbot, reply)
