"""A Linux desktop without the libraries Qt's X11 plugin needs: a plain message, not Qt's abort."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from app.ui.shell import platform_check

ROOT = Path(__file__).resolve().parents[3]
linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="X11 is Linux's")


@linux_only
def test_a_missing_xcb_library_is_named_with_its_package(tmp_path):
    # The real `hearth` entry point, in a child process, on an X11 display that does not exist;
    # the check is pointed at a library that cannot exist, so it fails on any machine.
    script = textwrap.dedent(
        """
        import sys
        from app.ui.shell import platform_check
        platform_check.XCB_LIBRARIES = {
            "libxcb-cursor0": "libhearth-test-missing-cursor.so.0",
            "libc6": "libc.so.6",
        }
        from app.__main__ import main
        sys.exit(main([]))
        """
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "xcb", "DISPLAY": ":97"}
    env["HEARTH_DATA_DIR"] = str(tmp_path)
    env.pop("WAYLAND_DISPLAY", None)
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        env=env,
    )
    assert done.returncode == 1, (done.returncode, done.stderr)
    assert "sudo apt install libxcb-cursor0\n" in done.stderr
    assert "libc6" not in done.stderr  # only what is missing
    assert "Hearth cannot open its window" in done.stderr
    assert "qt.qpa" not in done.stderr and "Aborted" not in done.stderr
    assert "libxcb-cursor0" in (tmp_path / "logs" / "hearth.log").read_text()
    assert not (tmp_path / "hearth.db").exists()  # stopped before opening anything


def test_which_platform_is_checked(monkeypatch):
    monkeypatch.setattr(platform_check.sys, "platform", "linux")
    assert platform_check.uses_xcb({"QT_QPA_PLATFORM": "xcb"})
    assert platform_check.uses_xcb({"DISPLAY": ":0"})
    assert not platform_check.uses_xcb({"QT_QPA_PLATFORM": "offscreen"})
    assert not platform_check.uses_xcb({"QT_QPA_PLATFORM": "wayland;xcb"})
    assert not platform_check.uses_xcb({"WAYLAND_DISPLAY": "wayland-0"})
    monkeypatch.setattr(platform_check.sys, "platform", "darwin")
    assert not platform_check.uses_xcb({"QT_QPA_PLATFORM": "xcb"})


@linux_only
def test_present_libraries_pass(monkeypatch):
    monkeypatch.setattr(platform_check, "XCB_LIBRARIES", {"libc6": "libc.so.6"})
    assert platform_check.missing_packages() == []
