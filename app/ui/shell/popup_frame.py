"""Rounded popups (the model picker, search) only where the corners can be see-through.

A translucent window needs a compositor to blend its transparent corners with what is behind
it. Without one (a plain X11 window manager, a VNC session, the offscreen platform) they are
drawn black. There the popup is an opaque rectangle with a thin border instead.
"""

from __future__ import annotations

import functools
import logging

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFrame, QWidget

log = logging.getLogger(__name__)

ALWAYS_COMPOSITED = ("cocoa", "windows", "wayland", "ios", "android")


def _platform_name() -> str:
    return QGuiApplication.platformName().split(":")[0].lower()


@functools.cache
def x11_compositor_running() -> bool:
    """Whether a compositing manager owns _NET_WM_CM_S<screen> on the X display (EWMH)."""
    import ctypes.util  # only on X11, when the first popup opens: it imports subprocess

    name = ctypes.util.find_library("X11")
    if name is None:
        return False
    try:
        x11 = ctypes.CDLL(name)
        x11.XOpenDisplay.restype = ctypes.c_void_p
        x11.XOpenDisplay.argtypes = [ctypes.c_char_p]
        x11.XDefaultScreen.argtypes = [ctypes.c_void_p]
        x11.XInternAtom.restype = ctypes.c_ulong
        x11.XInternAtom.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
        x11.XGetSelectionOwner.restype = ctypes.c_ulong
        x11.XGetSelectionOwner.argtypes = [ctypes.c_void_p, ctypes.c_ulong]
        x11.XCloseDisplay.argtypes = [ctypes.c_void_p]
        display = x11.XOpenDisplay(None)
        if not display:
            return False
        try:
            atom_name = f"_NET_WM_CM_S{x11.XDefaultScreen(display)}".encode()
            atom = x11.XInternAtom(display, atom_name, 0)
            return bool(x11.XGetSelectionOwner(display, atom))
        finally:
            x11.XCloseDisplay(display)
    except (OSError, AttributeError):
        log.info("Could not ask X11 about a compositor", exc_info=True)
        return False


def translucency_supported() -> bool:
    platform = _platform_name()
    if platform in ALWAYS_COMPOSITED:
        return True
    if platform == "xcb":
        return x11_compositor_running()
    return False  # offscreen, minimal, vnc, linuxfb, eglfs: nothing blends the corners


def set_popup_background(window: QWidget, panel: QFrame) -> None:
    """Rounded and see-through at the corners where that can be drawn; else a plain box."""
    if translucency_supported():
        window.setAttribute(Qt.WidgetAttribute.WA_TranslucentBackground)
        panel.setProperty("opaque", False)
    else:
        panel.setProperty("opaque", True)  # the style sheet squares its corners
