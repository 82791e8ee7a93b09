"""Popups without a compositor, and text that does not fit at 800 px: no black corners, no
words cut off mid-letter ("…" and the full text in a tooltip)."""

from __future__ import annotations

from PySide6.QtCore import Qt

from app.ui.shell import popup_frame
from tests.ui.support import add_tiny_model


def corners_are_drawn(widget) -> bool:
    image = widget.grab().toImage()
    corners = [(0, 0), (image.width() - 1, 0), (0, image.height() - 1)]
    colours = [image.pixelColor(x, y) for x, y in corners]
    # Transparent corners show black where nothing blends them; black itself is never ours.
    return all(c.alpha() == 255 and c.name() != "#000000" for c in colours)


def test_the_picker_and_search_popups_are_opaque_without_a_compositor(
    qtbot, open_window, tiny_gguf
):
    window, _services = open_window()
    add_tiny_model(qtbot, window, tiny_gguf)
    assert not popup_frame.translucency_supported()  # the offscreen platform blends nothing
    window.models.open_picker()
    picker = window.picker
    qtbot.waitUntil(picker.isVisible)
    assert corners_are_drawn(picker)
    assert not picker.testAttribute(Qt.WidgetAttribute.WA_TranslucentBackground)
    assert picker.panel.property("opaque") is True
    picker.grab().save("/tmp/hearth13-popup-picker.png")
    picker.close()

    window.search.open_search()
    search = window.search.search_panel
    qtbot.waitUntil(search.isVisible)
    assert corners_are_drawn(search)
    assert not search.testAttribute(Qt.WidgetAttribute.WA_TranslucentBackground)
    search.grab().save("/tmp/hearth13-popup-search.png")
    search.close()


def test_rounded_translucent_popups_only_where_something_blends_them(monkeypatch):
    for platform, composited, expected in [
        ("cocoa", False, True),
        ("windows", False, True),
        ("wayland", False, True),
        ("xcb", True, True),
        ("xcb", False, False),
        ("offscreen", True, False),
        ("vnc", True, False),
    ]:
        monkeypatch.setattr(popup_frame, "_platform_name", lambda p=platform: p)
        monkeypatch.setattr(popup_frame, "x11_compositor_running", lambda c=composited: c)
        assert popup_frame.translucency_supported() is expected, platform


def test_the_sidebar_download_line_ends_in_an_ellipsis_when_narrow(qtbot, qloop, data_dir):
    from PySide6.QtWidgets import QWidget

    from app.services import open_services
    from app.ui.downloads.download_indicator import DownloadIndicator
    from tests.ui.support import wait_for

    services = open_services(data_dir)
    try:
        sidebar = QWidget()
        indicator = DownloadIndicator(services.downloads, sidebar)
        indicator.label.setText("Downloading 2 models · 42%")  # as refresh() would say
        indicator.setFixedWidth(120)  # the sidebar squeezed in an 800 px window
        sidebar.show()
        indicator.show()
        qtbot.waitUntil(lambda: indicator.label.text().endswith("…"))
        label = indicator.label
        assert label.full_text() == "Downloading 2 models · 42%"
        assert label.toolTip().startswith("Downloading 2 models · 42%")
        assert label.fontMetrics().horizontalAdvance(label.text()) <= label.contentsRect().width()
        indicator.setFixedWidth(400)
        qtbot.waitUntil(lambda: label.text() == "Downloading 2 models · 42%")
        assert label.toolTip() == ""  # nothing hidden, nothing to repeat
        sidebar.deleteLater()
    finally:
        wait_for(qtbot, services.close())


def test_settings_provider_names_and_headings_end_in_an_ellipsis(qtbot, open_window):
    from app.ui.settings.providers_page import shown_text

    window, _services = open_window()
    page = window.open_settings().providers
    metrics = page.list.fontMetrics()
    names = [page.list.item(i) for i in range(page.list.count())]
    custom = next(i for i in names if i.text().startswith("Custom OpenAI"))
    shown = shown_text(metrics, custom.text(), 150)
    assert shown.endswith("…") and metrics.horizontalAdvance(shown) <= 150
    assert all(i.toolTip() == i.text() for i in names)  # the whole name on hover
    window.settings.dialog.close()
