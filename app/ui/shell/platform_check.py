"""Before the window opens on Linux: are the system libraries Qt's X11 plugin needs installed?

Without them Qt prints "could not load the Qt platform plugin "xcb"" and aborts the process
(SIGABRT, a core dump on some systems). Qt's wheel does not ship these libraries, and a clean
Debian or Ubuntu lacks some of them, so the person meets that abort on their first start. This
check runs before QApplication exists, needs no Qt, and names the packages to install instead.
"""

from __future__ import annotations

import ctypes
import logging
import os
import sys

log = logging.getLogger(__name__)

# Debian/Ubuntu package → the library Qt's xcb plugin loads from it. The first three are the
# ones a clean desktop install lacks; the others usually come with X11 but are checked as well.
XCB_LIBRARIES = {
    "libxcb-cursor0": "libxcb-cursor.so.0",
    "libxcb-icccm4": "libxcb-icccm.so.4",
    "libxcb-keysyms1": "libxcb-keysyms.so.1",
    "libxcb-image0": "libxcb-image.so.0",
    "libxcb-render-util0": "libxcb-render-util.so.0",
    "libxkbcommon-x11-0": "libxkbcommon-x11.so.0",
}


def uses_xcb(environ: dict[str, str] | os._Environ = os.environ) -> bool:
    """Whether Qt will try its X11 (xcb) plugin first on this system."""
    if not sys.platform.startswith("linux"):
        return False
    chosen = environ.get("QT_QPA_PLATFORM", "").split(";")[0].split(":")[0].strip()
    if chosen:
        return chosen == "xcb"
    # Unset: Qt 6 prefers Wayland in a Wayland session and X11 everywhere else.
    return not environ.get("WAYLAND_DISPLAY")


def missing_packages() -> list[str]:
    """The packages whose library cannot be loaded, in XCB_LIBRARIES's order."""
    missing = []
    for package, library in XCB_LIBRARIES.items():
        try:
            ctypes.CDLL(library)
        except OSError:
            missing.append(package)
    return missing


def missing_message(packages: list[str]) -> str:
    names = " ".join(packages)
    return (
        "Hearth cannot open its window: some system libraries it needs are not installed "
        f"({names}).\n"
        f"On Debian or Ubuntu, install them with:  sudo apt install {names}\n"
        "then start Hearth again. (On other systems, install the packages that provide "
        + ", ".join(XCB_LIBRARIES[p] for p in packages)
        + ".)"
    )


def window_can_open() -> bool:
    """False after telling the person (stderr and the log) which packages to install."""
    if not uses_xcb():
        return True
    packages = missing_packages()
    if not packages:
        return True
    message = missing_message(packages)
    log.error("Window not opened: missing %s", ", ".join(packages))
    print(message, file=sys.stderr)
    return False
