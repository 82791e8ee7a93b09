"""Rendering replies: Markdown in, safe HTML out, and a view that never fetches anything."""

from __future__ import annotations

import os
import random

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QUrl  # noqa: E402
from PySide6.QtGui import QGuiApplication, QImage, QPixmap, QTextDocument  # noqa: E402

from app.core.records import Message  # noqa: E402
from app.ui.chat import markdown_render  # noqa: E402
from app.ui.chat.assistant_message import AssistantMessage  # noqa: E402
from app.ui.chat.markdown_render import (  # noqa: E402
    RenderedMarkdown,
    StreamedMarkdown,
    render_markdown,
)
from app.ui.chat.message_footer import footer_facts, status_words  # noqa: E402
from app.ui.chat.message_view import MessageView  # noqa: E402
from app.ui.shell.theme import DARK, LIGHT  # noqa: E402

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


# -- finishing a long reply: only what changed is rendered ----------------------------------------

STREAMED_DOCUMENTS = [
    "# Title\n\nPara one\nline two\n\n- a\n- b\n\n- c\n\nAfter the list.\n\n1. x\n2. y\n\n3. z\n\n"
    "```python\ndef f():\n\n    return 1\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n"
    "> quote\nlazy\n\n"
    "> again\n\n    indented\n\n    code\n\nend ~~~\n~~~\nraw\n~~~\ntext\n===\n\n---\n* * *\n",
    "Intro:\n\n1. **Step**: do it\n\n   More about it.\n\n2. **Next**\n   - sub\n   - sub2\n\n"
    "3. Last\n\nDone.\n\n```\nan unclosed fence\n\nstill code",
    "See [the docs][d] and [x].\n\nmore\n\n[d]: https://example.org\n\ntail",
    "a\n\n\n\nb\n\n- \n\n1\n2. x\n\n2\n\n+ plus\n\nTab\tbed\n\n\tcode tab\n\nfin",
    "1. one\n\n2\n\n2. two\n\n10) ten\n11) eleven\n\n- [link](https://a.org)\n  continued\n\n"
    "  para in item"
    "\n\nout\n\n````md\n```\ninner\n```\n````\n\n<b>html</b>\n\nx | y\n--|--\n1 | 2\nmore\n\nlast",
]


def streamed_pieces(text: str, step: int) -> tuple[str, tuple[str, ...]] | None:
    """Stream `text` `step` characters at a time as the reply view does; the settled HTML plus
    the rest rendered at the end, and the code blocks; None when it must render the whole."""
    stream = StreamedMarkdown(LIGHT)
    pieces: list[RenderedMarkdown] = []
    for end in range(0, len(text) + step, step):
        settled = stream.settle(text[:end])
        if settled is not None:
            pieces.append(settled)
    rest = stream.rest(text)
    if rest is None:
        return None
    pieces.append(rest)
    return "".join(p.html for p in pieces), tuple(c for p in pieces for c in p.code_blocks)


def test_a_reply_rendered_in_pieces_is_the_reply_rendered_whole():
    """Settled blocks + the rest == one render of the whole text, with chunks cut at every
    position (step 1) and at other strides; only a link definition forces a whole render."""
    for text in STREAMED_DOCUMENTS:
        whole = render_markdown(text, LIGHT)
        for step in (1, 2, 5, 13):
            pieces = streamed_pieces(text, step)
            if "[d]: https" in text and pieces is None:
                continue  # a link definition can change links above it: rendered whole
            assert pieces == (whole.html, whole.code_blocks), (text[:30], step)


def test_random_replies_render_in_pieces_exactly():
    rng = random.Random(5)
    blocks = [
        "Some *text* here.\n",
        "- item\n",
        "- item\n\n",
        "1. first\n",
        "2. second\n\n",
        "   indented continuation\n",
        "    code line\n",
        "```\ncode\n",
        "```\n",
        "> quoted\n",
        "| a | b |\n|---|---|\n| 1 | 2 |\n",
        "# Heading\n",
        "\n",
        "\n\n",
        "---\n",
        "===\n",
        "plain words",
    ]
    for _ in range(60):
        text = "".join(rng.choice(blocks) for _ in range(rng.randint(3, 25)))
        whole = render_markdown(text, LIGHT)
        assert streamed_pieces(text, rng.randint(1, 9)) == (whole.html, whole.code_blocks), text


def test_finishing_a_long_streamed_reply_renders_only_its_end(qtbot, monkeypatch):
    """The finish used to render all 24,000 characters again on the window's thread (213 ms);
    now the blocks settled while streaming stay and only what follows them is rendered."""
    text = "".join(
        f"## Part {i}\n\nSome **bold** text and `code`.\n\n```python\nprint({i})\n```\n\n"
        for i in range(400)
    )
    widget = AssistantMessage(reply(status="streaming"), LIGHT)
    qtbot.addWidget(widget)
    for end in range(0, len(text) + 80, 80):
        widget.set_streaming_text(text[:end])
        widget.render()
    settled_views = list(widget._settled_views)
    assert len(settled_views) > 10
    md = markdown_render._markdown()
    rendered: list[int] = []
    for name in ("render", "parse"):
        real = getattr(md, name)
        monkeypatch.setattr(
            md, name, lambda src, env=None, real=real: rendered.append(len(src)) or real(src, env)
        )
    widget.finish(reply(text))
    assert max(rendered, default=0) < 1_000, "only the end was rendered"
    assert widget._settled_views == settled_views and all(
        v.isVisibleTo(widget) for v in settled_views
    )
    assert widget.code_block(399) == "print(399)" and widget.code_block(0) == "print(0)"
