"""How fast the window opens, how much memory it takes, and whether streaming ever stalls it.

    .venv/bin/python bench/bench_ui.py [--runs 5] [--tokens 2000] [--rate 120]

(a) launch: from process start to the first idle turn of the event loop with the window shown
    (first run, no model), median of --runs fresh processes; and the process's resident memory.
(b) stall: a 2,000-token Markdown reply streamed through the same path a real reply takes
    (ChatSession → ChatView → AssistantMessage, redrawn at most ~30 times a second) while a 1 ms
    QTimer heartbeat measures the gaps in the event loop.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

LAUNCH_GOAL_S = 0.8
MEMORY_GOAL_MB = 200
STALL_GOAL_MS = 16

LAUNCH_SCRIPT = textwrap.dedent(
    """
    import asyncio, os, sys
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from pathlib import Path
    import psutil, qasync
    from PySide6.QtCore import QTimer
    from app.services import open_services
    from app.ui.app import create_application, create_main_window

    app = create_application([])
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    services = open_services(Path(sys.argv[1]))
    window = create_main_window(services)
    window.show()

    async def main():
        await window.ready
        idle = loop.create_future()
        QTimer.singleShot(0, lambda: idle.set_result(None))  # runs once pending events are done
        await idle
        print("READY", psutil.Process().memory_info().rss, flush=True)
        await services.close()

    with loop:
        loop.run_until_complete(main())
    """
)

REPLY_PARTS = [
    "## Step {n}: reading the data\n\nFirst we open the file and read each row. This keeps memory "
    "low, because **only one row** is in memory at a time, and it works for files of any size.\n\n",
    "- Open the file with `open()`\n- Pass it to `csv.DictReader`\n- Add up the column\n\n",
    "| Name | Amount | Note |\n|------|--------|------|\n| Rent | 1200 | monthly |\n"
    "| Food | 430 | weekly shop |\n| Travel | 95 | bus pass |\n\n",
    "```python\nimport csv\n\n\ndef total(path: str, column: str = 'amount') -> float:\n"
    '    """Add up one column of a CSV file."""\n    with open(path, newline="") as f:\n'
    "        return sum(float(row[column]) for row in csv.DictReader(f))\n```\n\n",
    "That is all there is to it; the next step shows how to handle missing values.\n\n",
]


def realistic_reply(tokens: int) -> list[str]:
    """Chunks of about four characters (one token each) of a long Markdown reply."""
    text, n = "", 1
    while len(text) < tokens * 4:
        text += "".join(REPLY_PARTS).replace("{n}", str(n))
        n += 1
    return [text[i : i + 4] for i in range(0, tokens * 4, 4)]


# -- (a) launch --------------------------------------------------------------------------------


def launch_once() -> tuple[float, int]:
    # An installed app always has its bytecode; let the warm-up start write it if it is missing.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    with tempfile.TemporaryDirectory() as data:
        started = time.perf_counter()
        child = subprocess.Popen(
            [sys.executable, "-c", LAUNCH_SCRIPT, data],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        for line in child.stdout:
            if line.startswith("READY"):
                elapsed = time.perf_counter() - started
                rss = int(line.split()[1])
                break
        else:
            raise RuntimeError("the window never became ready")
        child.wait(timeout=30)
        return elapsed, rss


def bench_launch(runs: int) -> tuple[list[float], list[int]]:
    launch_once()  # warm the disk cache, as a second start on a real machine would be
    results = [launch_once() for _ in range(runs)]
    return [r[0] for r in results], [r[1] for r in results]


# -- (b) streaming stall -----------------------------------------------------------------------


def bench_stall(tokens: int, rate: float) -> tuple[list[float], list[float], int]:
    import qasync
    from PySide6.QtCore import Qt, QTimer

    from app.core.chat import ModelInfo
    from app.core.events import TextDelta
    from app.services import open_services
    from app.store import Store
    from app.ui.app import create_application, create_main_window

    app = create_application([])
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    data = Path(tempfile.mkdtemp())
    services = open_services(data)
    db = services.db
    model = ModelInfo(id="bench", provider="local", display_name="Bench", path="/none.gguf")
    db.call_sync(Store.upsert_local_model, model)
    chat = db.call_sync(Store.create_conversation, "Bench")
    db.call_sync(Store.add_message, chat.id, role="user", content="Explain CSV files at length.")
    reply = db.call_sync(
        Store.add_message,
        chat.id,
        role="assistant",
        content="",
        status="streaming",
        model_id="bench",
        provider="local",
    )
    services.settings.set("last_conversation", chat.id)
    window = create_main_window(services)
    window.show()
    gaps: list[float] = []
    render_times: list[float] = []

    async def main() -> None:
        await window.ready
        session, view = window.session, window.chat_view
        session.conversation_id, session.reply_id = chat.id, reply.id  # as ReplyStarted sets them
        widget = view.reply_widget(reply.id)
        original_render = widget.render

        def timed_render() -> None:
            began = time.perf_counter()
            original_render()
            render_times.append((time.perf_counter() - began) * 1000)

        widget.render = timed_render
        last = [time.perf_counter()]

        def beat() -> None:
            now = time.perf_counter()
            gaps.append((now - last[0]) * 1000)
            last[0] = now

        heartbeat = QTimer()
        heartbeat.setTimerType(Qt.TimerType.PreciseTimer)
        heartbeat.timeout.connect(beat)
        heartbeat.start(1)
        await asyncio.sleep(0.2)
        gaps.clear()
        interval, began = 1 / rate, time.perf_counter()
        for i, chunk in enumerate(realistic_reply(tokens)):
            session._apply(TextDelta(chunk))
            # Sleep to the schedule, not a fixed interval, so the rate holds on a busy machine.
            await asyncio.sleep(max(0.0, began + (i + 1) * interval - time.perf_counter()))
        await asyncio.sleep(0.2)  # the last frame
        heartbeat.stop()
        await services.close()

    with loop:
        loop.run_until_complete(main())
    return gaps, render_times, len(widget_text(window, reply.id))


def widget_text(window, reply_id: int) -> str:
    widget = window.chat_view.reply_widget(reply_id)
    return widget.text if widget is not None else ""


# -- report ------------------------------------------------------------------------------------


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def row(name: str, value: str, goal: str, ok: bool) -> str:
    return f"| {name:<38} | {value:>12} | {goal:>10} | {'ok' if ok else 'MISSED':<6} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--tokens", type=int, default=2000)
    parser.add_argument("--rate", type=float, default=120.0, help="tokens per second")
    args = parser.parse_args()

    times, memory = bench_launch(args.runs)
    launch, rss_mb = statistics.median(times), max(memory) / 2**20
    gaps, renders, chars = bench_stall(args.tokens, args.rate)
    p50, p99, worst = percentile(gaps, 0.5), percentile(gaps, 0.99), max(gaps)

    print(f"| {'measure':<38} | {'value':>12} | {'goal':>10} | {'':<6} |")
    print(f"|{'-' * 40}|{'-' * 14}|{'-' * 12}|{'-' * 8}|")
    print(
        row(
            f"launch to idle window, median of {args.runs}",
            f"{launch:.3f} s",
            "≤ 0.8 s",
            launch <= LAUNCH_GOAL_S,
        )
    )
    print(
        row(
            "resident memory at that point (max)",
            f"{rss_mb:.0f} MB",
            "≤ 200 MB",
            rss_mb <= MEMORY_GOAL_MB,
        )
    )
    print(row(f"loop gap p50, {args.tokens} tokens @ {args.rate:.0f}/s", f"{p50:.2f} ms", "", True))
    print(row("loop gap p99 while streaming", f"{p99:.2f} ms", "≤ 16 ms", p99 <= STALL_GOAL_MS))
    print(row("loop gap max while streaming", f"{worst:.2f} ms", "", True))
    print(row(f"redraws of the reply ({chars} chars at the end)", f"{len(renders)}", "", True))
    print(
        row(
            "redraw time p50 / max",
            f"{statistics.median(renders):.1f}/{max(renders):.1f} ms",
            "",
            True,
        )
    )
    print(f"\nlaunch runs (s): {', '.join(f'{t:.3f}' for t in times)}")


if __name__ == "__main__":
    main()
