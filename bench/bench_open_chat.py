"""Opening a 10,000-message conversation in the real window, and scrolling up through it.

A fresh data folder gets a real SQLite store (every migration) holding one 10,000-message chat
(mixed lengths: one-liners, paragraphs, lists, some code blocks) and one 20-message chat. The
real MainWindow opens them offscreen through open_conversation, as a click in the sidebar does.

    .venv/bin/python bench/bench_open_chat.py [--runs 7] [--pages 5]

(a) open → first paint: from the open call until a message of the chat has painted (a hook on
    paint events), for the long chat and the short one, alternately; median, max and the ratio.
(a') open at a message 9,000 back (a search hit: open_conversation_at) → first paint; goal the
    same 300 ms: only a page around the message is read and drawn.
(b) scrolling to the top: the view is scrolled to its top --pages times, each time reading the
    page above from the database and drawing it (the newest page drawn leaves the bottom past
    four), while a 1 ms QTimer heartbeat measures the longest gap in the event loop (the worst
    stall the user could feel); and how many messages are drawn at the end (bounded).
(c) paging down: opened 9,000 back, the view is scrolled to its bottom --pages times, each time
    reading the page below and drawing it (the oldest page drawn leaves the top past four);
    the worst stall, and how many messages are drawn at the end (bounded, however far).

Goals: first paint of the long chat, at its end and 9,000 back, <= 300 ms (medians); worst stall
while scrolling reported. Exits 1 when a first-paint goal is missed.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("HEARTH_THEME", "light")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import qasync  # noqa: E402
from PySide6.QtCore import QEvent, QObject, QTimer  # noqa: E402
from PySide6.QtWidgets import QAbstractSlider, QApplication  # noqa: E402

from app.services import open_services  # noqa: E402
from app.store.history import ImportedConversation, ImportedMessage, write_imported  # noqa: E402
from app.ui.chat.message_view import MessageView  # noqa: E402
from app.ui.shell.app import create_application, create_main_window  # noqa: E402

GOAL_FIRST_PAINT_MS = 300.0
LONG_CHAT = 10_000
SHORT_CHAT = 20
FAR_BACK = 9_000

SENTENCES = [
    "Thanks, that makes sense.",
    "Could you explain how the cache decides what to keep when memory runs low?",
    "The simplest approach is to read the file one row at a time, so only **one row** is in "
    "memory at once; it works for files of any size and the code stays short.",
    "- Open the file\n- Parse each line\n- Add up the column\n- Print the total",
    "Here is a version that handles missing values:\n\n```python\nimport csv\n\n\n"
    "def total(path: str) -> float:\n    with open(path, newline='') as f:\n"
    "        return sum(float(r['amount'] or 0) for r in csv.DictReader(f))\n```\n\n"
    "Empty cells count as zero.",
    "In short: yes, but measure first. A profile tells you where the time goes; guessing "
    "rarely does. " * 3,
]


def message_text(rng: random.Random, i: int) -> str:
    parts = rng.randint(1, 3)
    return f"({i}) " + "\n\n".join(rng.choice(SENTENCES) for _ in range(parts))


def imported_chat(title: str, count: int, rng: random.Random) -> ImportedConversation:
    messages = [
        ImportedMessage(
            key=str(i),
            parent_key=str(i - 1) if i else None,
            role="user" if i % 2 == 0 else "assistant",
            content=message_text(rng, i),
            created="2024-01-01T00:00:00",
            model_id=None if i % 2 == 0 else "tiny-chat",
            provider=None if i % 2 == 0 else "local",
            destination=None if i % 2 == 0 else "on this computer",
        )
        for i in range(count)
    ]
    return ImportedConversation(title, "2024-01-01", "2024-01-01", messages)


class PaintWatch(QObject):
    """Notes when a message of the chat view first paints after `arm()`."""

    def __init__(self, chat_view) -> None:
        super().__init__()
        self._chat_view = chat_view
        self.painted_at: float | None = None

    def arm(self) -> None:
        self.painted_at = None

    def eventFilter(self, watched, event) -> bool:  # noqa: N802
        if (
            self.painted_at is None
            and event.type() == QEvent.Type.Paint
            and isinstance(watched.parent(), MessageView)
            and self._chat_view.isAncestorOf(watched)
        ):
            self.painted_at = time.perf_counter()
        return False


class Heartbeat:
    """A 1 ms timer; the longest gap between its ticks is the worst stall of the event loop."""

    def __init__(self) -> None:
        self.timer = QTimer()
        self.timer.setInterval(1)
        self.timer.timeout.connect(self._tick)
        self.last = 0.0
        self.worst_ms = 0.0

    def start(self) -> None:
        self.last = time.perf_counter()
        self.worst_ms = 0.0
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    def _tick(self) -> None:
        now = time.perf_counter()
        self.worst_ms = max(self.worst_ms, (now - self.last) * 1000)
        self.last = now


async def pause(ms: int) -> None:
    done = asyncio.get_running_loop().create_future()
    QTimer.singleShot(ms, lambda: done.done() or done.set_result(None))
    await done


async def until(condition, timeout_s: float = 20.0) -> None:
    deadline = time.perf_counter() + timeout_s
    while not condition():
        if time.perf_counter() > deadline:
            raise TimeoutError("the window never got there")
        await pause(1)


async def open_and_paint(window, watch: PaintWatch, conversation_id: int) -> float:
    """ms from the open call to the first painted message."""
    watch.arm()
    started = time.perf_counter()
    await window.open_conversation(conversation_id)
    await until(lambda: watch.painted_at is not None)
    return (watch.painted_at - started) * 1000


async def open_at_and_paint(window, watch: PaintWatch, message_id: int) -> float:
    """ms from opening the chat at a message to the first painted message."""
    watch.arm()
    started = time.perf_counter()
    await window.open_conversation_at(message_id)
    await until(lambda: watch.painted_at is not None)
    return (watch.painted_at - started) * 1000


def first_drawn_id(view) -> int | None:
    shown = [w for w in view.messages_shown() if hasattr(w, "message")]
    return shown[0].message.id if shown else None


async def scroll_to_top(window, pages: int) -> tuple[float, int, list[float]]:
    """Scroll to the top `pages` times; the worst stall and how many messages are drawn."""
    view = window.chat_view
    bar = view.verticalScrollBar()
    await pause(500)  # the first page's batches are done
    beat = Heartbeat()
    per_page = []
    beat.start()
    for _ in range(pages):
        top = first_drawn_id(view)
        started = time.perf_counter()
        bar.triggerAction(QAbstractSlider.SliderAction.SliderToMinimum)  # as a user does
        # Drawn in full: past four pages the newest leaves the bottom, so the count can fall.
        # (The page may come from the database or from messages read before but not drawn.)
        await until(lambda t=top: first_drawn_id(view) != t and not view._pending_older)
        per_page.append((time.perf_counter() - started) * 1000)
        await pause(600)  # let the position settle, as a reader would pause
    beat.stop()
    return beat.worst_ms, len(view.messages_shown()), per_page


async def scroll_down(window, pages: int) -> tuple[float, int, list[float]]:
    """Scroll to the bottom `pages` times; the worst stall and how many messages are drawn."""
    view = window.chat_view
    bar = view.verticalScrollBar()
    await pause(500)  # the opened page's batches are done
    beat = Heartbeat()
    per_page = []
    beat.start()
    for _ in range(pages):
        newest = view.newest_loaded_id
        started = time.perf_counter()
        bar.triggerAction(QAbstractSlider.SliderAction.SliderToMaximum)  # as a user does
        await until(lambda n=newest: view.newest_loaded_id != n and not view._pending_newer)
        per_page.append((time.perf_counter() - started) * 1000)
        await pause(600)
    beat.stop()
    return beat.worst_ms, len(view.messages_shown()), per_page


def table(rows: list[tuple[str, ...]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


async def run(data: Path, runs: int, pages: int) -> int:
    rng = random.Random(7)
    services = open_services(data)
    started = time.perf_counter()
    ids = await services.db.call(
        write_imported,
        [imported_chat("Long chat", LONG_CHAT, rng), imported_chat("Short chat", SHORT_CHAT, rng)],
    )
    long_id, short_id = ids.conversation_ids
    far_id = (await services.history.recent(conversation_id=long_id, limit=FAR_BACK))[0].id
    print(f"wrote {LONG_CHAT + SHORT_CHAT:,} messages in {time.perf_counter() - started:.1f} s")

    window = create_main_window(services)
    window.resize(1100, 800)
    window.show()
    await window.ready
    await pause(1500)  # the renderer's warm-up import finishes, as it does while a user reads
    window.pages.setCurrentWidget(window.splitter)
    watch = PaintWatch(window.chat_view)
    application = QApplication.instance()
    application.installEventFilter(watch)

    cold = await open_and_paint(window, watch, long_id)
    long_ms, short_ms = [], []
    for _ in range(runs):
        await pause(300)
        short_ms.append(await open_and_paint(window, watch, short_id))
        await pause(300)
        long_ms.append(await open_and_paint(window, watch, long_id))
    far_ms = []
    for _ in range(runs):
        await pause(300)
        await open_and_paint(window, watch, short_id)  # from another chat, as a search hit is
        await pause(300)
        far_ms.append(await open_at_and_paint(window, watch, far_id))
    await pause(300)
    await open_and_paint(window, watch, long_id)  # the scroll test starts at the end
    worst_stall, drawn, per_page = await scroll_to_top(window, pages)
    await pause(300)
    await open_at_and_paint(window, watch, far_id)
    down_stall, down_drawn, per_page_down = await scroll_down(window, pages)
    application.removeEventFilter(watch)
    window.close()
    window.tasks.cancel_all()
    await services.close()

    long_p50, short_p50 = statistics.median(long_ms), statistics.median(short_ms)
    rows = [("measure", "median ms", "max ms", "note")]
    rows.append(
        (
            "open → first paint, 10,000 messages",
            f"{long_p50:.1f}",
            f"{max(long_ms):.1f}",
            f"{runs} runs; goal <= {GOAL_FIRST_PAINT_MS:.0f} ms",
        )
    )
    far_p50 = statistics.median(far_ms)
    rows.append(
        (
            "open at a message 9,000 back → first paint",
            f"{far_p50:.1f}",
            f"{max(far_ms):.1f}",
            f"{runs} runs; open_conversation_at; goal <= {GOAL_FIRST_PAINT_MS:.0f} ms",
        )
    )
    rows.append(
        (
            "open → first paint, 20 messages",
            f"{short_p50:.1f}",
            f"{max(short_ms):.1f}",
            f"{runs} runs",
        )
    )
    rows.append(("first open of the long chat (cold)", f"{cold:.1f}", f"{cold:.1f}", "once"))
    rows.append(
        ("ratio long / short", f"{long_p50 / short_p50:.2f}", "", "1.00 = size costs nothing")
    )
    rows.append(
        (
            "scroll to top → page drawn (all of it)",
            f"{statistics.median(per_page):.1f}",
            f"{max(per_page):.1f}",
            f"{pages} pages from the database",
        )
    )
    rows.append(
        (
            "worst event-loop stall while scrolling",
            f"{worst_stall:.1f}",
            "",
            f"1 ms heartbeat; {drawn} messages drawn at the end",
        )
    )
    rows.append(
        (
            "scroll to bottom → page drawn (all of it)",
            f"{statistics.median(per_page_down):.1f}",
            f"{max(per_page_down):.1f}",
            f"{pages} pages from the database, opened 9,000 back",
        )
    )
    rows.append(
        (
            "worst event-loop stall while paging down",
            f"{down_stall:.1f}",
            "",
            f"1 ms heartbeat; {down_drawn} messages drawn at the end",
        )
    )
    print()
    print(table(rows))
    ok = long_p50 <= GOAL_FIRST_PAINT_MS and far_p50 <= GOAL_FIRST_PAINT_MS
    print()
    print("goals met" if ok else "GOAL MISSED")
    return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--pages", type=int, default=5)
    args = parser.parse_args()
    application = create_application([])
    loop = qasync.QEventLoop(application)
    asyncio.set_event_loop(loop)
    with tempfile.TemporaryDirectory() as folder, loop:
        return loop.run_until_complete(run(Path(folder), args.runs, args.pages))


if __name__ == "__main__":
    sys.exit(main())
