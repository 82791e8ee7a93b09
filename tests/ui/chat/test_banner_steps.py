"""A slow step before a reply's first words (a local model looking at a picture) is said in the
loading banner, with Cancel, and leaves when the words begin: it is not kept in the chat."""

from __future__ import annotations

from app.core.events import Notice, TextDelta
from app.ui.chat.chat_view import NoticeLine


def test_looking_at_the_image_is_said_in_the_banner_until_the_words_begin(qtbot, open_window):
    window, _services = open_window()
    session, banner = window.session, window.banner
    notices_before = len(window.chat_view.findChildren(NoticeLine))
    session._apply(Notice(kind="looking_at_image", text="Looking at the image…"))
    assert not banner.isHidden() and banner.label.text() == "Looking at the image…"
    assert banner.progress.maximum() == 0  # a step of unknown length: a moving bar
    assert not banner.cancel_button.isHidden()
    session._apply(TextDelta("A fern."))
    assert banner.isHidden()
    assert len(window.chat_view.findChildren(NoticeLine)) == notices_before  # nothing kept
