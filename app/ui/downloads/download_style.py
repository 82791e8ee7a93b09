"""The look of the download window, the model manager and the download indicator.

The rules below belong in resources/ui/hearth.qss (they use the same $names from theme.py). Until
they are there, each top-level widget of these parts applies them to itself and follows the
theme; once hearth.qss carries the MARKER line, nothing is applied twice.
"""

from __future__ import annotations

from dataclasses import fields
from string import Template

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QApplication, QWidget

from app.ui.shell.theme import MONO_FONTS, Theme, theme_manager

MARKER = "/* ---- downloads and the model manager ---- */"

DOWNLOADS_QSS = (
    MARKER
    + """

#downloadsDialog, #modelManager, #dlPage, #dlScroll, #dlScrollBody {
    background: $window;
}

#dlHardware {
    background: $sidebar;
    color: $muted;
    border-radius: 8px;
    padding: 8px 12px;
}

#dlSection {
    color: $muted;
    font-size: 12px;
    font-weight: 600;
    padding-top: 6px;
}

#dlCard {
    background: $surface;
    border: 1px solid $border;
    border-radius: 12px;
}

#dlCard[suggested="true"] {
    border: 1px solid $accent;
}

#dlTag {
    background: $accent;
    color: $on_accent;
    border-radius: 9px;
    padding: 1px 9px;
    font-size: 11px;
    font-weight: 600;
}

#dlName {
    color: $text;
    font-size: 14px;
    font-weight: 600;
}

#dlDescription {
    color: $muted;
}

#dlMeta {
    color: $faint;
    font-size: 12px;
}

#dlChoice {
    background: $sidebar;
    border-radius: 8px;
}

#dlChoice[recommended="false"] {
    background: transparent;
}

#dlChoiceTitle {
    color: $text;
    font-weight: 600;
}

#dlChoiceDetail {
    color: $muted;
    font-size: 12px;
}

#fitPill {
    border-radius: 9px;
    padding: 2px 9px;
    font-size: 11px;
    font-weight: 600;
    background: $hover;
    color: $danger;
}

#fitPill[tone="good"] {
    background: $local_badge_bg;
    color: $local_badge_fg;
}

#fitPill[tone="slow"] {
    background: $cloud_badge_bg;
    color: $cloud_badge_fg;
}

#dlSearch {
    background: $surface;
    color: $text;
    border: 1px solid $border;
    border-radius: 8px;
    padding: 7px 10px;
    selection-background-color: $accent;
    selection-color: $on_accent;
}

#dlSearch:focus {
    border: 1px solid $accent;
}

#dlStatus {
    color: $muted;
}

#dlStatus[error="true"] {
    color: $danger;
}

#dlRepo {
    background: $surface;
    border: 1px solid $border;
    border-radius: 10px;
}

#dlRepo:hover, #dlRepo:focus {
    border: 1px solid $accent;
}

#dlPanel {
    background: $sidebar;
    border-top: 1px solid $border;
}

#dlPanelScroll, #dlPanelBody {
    background: transparent;
}

#dlRow {
    background: $surface;
    border: 1px solid $border;
    border-radius: 10px;
}

#dlRowTitle {
    color: $text;
    font-weight: 600;
}

#dlRowDetail {
    color: $muted;
    font-size: 12px;
}

#dlRowDetail[tone="error"] {
    color: $danger;
}

#dlRowDetail[tone="attention"] {
    color: $cloud_badge_fg;
}

#dlRowDetail[tone="done"] {
    color: $local_badge_fg;
}

QProgressBar#dlBar[tone="paused"]::chunk, QProgressBar#dlIndicatorBar[tone="paused"]::chunk {
    background: $faint;
}

QProgressBar#dlBar[tone="done"]::chunk {
    background: $local_badge_fg;
}

QProgressBar#dlBar[tone="error"]::chunk {
    background: $danger;
}

#dlDismiss {
    background: transparent;
    color: $faint;
    border: none;
    border-radius: 6px;
    padding: 2px 7px;
    font-size: 14px;
}

#dlDismiss:hover {
    background: $hover;
    color: $text;
}

#dlNotice {
    background: $local_badge_bg;
    color: $local_badge_fg;
    border-radius: 8px;
    padding: 8px 12px;
}

#dlNotice[tone="error"] {
    background: $hover;
    color: $danger;
}

#dlIndicator {
    background: transparent;
    border-radius: 8px;
}

#dlIndicator:hover, #dlIndicator:focus {
    background: $hover;
}

#dlIndicatorText {
    color: $muted;
    font-size: 12px;
}

#dlSource {
    border-radius: 9px;
    padding: 1px 9px;
    font-size: 11px;
    font-weight: 600;
    background: $selected;
    color: $muted;
}

#dlSource[kind="downloaded"] {
    background: $local_badge_bg;
    color: $local_badge_fg;
}

#dlSource[kind="missing"] {
    background: $hover;
    color: $danger;
}

#dlPath {
    color: $faint;
    font-size: 11px;
    font-family: $mono;
}

#dlDefaults {
    background: $sidebar;
    border-radius: 8px;
}

#dlDefaults QPlainTextEdit {
    background: $surface;
    color: $text;
    border: 1px solid $border;
    border-radius: 7px;
    padding: 4px 6px;
    selection-background-color: $accent;
    selection-color: $on_accent;
}

#dlDefaults QPlainTextEdit:focus {
    border: 1px solid $accent;
}
"""
)


def downloads_style_for(theme: Theme) -> str:
    values = {f.name: getattr(theme, f.name) for f in fields(theme)}
    return Template(DOWNLOADS_QSS).safe_substitute(values, mono=MONO_FONTS)


class _StyleFollower(QObject):
    """Re-applies the rules when the theme changes; dies with its widget, and so disconnects."""

    def __init__(self, widget: QWidget) -> None:
        super().__init__(widget)
        self._widget = widget

    def restyle(self, theme: Theme) -> None:
        self._widget.setStyleSheet(downloads_style_for(theme))


def apply_downloads_style(widget: QWidget) -> None:
    """Give `widget` (a dialog or the indicator) these rules, unless hearth.qss has them."""
    manager = theme_manager()
    app = QApplication.instance()
    if app is not None and MARKER in app.styleSheet():
        return
    follower = _StyleFollower(widget)
    follower.restyle(manager.theme)
    manager.changed.connect(follower.restyle)
