"""The desktop front door: QApplication, the qasync event loop, the crash handler, the window."""

from __future__ import annotations

import asyncio
import logging
import sys
from pathlib import Path

from PySide6.QtWidgets import QApplication

from app.services import Services

log = logging.getLogger(__name__)


def create_application(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv)
    app.setApplicationName("Hearth")
    app.setApplicationDisplayName("Hearth")
    app.setOrganizationName("Hearth")
    app.setDesktopFileName("hearth")
    from app.ui.shell.logo import app_icon

    app.setWindowIcon(app_icon())
    from app.ui.shell.main_thread_gc import collect_on_main_thread
    from app.ui.shell.pyside_workarounds import guard_singleton_refcounts
    from app.ui.shell.theme import theme_manager

    guard_singleton_refcounts()
    collect_on_main_thread()  # never free widgets on a worker thread
    theme_manager()  # Fusion + palette + style sheet, following the system's light/dark mode
    return app


def create_main_window(services: Services, *, data_dir: Path | None = None):
    """The main window over the given services (needs a QApplication and a qasync loop)."""
    from app.ui.shell.main_thread_gc import collect_on_main_thread
    from app.ui.shell.main_window import MainWindow
    from app.ui.shell.pyside_workarounds import guard_singleton_refcounts

    guard_singleton_refcounts()  # also when tests build the window on their own QApplication
    collect_on_main_thread()
    return MainWindow(services, data_dir=data_dir)


def install_asyncgen_hooks(loop: asyncio.AbstractEventLoop):
    """Let the loop finalise abandoned async generators, as asyncio's own run_forever does.

    qasync never installs these hooks, so an async generator dropped before its end (a stream
    left mid-way) would be closed by the garbage collector outside the loop: its `finally`
    blocks could not await, and an HTTP response inside would never be closed properly.
    Returns the previous hooks, for tests to put back.
    """
    previous = sys.get_asyncgen_hooks()
    sys.set_asyncgen_hooks(
        firstiter=loop._asyncgen_firstiter_hook,
        finalizer=loop._asyncgen_finalizer_hook,
    )
    return previous


def show_startup_notices(window, services: Services) -> None:
    """What went wrong while starting that the user should know, e.g. a damaged settings file
    that was kept aside."""
    if services.settings.notice:  # a box, not a toast: the welcome screen hides the toast
        window._warn("Your settings were reset", services.settings.notice)


def run_app(services: Services, *, data_dir: Path) -> int:
    """Show the window and run until it closes; closes `services` before returning."""
    import qasync

    from app.ui.shell.crash import CrashReporter

    app = create_application()
    # The loop ends once the services are closed, not the moment the window disappears.
    app.setQuitOnLastWindowClosed(False)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    install_asyncgen_hooks(loop)
    CrashReporter(data_dir).install(loop)
    window = create_main_window(services, data_dir=data_dir)
    # Connected before the loop runs: a window closed at once must still end the app.
    closed = asyncio.Event()
    app.lastWindowClosed.connect(closed.set)
    window.closed.connect(closed.set)  # also when quit from the tray, the window hidden
    window.show()
    show_startup_notices(window, services)
    shut_down = False

    async def until_window_closed() -> None:
        nonlocal shut_down
        await closed.wait()
        window.tasks.cancel_all()
        await services.close()
        shut_down = True

    try:
        with loop:
            loop.run_until_complete(until_window_closed())
    except RuntimeError:
        # Quit from elsewhere (e.g. the macOS app menu) ends the Qt loop first.
        log.info("Event loop ended before the window closed")
    if not shut_down:
        asyncio.run(services.close())
    return 0
