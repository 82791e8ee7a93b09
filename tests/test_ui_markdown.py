"""Rendering replies: Markdown in, safe HTML out, and a view that never fetches anything."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QUrl  # noqa: E402
from PySide6.QtGui import QGuiApplication, QImage, QPixmap, QTextDocument  # noqa: E402

from app.core.records import Message  # noqa: E402
from app.ui.assistant_message import AssistantMessage  # noqa: E402
from app.ui.markdown_render import render_markdown  # noqa: E402
from app.ui.message_footer import footer_facts, status_words  # noqa: E402
from app.ui.message_view import MessageView  # noqa: E402
from app.ui.theme import DARK, LIGHT  # noqa: E402

CODE_REPLY = "Here:\n\n```python\ndef add(a, b):\n    return a + b\n```\n"


def reply(content: str = "", **changes) -> Message:
    values = dict(
        id=1,
        conversation_id=1,
        parent_id=None,
        role="assistant",
        content=content,
        model_id="tiny-chat",
        provider="local",
        status="complete",
        created="2025-01-01T00:00:00",
    )
    return Message(**{**values, **changes})


def test_html_from_the_model_is_shown_as_text(qtbot):
    rendered = render_markdown("Hi <script>alert('x')</script> <b>bold?</b>", LIGHT)
    assert "<script" not in rendered.html and "<b>bold" not in rendered.html
    assert "&lt;script&gt;" in rendered.html
    view = MessageView()
    qtbot.addWidget(view)
    view.setHtml(rendered.html)
    assert "<script>alert('x')</script>" in view.toPlainText()


def test_a_fenced_code_block_is_highlighted_with_a_copy_link():
    rendered = render_markdown(CODE_REPLY, LIGHT)
    assert rendered.code_blocks == ("def add(a, b):\n    return a + b",)
    assert 'href="hearth:copy-code/0"' in rendered.html
    assert "<span style=" in rendered.html  # Pygments colours, inline
    assert render_markdown(CODE_REPLY, DARK).html != rendered.html  # a dark style in dark mode


def test_headings_lists_and_tables_render():
    text = "# Title\n\n- one\n- two\n\n| a | b |\n|---|---|\n| 1 | 2 |\n"
    html = render_markdown(text, LIGHT).html
    assert "<h1>Title</h1>" in html and "<li>one</li>" in html
    assert "<table" in html and "<td>1</td>" in html


def test_images_are_never_embedded():
    html = render_markdown("![a cat](https://example.com/cat.png)", LIGHT).html
    assert "<img" not in html
    assert "[picture: a cat]" in html


def test_only_web_links_survive():
    html = render_markdown(
        "[web](https://example.com) [act](hearth:regenerate) [js](javascript:alert(1)) "
        "[file](file:///etc/passwd)",
        LIGHT,
    ).html
    assert 'href="https://example.com"' in html
    for refused in ("hearth:", "javascript:", "file:"):
        assert f'href="{refused}' not in html  # shown as plain text, not as a link


def test_the_view_loads_no_resource_of_any_kind(qtbot, tmp_path):
    picture = tmp_path / "local.png"
    real = QImage(8, 8, QImage.Format.Format_RGB32)
    real.fill(0xFF0000)
    assert real.save(str(picture))
    view = MessageView()
    qtbot.addWidget(view)
    image = int(QTextDocument.ResourceType.ImageResource.value)
    for url in ("http://127.0.0.1:9/x.png", "https://example.com/x.png", picture.as_uri()):
        assert len(view.loadResource(image, QUrl(url))) == 0
    # Even raw HTML with an <img> (which the renderer never produces) gets no picture: Qt would
    # read file: URLs itself if loadResource answered "nothing", so it answers "empty" instead.
    view.setHtml(f'<img src="{picture.as_uri()}"><img src="http://127.0.0.1:9/y.png">')
    assert not is_picture(view.document().resource(image, QUrl(picture.as_uri())))


def is_picture(resource) -> bool:
    if isinstance(resource, (QImage, QPixmap)):
        return not resource.isNull()
    return bool(resource) and not QImage.fromData(resource).isNull()


def test_links_become_actions_or_confirmations_never_navigation(qtbot):
    view = MessageView()
    qtbot.addWidget(view)
    assert not view.openLinks() and not view.openExternalLinks()
    with qtbot.waitSignal(view.action_requested) as action:
        view.anchorClicked.emit(QUrl("hearth:copy-code/0"))
    assert action.args == ["copy-code/0"]
    with qtbot.waitSignal(view.link_clicked) as link:
        view.anchorClicked.emit(QUrl("https://example.com"))
    assert link.args[0].toString() == "https://example.com"
    with qtbot.assertNotEmitted(view.link_clicked), qtbot.assertNotEmitted(view.action_requested):
        view.anchorClicked.emit(QUrl("file:///etc/passwd"))


def test_copy_code_puts_the_code_on_the_clipboard(qtbot):
    widget = AssistantMessage(reply(CODE_REPLY), LIGHT)
    qtbot.addWidget(widget)
    widget.view.action_requested.emit("copy-code/0")
    assert QGuiApplication.clipboard().text() == "def add(a, b):\n    return a + b"
    widget.view.action_requested.emit("copy-message")
    assert QGuiApplication.clipboard().text() == CODE_REPLY


def test_a_streaming_reply_renders_only_when_asked(qtbot):
    widget = AssistantMessage(reply(status="streaming"), LIGHT)
    qtbot.addWidget(widget)
    widget.set_streaming_text("Hello **wor")
    assert widget.is_dirty
    widget.render()
    assert not widget.is_dirty and "Hello" in widget.view.toPlainText()


def test_footer_facts_in_plain_words():
    message = reply("x", tokens_per_second=18.44, ttft_ms=420.0)
    assert footer_facts(message) == [
        "tiny-chat",
        "on this computer",
        "18.4 tokens a second",
        "first word after 0.42 s",
    ]
    assert status_words(reply(status="stopped")) == "Stopped"
    assert status_words(reply(status="error", error="The model ran out of memory.")) == (
        "The model ran out of memory."
    )
    assert "sent to openai" in footer_facts(reply(provider="openai"))
