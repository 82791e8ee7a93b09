"""Colours for light and dark mode, following the system, and the style sheet built from them."""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from string import Template

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

from app.paths import resource_path

# Lets screenshots, tests and users on desktops without a colour-scheme setting force a mode.
THEME_ENV = "HEARTH_THEME"
# Settings → Appearance: "system" follows the desktop (or HEARTH_THEME); the others are fixed.
THEME_SETTING = "theme"
THEME_CHOICES = ("system", "light", "dark")


@dataclass(frozen=True, slots=True)
class Theme:
    dark: bool
    window: str  # the chat area
    sidebar: str
    surface: str  # raised boxes: composer, menus
    text: str
    muted: str  # secondary text: footers, hints
    faint: str  # the quietest text and separators
    border: str
    hover: str
    selected: str
    accent: str
    accent_hover: str
    on_accent: str
    link: str
    user_bubble: str
    code_bg: str
    code_header: str
    inline_code_bg: str
    local_badge_bg: str
    local_badge_fg: str
    cloud_badge_bg: str
    cloud_badge_fg: str
    danger: str
    # The budget pill: amber at 50% (the cloud badge's colours), orange at 80%, red at 100%.
    alert_bg: str
    alert_fg: str
    danger_bg: str
    # Charts: a calm second colour beside the accent (tokens out, next to tokens in).
    chart_second: str
    pygments_style: str


LIGHT = Theme(
    dark=False,
    window="#FFFFFF",
    sidebar="#F6F5F3",
    surface="#FFFFFF",
    text="#1F1E1C",
    muted="#6F6C67",
    faint="#A3A09A",
    border="#E4E1DC",
    hover="#ECEAE6",
    selected="#E6E3DE",
    accent="#C8602F",
    accent_hover="#B35428",
    on_accent="#FFFFFF",
    link="#B35428",
    user_bubble="#F2EFEB",
    code_bg="#F7F6F4",
    code_header="#EFEDEA",
    inline_code_bg="#F0EEEB",
    local_badge_bg="#E5F2E8",
    local_badge_fg="#24703A",
    cloud_badge_bg="#FBEEDB",
    cloud_badge_fg="#8A5312",
    danger="#B3261E",
    alert_bg="#FCE3D3",
    alert_fg="#A4461A",
    danger_bg="#FBE4E2",
    chart_second="#7A93AC",
    pygments_style="default",
)

DARK = Theme(
    dark=True,
    window="#1E1D1C",
    sidebar="#171615",
    surface="#2A2927",
    text="#ECEAE6",
    muted="#A19D97",
    faint="#6E6A65",
    border="#34322F",
    hover="#2A2826",
    selected="#33312E",
    accent="#E07A4A",
    accent_hover="#EA8C5F",
    on_accent="#1B1A19",
    link="#EE9A70",
    user_bubble="#2E2C2A",
    code_bg="#262523",
    code_header="#2F2D2B",
    inline_code_bg="#2F2D2A",
    local_badge_bg="#1F3526",
    local_badge_fg="#8BD3A0",
    cloud_badge_bg="#3D2F1A",
    cloud_badge_fg="#F0C27A",
    danger="#F2B8B5",
    alert_bg="#45291B",
    alert_fg="#F4A57A",
    danger_bg="#4A2220",
    chart_second="#8FA9C2",
    pygments_style="github-dark",
)

MONO_FONTS = "'SF Mono', Menlo, Consolas, 'Cascadia Mono', 'DejaVu Sans Mono', monospace"


def system_prefers_dark(app: QGuiApplication) -> bool:
    forced = os.environ.get(THEME_ENV, "").lower()
    if forced in ("dark", "light"):
        return forced == "dark"
    scheme = app.styleHints().colorScheme()
    if scheme == Qt.ColorScheme.Dark:
        return True
    if scheme == Qt.ColorScheme.Light:
        return False
    # Unknown (older desktops): guess from the platform's own window colour.
    return app.palette().color(QPalette.ColorRole.Window).lightness() < 110


def palette_for(theme: Theme) -> QPalette:
    p = QPalette()
    roles = {
        QPalette.ColorRole.Window: theme.window,
        QPalette.ColorRole.WindowText: theme.text,
        QPalette.ColorRole.Base: theme.surface,
        QPalette.ColorRole.AlternateBase: theme.sidebar,
        QPalette.ColorRole.Text: theme.text,
        QPalette.ColorRole.Button: theme.surface,
        QPalette.ColorRole.ButtonText: theme.text,
        QPalette.ColorRole.Highlight: theme.accent,
        QPalette.ColorRole.HighlightedText: theme.on_accent,
        QPalette.ColorRole.ToolTipBase: theme.surface,
        QPalette.ColorRole.ToolTipText: theme.text,
        QPalette.ColorRole.PlaceholderText: theme.faint,
        QPalette.ColorRole.Link: theme.link,
        QPalette.ColorRole.LinkVisited: theme.link,
        QPalette.ColorRole.Mid: theme.border,
        QPalette.ColorRole.Midlight: theme.hover,
        QPalette.ColorRole.Light: theme.surface,
        QPalette.ColorRole.Dark: theme.border,
        QPalette.ColorRole.Shadow: theme.border,
    }
    for role, colour in roles.items():
        p.setColor(role, QColor(colour))
    for role in (
        QPalette.ColorRole.Text,
        QPalette.ColorRole.WindowText,
        QPalette.ColorRole.ButtonText,
    ):
        p.setColor(QPalette.ColorGroup.Disabled, role, QColor(theme.faint))
    return p


def style_sheet_for(theme: Theme) -> str:
    template = Template(resource_path("ui", "hearth.qss").read_text(encoding="utf-8"))
    values = {f.name: getattr(theme, f.name) for f in fields(theme)}
    return template.safe_substitute(values, mono=MONO_FONTS)


class ThemeManager(QObject):
    """Holds the current theme and follows the system's light/dark setting while running."""

    changed = Signal(object)  # Theme

    def __init__(self, app: QApplication) -> None:
        super().__init__(app)
        self._app = app
        self.choice = "system"
        self.theme = DARK if system_prefers_dark(app) else LIGHT
        app.styleHints().colorSchemeChanged.connect(self._follow_system)

    def set_choice(self, choice: str | None) -> None:
        """The person's choice in Settings, applied at once; unknown values mean "system"."""
        self.choice = choice if choice in THEME_CHOICES else "system"
        if self.choice == "system":
            self.set_dark(system_prefers_dark(self._app))
        else:
            self.set_dark(self.choice == "dark")

    def apply(self) -> None:
        self._app.setStyle("Fusion")
        self._app.setPalette(palette_for(self.theme))
        self._app.setStyleSheet(style_sheet_for(self.theme))

    def set_dark(self, dark: bool) -> None:
        theme = DARK if dark else LIGHT
        if theme is self.theme:
            return
        self.theme = theme
        self.apply()
        self.changed.emit(theme)

    def _follow_system(self, *_args) -> None:
        if self.choice == "system":
            self.set_dark(system_prefers_dark(self._app))


_current: ThemeManager | None = None


def theme_manager() -> ThemeManager:
    """The one ThemeManager of this QApplication, created and applied on first use."""
    global _current
    app = QApplication.instance()
    if _current is None or not _belongs_to(_current, app):
        _current = ThemeManager(app)
        _current.apply()
    return _current


def _belongs_to(manager: ThemeManager, app: QApplication) -> bool:
    try:
        return manager.parent() is app
    except RuntimeError:  # that QApplication is gone
        return False


def current_theme() -> Theme:
    return theme_manager().theme
