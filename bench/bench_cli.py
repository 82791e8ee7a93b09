"""How long the command line takes to start and answer, beside what it cannot beat.

A data folder with 2,000 chats (10 messages each) is made once through the real Store; then each
command runs --runs times in a fresh interpreter, all commands interleaved run by run so every
one sees the same machine load. For reference, in the same run:
  - `python -c pass`: the interpreter alone;
  - the history listing's query in sqlite3 (the command-line tool) on the same file;
  - with --reference DIR (another checkout of Hearth, e.g. `git archive 45aa072 | tar -x -C DIR`),
    the same commands run from that tree.

Goal: each command's median <= 150 ms.

    .venv/bin/python bench/bench_cli.py [--runs 15] [--reference /tmp/speed-base]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.store import Store  # noqa: E402

GOAL_MS = 150.0
CHATS = 2_000
COMMANDS = {
    "hearth --help": ["--help"],
    "hearth history": ["history"],
    "hearth models": ["models"],
    "hearth search": ["search", "picnic"],
}
HISTORY_SQL = """SELECT c.id, c.title, c.created, c.updated, c.pinned,
       (SELECT count(*) FROM messages m WHERE m.conversation_id = c.id)
FROM conversations c WHERE c.deleted IS NULL
ORDER BY c.pinned DESC, c.updated DESC, c.id DESC;"""
WORDS = "picnic bread garden rain python invoice tomato letter bicycle lamp".split()  # noqa: SIM905


def fill(folder: Path) -> None:
    rng = random.Random(3)
    store = Store(folder / "hearth.db")
    with store.db.conn:
        for n in range(CHATS):
            conversation = store.create_conversation(f"Chat {n} about {rng.choice(WORDS)}")
            for i in range(10):
                text = " ".join(rng.choices(WORDS, k=30))
                role = "user" if i % 2 == 0 else "assistant"
                store.add_message(conversation.id, role=role, content=text)
    store.close()


def timed_ms(argv: list[str], cwd: Path, env: dict[str, str]) -> float:
    began = time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, check=False)
    ms = (time.perf_counter() - began) * 1000
    if done.returncode not in (0, 1):  # search finding nothing exits 1
        raise SystemExit(f"{argv} failed: {done.stderr.decode()[-500:]}")
    return ms


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--reference", type=Path, help="another Hearth checkout to compare")
    args = parser.parse_args()
    python = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        fill(data)
        # Bytecode as an installed Hearth has it: this machine's environment may turn writing it
        # off (PYTHONDONTWRITEBYTECODE), which would compile every module on every run. Kept in
        # the temporary folder; the warm-up run below writes it.
        env = {**os.environ, "HEARTH_DATA_DIR": str(data), "PYTHONPYCACHEPREFIX": f"{tmp}/pyc"}
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        trees = {"now": ROOT}
        if args.reference:
            trees["reference"] = args.reference
        runs: dict[str, list[float]] = {}
        cases: list[tuple[str, list[str], Path]] = [
            ("python -c pass", [python, "-c", "pass"], ROOT)
        ]
        if shutil.which("sqlite3"):
            cases.append(
                ("sqlite3 (history query)", ["sqlite3", str(data / "hearth.db"), HISTORY_SQL], ROOT)
            )
        for tree, where in trees.items():
            for name, command in COMMANDS.items():
                cases.append((f"{name} ({tree})", [python, "-m", "app", *command], where))
        for _name, argv, cwd in cases:  # once each, so every file is in the page cache
            timed_ms(argv, cwd, env)
        for _ in range(args.runs):
            for name, argv, cwd in cases:
                runs.setdefault(name, []).append(timed_ms(argv, cwd, env))
    width = max(len(n) for n in runs)
    print(f"{CHATS:,} chats, {args.runs} runs each, interleaved")
    print(f"{'':{width}}  median ms  best ms")
    worst = 0.0
    for name, times in runs.items():
        median = statistics.median(times)
        if name.endswith("(now)"):
            worst = max(worst, median)
        print(f"{name:{width}}  {median:9.0f}  {min(times):7.0f}")
    ok = worst <= GOAL_MS
    print(f"\ngoal: every command's median <= {GOAL_MS:.0f} ms: {'met' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
