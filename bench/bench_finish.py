"""The longest the window stalls when a long reply finishes streaming.

A reply of N characters (headings, paragraphs, lists, tables, code) streams into an
AssistantMessage inside a scroll area 800 px wide, one frame per 80 characters with the events
processed between frames, as the chat view does. Then the reply finishes, and a 1 ms timer
records the longest gap the event loop leaves between its ticks for the next half second: the
stall a user would feel. References, in the same run on an identical streamed message: the
finish as it was before (the whole Markdown rendered again into one view), and the same watch
with nothing finishing (on a busy machine the process itself gets descheduled now and then).

Goal: no stall over 16 ms at any length.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/bench_finish.py [--runs 3]
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtCore import QCoreApplication, QEvent, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication, QScrollArea  # noqa: E402

from app.core.records import Message  # noqa: E402
from app.ui.chat.assistant_message import AssistantMessage  # noqa: E402
from app.ui.shell.theme import LIGHT  # noqa: E402

GOAL_MS = 16.0
LENGTHS = (6_000, 24_000, 96_000)
FRAME_CHARS = 80
WATCH_MS = 500


def reply_text(n: int, seed: int = 1) -> str:
    rng = random.Random(seed)
    parts: list[str] = []
    size = 0
    while size < n:
        kind = rng.randrange(6)
        if kind == 0:
            part = f"## Part {len(parts)}\n\n"
        elif kind == 1:
            part = "Some **bold** words, `inline code` and a [link](https://example.org). " * 3
            part += "\n\n"
        elif kind == 2:
            part = "- first point\n- second point with *emphasis*\n- third point\n\n"
        elif kind == 3:
            part = "```python\ndef double(x):\n    return x * 2  # twice\n```\n\n"
        elif kind == 4:
            part = "| name | value |\n|---|---|\n| a | 1 |\n| b | 2 |\n\n"
        else:
            part = "1. **Step**: do this\n2. **Then**: that\n\n"
        parts.append(part)
        size += len(part)
    return "".join(parts)[:n]


def streamed(app: QApplication, text: str) -> tuple[AssistantMessage, QScrollArea, Message]:
    message = Message(1, 1, None, "assistant", "", "m", "local", "streaming", "")
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.resize(800, 700)
    widget = AssistantMessage(message, LIGHT)
    area.setWidget(widget)
    area.show()
    for end in range(FRAME_CHARS, len(text) + FRAME_CHARS, FRAME_CHARS):
        widget.set_streaming_text(text[:end])
        widget.render()
        app.processEvents()
        area.verticalScrollBar().setValue(area.verticalScrollBar().maximum())
    app.processEvents()
    return widget, area, dataclasses.replace(message, content=text, status="complete")


def worst_stall_ms(app: QApplication, finish: Callable[[], None]) -> tuple[float, float]:
    """The longest the event loop was busy, from the finish call to WATCH_MS later: as wall
    time between the ticks of a 1 ms timer, and as this thread's CPU time per slice of work
    (the finish call, then each pass of the event loop), which other programs cannot inflate."""
    # The window runs the cycle collector from its own timer (app/ui/shell/main_thread_gc.py), not
    # because a reply finished: collected here beforehand, so its pause is not counted.
    gc.collect()
    gc.disable()
    ticks: list[float] = []
    timer = QTimer()
    timer.setInterval(1)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start()
    app.processEvents()
    began = time.perf_counter()
    cpu = time.thread_time()
    finish()
    slices = [time.thread_time() - cpu]
    ticks.append(time.perf_counter())  # the finish call itself blocks the loop from `began`
    while time.perf_counter() - began < WATCH_MS / 1000:
        cpu = time.thread_time()
        app.processEvents()
        slices.append(time.thread_time() - cpu)
    timer.stop()
    gc.enable()
    stamps = [began, *ticks]
    wall = max(b - a for a, b in zip(stamps, stamps[1:], strict=False))
    return wall * 1000, max(slices) * 1000


def old_finish(widget: AssistantMessage, message: Message) -> Callable[[], None]:
    """Before: finish() rendered the whole reply again into one view."""

    def run() -> None:
        widget.message = message
        widget._text = message.content
        widget.render()

    return run


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    app = QApplication.instance() or QApplication([])
    results: dict[tuple[int, str], list[tuple[float, float]]] = {}
    for _ in range(args.runs):
        for n in LENGTHS:
            text = reply_text(n)
            for kind in ("now", "before", "idle"):
                widget, area, message = streamed(app, text)
                finish = {
                    "now": lambda w=widget, m=message: w.finish(m),
                    "before": old_finish(widget, message),
                    "idle": lambda: None,
                }[kind]
                results.setdefault((n, kind), []).append(worst_stall_ms(app, finish))
                area.close()
                area.deleteLater()
                QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
                app.processEvents()
    print(f"longest stall after a streamed reply finishes, median of {args.runs} runs, in ms:")
    print("CPU = this thread's CPU time in one slice of work; wall = longest gap of a 1 ms timer")
    print("(idle: the same watch with nothing finishing: what a busy machine adds by itself)")
    kinds = ("now", "before", "idle")
    header = "".join(f"{k + ' CPU':>12}{k + ' wall':>12}" for k in kinds)
    print(f"{'characters':>10}{header}")
    worst = 0.0
    for n in LENGTHS:
        cells = ""
        for kind in kinds:
            wall = statistics.median(w for w, _ in results[(n, kind)])
            cpu = statistics.median(c for _, c in results[(n, kind)])
            cells += f"{cpu:>12.1f}{wall:>12.1f}"
            if kind == "now":
                worst = max(worst, cpu)
        print(f"{n:>10,}{cells}")
    ok = worst <= GOAL_MS
    print(f"\ngoal: no stall over {GOAL_MS:.0f} ms of CPU: {'met' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
