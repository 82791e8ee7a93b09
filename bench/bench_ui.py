"""How fast the window opens, how much memory it takes, and whether streaming ever stalls it.

    .venv/bin/python bench/bench_ui.py [--runs 5] [--tokens 2000] [--rate 120] [--events 1000]

(a) launch: from process start to the first idle turn of the event loop with the window shown
    (first run, no model), median of --runs fresh processes; and the process's resident memory.
(b) stall: a 2,000-token Markdown reply streamed through the same path a real reply takes
    (ChatSession → ChatView → AssistantMessage, redrawn at most ~30 times a second) while a 1 ms
    QTimer heartbeat measures the gaps in the event loop.
(c) SSE → screen: a loopback server speaking OpenAI's wire format sends --events text events,
    each stamped when it is written to the socket; they go through the real provider, chat
    service, ChatSession and chat view, and the latency is taken when the reply's view has
    painted text that includes the event (a hook after MessageView.paintEvent).
"""

from __future__ import annotations

import argparse
import asyncio
import json
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
SSE_TO_SCREEN_GOAL_MS = 20

LAUNCH_SCRIPT = textwrap.dedent(
    """
    import asyncio, os, sys
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from pathlib import Path
    import psutil, qasync
    from PySide6.QtCore import QTimer
    from app.services import open_services
    try:
        from app.ui.shell.app import create_application, create_main_window
    except ImportError:  # a --reference tree from before app/ui's feature packages
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


def launch_once(tree: Path = ROOT) -> tuple[float, int]:
    # An installed app always has its bytecode; let the warm-up start write it if it is missing.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    with tempfile.TemporaryDirectory() as data:
        started = time.perf_counter()
        child = subprocess.Popen(
            [sys.executable, "-c", LAUNCH_SCRIPT, data],
            cwd=tree,  # `app` is imported from this checkout
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


def bench_launch_against(runs: int, reference: Path) -> tuple[list[float], list[float]]:
    """Launch times of this tree and of another checkout, alternating run by run, so both see
    the same load on a shared machine."""
    launch_once(), launch_once(reference)  # warm-up: disk cache and bytecode for both
    now: list[float] = []
    before: list[float] = []
    for _ in range(runs):
        now.append(launch_once()[0])
        before.append(launch_once(reference)[0])
    return now, before


# -- (b) streaming stall -----------------------------------------------------------------------


def bench_stall(tokens: int, rate: float) -> tuple[list[float], list[float], int]:
    import qasync
    from PySide6.QtCore import Qt, QTimer

    from app.core.chat import ModelInfo
    from app.core.events import TextDelta
    from app.services import open_services
    from app.store import Store
    from app.ui.shell.app import create_application, create_main_window

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


# -- (c) SSE event arrival → text on screen -----------------------------------------------------


SSE_SERVER_SCRIPT = textwrap.dedent(
    """
    import asyncio, json, sys, time
    from tests.wire_servers import WireServer, encode_sse, openai_events, openai_usage, sse_reply

    pieces = json.loads(sys.stdin.readline())
    rate = float(sys.argv[1])
    sent_at = []
    finished = asyncio.Event()

    async def stamped_chunks():
        frames = openai_events(pieces, usage=openai_usage(30, len(pieces)))
        role, body, tail = frames[:1], frames[1 : 1 + len(pieces)], frames[1 + len(pieces) :]
        yield encode_sse(role)
        interval, began = 1 / rate, time.perf_counter()
        for i, frame in enumerate(body):
            await asyncio.sleep(max(0.0, began + i * interval - time.perf_counter()))
            sent_at.append(time.perf_counter())  # just before the write: never flatters
            yield encode_sse([frame])
        yield encode_sse(tail)

    with WireServer() as server:
        server.script("POST", "/v1/chat/completions", sse_reply(stamped_chunks))
        print(server.base_url, flush=True)
        sys.stdin.readline()  # the window says when it is done
    print(json.dumps(sent_at), flush=True)
    """
)


def bench_sse_to_screen(events: int, rate: float) -> tuple[list[float], list[float], int]:
    """Latency (ms) from each SSE event's write on the server to the paint that shows it, and
    to its arrival in the window (ChatSession), which tells the network and service part from
    the drawing part.

    The server runs in its own process, as a real one would: in this one it would compete with
    the window for the GIL. perf_counter is the system's monotonic clock, the same in both.
    """
    import qasync
    from PySide6.QtWidgets import QTextBrowser

    from app.core.events import TextDelta
    from app.services import open_services
    from app.ui.chat.assistant_message import AssistantMessage
    from app.ui.chat.chat_session import ChatSession
    from app.ui.chat.message_view import MessageView
    from app.ui.shell.app import create_application, create_main_window, install_asyncgen_hooks

    pieces = realistic_reply(events)
    painted: list[tuple[float, int]] = []  # (when, characters of the reply on screen)
    arrived: list[float] = []  # when each text event reached the window

    # Hooks: what each render put in the reply, when a view of it was painted, and when each
    # text event reached the window.
    original_render = AssistantMessage.render
    original_apply = ChatSession._apply

    def render(self) -> None:
        original_render(self)
        self.bench_rendered = len(self.text)

    def paint(self, event) -> None:
        QTextBrowser.paintEvent(self, event)
        shown = getattr(self.parent(), "bench_rendered", None)
        if shown:
            painted.append((time.perf_counter(), shown))

    def apply(self, update) -> None:
        if isinstance(update, TextDelta):
            arrived.append(time.perf_counter())
        original_apply(self, update)

    AssistantMessage.render = render
    MessageView.paintEvent = paint
    ChatSession._apply = apply

    server = subprocess.Popen(
        [sys.executable, "-c", SSE_SERVER_SCRIPT, str(rate)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    server.stdin.write(json.dumps(pieces) + "\n")
    server.stdin.flush()
    base_url = server.stdout.readline().strip()

    app = create_application([])
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    install_asyncgen_hooks(loop)
    os.environ["HEARTH_OPENAI_BASE_URL"] = base_url + "/v1"
    services = open_services(Path(tempfile.mkdtemp()))
    services.providers.set_key("openai", "sk-bench-0123456789abcdefghijkl", session_only=True)
    services.settings.set("default_model", "openai:gpt-4o-mini")
    services.settings.set("privacy_check", False)
    window = create_main_window(services)
    window.resize(1000, 760)
    window.show()

    async def main() -> None:
        await window.ready
        await window.models_loaded  # the key is found: the chat replaces the welcome screen
        await window.servers_detected  # start-up work done: measure the steady state
        window.send("Explain CSV files at length.")
        await asyncio.sleep(0.2)
        while window.session.busy:
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.2)
        window.tasks.cancel_all()
        await services.close()

    with loop:
        loop.run_until_complete(main())
    server.stdin.write("done\n")
    server.stdin.flush()
    sent_at = json.loads(server.stdout.readline())
    server.wait(timeout=10)

    ends, total = [], 0
    for piece in pieces:
        total += len(piece)
        ends.append(total)
    latencies, p = [], 0
    for sent, end in zip(sent_at, ends, strict=False):
        while p < len(painted) and (painted[p][1] < end or painted[p][0] < sent):
            p += 1
        if p == len(painted):
            break
        latencies.append((painted[p][0] - sent) * 1000)
    to_window = [(a - s) * 1000 for s, a in zip(sent_at, arrived, strict=False)]
    return latencies, to_window, len(sent_at)


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
    parser.add_argument("--events", type=int, default=1000, help="SSE events for (c)")
    parser.add_argument("--sse-rate", type=float, default=100.0, help="SSE events per second")
    parser.add_argument("--only-sse", action="store_true", help="run (c) alone")
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "--reference",
        type=Path,
        help="only (a): launch this tree and another checkout (e.g. the tree before a change) "
        "alternately, and print both medians",
    )
    args = parser.parse_args()
    if args.only_sse:
        latencies, to_window, sent = bench_sse_to_screen(args.events, args.sse_rate)
        if args.json:  # for the full run, which measures (c) in a fresh process
            print("SSE-JSON " + json.dumps([latencies, to_window, sent]), flush=True)
        else:
            print_sse_rows(latencies, to_window, sent, args)
        return

    if args.reference:
        now, before = bench_launch_against(args.runs, args.reference)
        print(f"launch to idle window, median of {args.runs} alternating runs:")
        print(f"  this tree  {statistics.median(now):.3f} s  (best {min(now):.3f})")
        print(f"  reference  {statistics.median(before):.3f} s  (best {min(before):.3f})")
        return

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
    print_sse_rows(*sse_in_fresh_process(args), args, header=False)
    print(f"\nlaunch runs (s): {', '.join(f'{t:.3f}' for t in times)}")


def sse_in_fresh_process(args) -> tuple[list[float], list[float], int]:
    """(c) in its own process: its hooks must be in place before any message view exists."""
    command = [sys.executable, __file__, "--only-sse", "--json", "--events", str(args.events)]
    command += ["--sse-rate", str(args.sse_rate)]
    out = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True).stdout
    line = next(x for x in out.splitlines() if x.startswith("SSE-JSON "))
    latencies, to_window, sent = json.loads(line.removeprefix("SSE-JSON "))
    return latencies, to_window, sent


def print_sse_rows(
    latencies: list[float], to_window: list[float], sent: int, args, *, header: bool = True
) -> None:
    if header:
        print(f"| {'measure':<38} | {'value':>12} | {'goal':>10} | {'':<6} |")
        print(f"|{'-' * 40}|{'-' * 14}|{'-' * 12}|{'-' * 8}|")
    p50, p99 = percentile(latencies, 0.5), percentile(latencies, 0.99)
    label = f"SSE → screen p50, {sent} events @ {args.sse_rate:.0f}/s"
    print(row(label, f"{p50:.2f} ms", "", True))
    print(row("SSE → screen p99", f"{p99:.2f} ms", "≤ 20 ms", p99 <= SSE_TO_SCREEN_GOAL_MS))
    print(row("SSE → screen max", f"{max(latencies):.2f} ms", "", True))
    window_p50, window_p99 = percentile(to_window, 0.5), percentile(to_window, 0.99)
    print(
        row("  of which SSE → window p50 / p99", f"{window_p50:.1f}/{window_p99:.1f} ms", "", True)
    )
    print(row("events measured on screen", f"{len(latencies)}/{sent}", "", len(latencies) == sent))


if __name__ == "__main__":
    main()
