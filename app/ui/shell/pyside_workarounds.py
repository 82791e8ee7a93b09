"""Guards against a PySide6 bug that would otherwise crash the app after a few minutes.

PySide6 6.12.0 on Python 3.11 returns `None` from void methods (setText, resize, update, …) and
`True` from `SignalInstance.emit()` without taking a new reference. Each call lowers the
singleton's reference count by one, and once it reaches zero CPython aborts with
"none_dealloc: deallocating None" or "bool_dealloc". qasync emits a signal for every
call_soon_threadsafe (each streamed token, each database call), so a long reply alone can do it.
PySide6 6.11 is not affected, and from Python 3.12 these singletons are immortal.

The guard gives the singletons more references than any session can lose. They are never freed
anyway, so the only effect is that the bug can no longer reach zero.
"""

from __future__ import annotations

import ctypes
import logging
import sys

from PySide6.QtCore import QObject, Signal

log = logging.getLogger(__name__)

_HEADROOM = 1 << 40
_PROBES = 16
_guarded = False


class _Probe(QObject):
    fired = Signal()


def singletons_losing_references() -> list[object]:
    """Which of None/True this PySide6 hands out without a reference (empty when healthy)."""
    probe = _Probe()
    losing = []
    before = sys.getrefcount(None)
    for _ in range(_PROBES):
        probe.setObjectName("probe")  # a void method: returns None
    if sys.getrefcount(None) < before - _PROBES // 2:
        losing.append(None)
    before = sys.getrefcount(True)
    for _ in range(_PROBES):
        probe.fired.emit()  # returns True
    if sys.getrefcount(True) < before - _PROBES // 2:
        losing.append(True)
    return losing


def guard_singleton_refcounts() -> bool:
    """Apply the guard once per process if this PySide6 needs it; True when it was needed."""
    global _guarded
    if _guarded or sys.version_info >= (3, 12):
        return _guarded
    if singletons_losing_references():
        for singleton in (None, True, False):
            ctypes.c_ssize_t.from_address(id(singleton)).value += _HEADROOM
        log.warning("This PySide6 loses references to None/True; guarded. Use PySide6 != 6.12.0.")
        _guarded = True
    return _guarded
