# PyInstaller runtime hook. On Linux the bootloader puts the bundle's folder first in
# LD_LIBRARY_PATH so the app finds its own libraries; every program the app starts (xdg-open for
# "Open log folder", a file manager, a browser) would inherit it and load the bundle's Qt or
# OpenSSL instead of its own, and crash. The app itself no longer needs the variable once
# started (the dynamic loader read it at start-up), so give children the user's own value back.
import os
import sys

if sys.platform.startswith("linux"):
    _original = os.environ.pop("LD_LIBRARY_PATH_ORIG", None)
    if _original is None:
        os.environ.pop("LD_LIBRARY_PATH", None)
    else:
        os.environ["LD_LIBRARY_PATH"] = _original
