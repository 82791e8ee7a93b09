"""Does the window stay responsive while documents are read? The event loop's stalls while a
generated folder is read with the main window and the Documents window open.

    .venv/bin/python bench/bench_docs_ui.py [--files 200] [--pages 10] [--idle 2]

A folder of --files PDFs of --pages pages each (2,000 pages by default, ~150 words a page,
made with pypdf) is dropped on the main window the way DocumentController takes a drop; the
Documents window opens and shows the progress. A 1 ms QTimer heartbeat measures the gaps in the
event loop for the whole reading, and for --idle seconds before it with nothing read (the
reference, in the same process). Reading happens on DocumentService's reading thread; the loop
only writes the chunks through the database worker and shows the progress.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

STALL_GOAL_MS = 16
WORDS = [
    "income",
    "tax",
    "return",
    "deduction",
    "receipt",
    "invoice",
    "statement",
    "balance",
    "payment",
    "office",
    "home",
    "rent",
    "insurance",
    "pension",
    "account",
    "interest",
    "dividend",
    "transfer",
    "salary",
    "employer",
    "refund",
    "allowance",
]


def write_folder(folder: Path, files: int, pages: int) -> None:
    from app.documents.samples import sample_pdf

    folder.mkdir(parents=True)
    for f in range(files):
        texts = []
        for p in range(pages):
            words = [WORDS[(f * 7 + p * 3 + i) % len(WORDS)] for i in range(150)]
            texts.append(f"Statement {f} page {p + 1}. " + " ".join(words) + ".")
        (folder / f"statement-{f:03d}.pdf").write_bytes(sample_pdf(texts))


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def row(name: str, value: str, goal: str, ok: bool) -> str:
    return f"| {name:<40} | {value:>12} | {goal:>10} | {'ok' if ok else 'MISSED':<6} |"


def run(files: int, pages: int, idle_s: float) -> dict:
    import qasync
    from PySide6.QtCore import Qt, QTimer

    from app.services import open_services
    from app.ui.shell.app import create_application, create_main_window

    work = Path(tempfile.mkdtemp(prefix="hearth-bench-docs-"))
    began = time.perf_counter()
    write_folder(work / "Statements", files, pages)
    made_s = time.perf_counter() - began
    app = create_application([])
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    services = open_services(work / "data")
    window = create_main_window(services)
    window.show()
    out: dict = {"made_s": made_s}

    async def main() -> None:
        await window.ready
        gaps: list[float] = []
        last = [time.perf_counter()]

        def beat() -> None:
            now = time.perf_counter()
            gaps.append((now - last[0]) * 1000)
            last[0] = now

        heartbeat = QTimer()
        heartbeat.setTimerType(Qt.TimerType.PreciseTimer)
        heartbeat.timeout.connect(beat)
        heartbeat.start(1)
        await asyncio.sleep(0.3)
        gaps.clear()
        last[0] = time.perf_counter()
        await asyncio.sleep(idle_s)  # the reference: the same window, nothing read
        out["idle"] = list(gaps)
        docs = window.documents
        done: list = []
        docs.reading_done.connect(done.append)
        gaps.clear()
        last[0] = started = time.perf_counter()
        docs.add_dropped([str(work / "Statements")])
        while not done:
            await asyncio.sleep(0.05)
        out["read_s"] = time.perf_counter() - started
        out["reading"] = list(gaps)
        heartbeat.stop()
        listing = await services.documents.list()
        out["pages"] = sum(f.pages or 0 for e in listing for f in e.files)
        out["ready"] = sum(f.state == "ready" for e in listing for f in e.files)
        out["chunks"] = done[-1].chunks
        window.close()
        await services.close()

    with loop:
        loop.run_until_complete(main())
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=200)
    parser.add_argument("--pages", type=int, default=10, help="pages a file")
    parser.add_argument("--idle", type=float, default=2.0, help="seconds of the reference")
    args = parser.parse_args()
    r = run(args.files, args.pages, args.idle)
    idle, reading = r["idle"], r["reading"]
    print(
        f"{args.files} PDFs × {args.pages} pages written in {r['made_s']:.1f} s; "
        f"{r['ready']} read, {r['pages']} pages, {r['chunks']} chunks in {r['read_s']:.1f} s\n"
    )
    print(f"| {'measure':<40} | {'value':>12} | {'goal':>10} | {'':<6} |")
    print(f"|{'-' * 42}|{'-' * 14}|{'-' * 12}|{'-' * 8}|")
    for name, gaps in (("nothing read (reference)", idle), ("while reading", reading)):
        p50, p99, worst = percentile(gaps, 0.5), percentile(gaps, 0.99), max(gaps)
        print(row(f"loop gap p50, {name}", f"{p50:.2f} ms", "", True))
        goal = "≤ 16 ms" if name == "while reading" else ""
        print(row(f"loop gap p99, {name}", f"{p99:.2f} ms", goal, not goal or p99 <= 16))
        print(row(f"loop gap max, {name}", f"{worst:.2f} ms", "", True))
    print(row("pages read a second", f"{r['pages'] / r['read_s']:.0f}", "", True))
    over = sum(g > STALL_GOAL_MS for g in reading)
    print(row("heartbeats later than 16 ms while reading", f"{over}", "", True))
    print(f"\nmean gap while reading {statistics.fmean(reading):.2f} ms over {len(reading)} beats")


if __name__ == "__main__":
    main()
