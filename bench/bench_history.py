"""Full-text search over 100,000 messages, and loading a 10,000-message conversation.

A fresh SQLite file in a temporary folder gets the real schema (every migration) and the real FTS
triggers, then synthetic chats whose words follow Zipf's law like real text (a few words are in
most messages, most words are rare). Search runs through app.store.history.search exactly as
the window and `hearth search` call it: BM25 ranking, snippets, deleted chats left out.

    .venv/bin/python bench/bench_history.py [--messages 100000] [--queries 50]

Search runs twice over the same queries: with the FTS prefix index (migration m010) and, as the
reference, with the table as it was before it.

Goals: search p95 <= 50 ms for every query shape; Store.messages() on a 10,000-message branch
well under the 300 ms first-paint budget of the window. Exits 1 when a goal is missed.
"""

from __future__ import annotations

import argparse
import itertools
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.store import Store  # noqa: E402
from app.store import history as h  # noqa: E402
from app.store import memory as store_memory  # noqa: E402
from app.store.store import now  # noqa: E402

GOAL_SEARCH_P95_MS = 50.0
GOAL_OPEN_MS = 300.0
MESSAGES_PER_CHAT = 50
LONG_CHAT = 10_000
VOCABULARY = 30_000
_COMMON = """the a to and of I you is it in that for on with this be can my how what do your have
    not are or if but at as so we will would just like there from use one should about make"""
_TOPICS = """sourdough pasta garden tomato python docker invoice landlord marathon vaccine bicycle
    mortgage guitar holiday printer spreadsheet wedding recipe tax visa laptop kitten chemistry
    poem resume interview budget camera router flight"""
COMMON = _COMMON.split()
TOPICS = _TOPICS.split()


def make_words(rng: random.Random) -> Callable[[int], str]:
    """Text whose words follow Zipf's law: common glue words, topic words, a long rare tail."""
    rare = [f"w{i}x" for i in range(VOCABULARY)]
    words = COMMON + TOPICS + rare
    # Cumulative weights once: random.choices would otherwise add up 30,000 weights per call.
    cumulative = list(itertools.accumulate(1 / (rank + 1) for rank in range(len(words))))

    def text(n: int) -> str:
        return " ".join(rng.choices(words, cum_weights=cumulative, k=n))

    return text


def fill(store: Store, messages: int, rng: random.Random) -> float:
    """Insert `messages` in chats of MESSAGES_PER_CHAT, one transaction; returns seconds."""
    text = make_words(rng)
    stamp = now()
    began = time.perf_counter()
    conn = store.db.conn
    with conn:
        for start in range(0, messages, MESSAGES_PER_CHAT):
            cid = conn.execute(
                "INSERT INTO conversations (title, created, updated, pinned) VALUES (?, ?, ?, 0)",
                [text(4), stamp, stamp],
            ).lastrowid
            parent = None
            for i in range(min(MESSAGES_PER_CHAT, messages - start)):
                role = "user" if i % 2 == 0 else "assistant"
                size = rng.randint(8, 30) if role == "user" else rng.randint(40, 160)
                parent = conn.execute(
                    "INSERT INTO messages (conversation_id, parent_id, role, content, status, "
                    "created) VALUES (?, ?, ?, ?, 'complete', ?)",
                    [cid, parent, role, text(size), stamp],
                ).lastrowid
            conn.execute("UPDATE conversations SET head_message_id = ? WHERE id = ?", [parent, cid])
        # One chat in ten is deleted (awaiting purge): search must skip it.
        conn.execute("UPDATE conversations SET deleted = ? WHERE id % 10 = 0", [stamp])
    return time.perf_counter() - began


def queries(count: int, rng: random.Random) -> list[tuple[str, str]]:
    """(kind, query) pairs covering what people type, from the worst case to the easy one."""
    kinds = [
        ("common word", lambda: rng.choice(COMMON[:20])),
        ("topic word", lambda: rng.choice(TOPICS)),
        ("two words", lambda: f"{rng.choice(TOPICS)} {rng.choice(COMMON[:30])}"),
        ("rare word", lambda: f"w{rng.randint(500, VOCABULARY - 1)}x"),
        ("phrase", lambda: f'"{rng.choice(COMMON[:10])} {rng.choice(TOPICS)}"'),
        ("3-letter prefix", lambda: rng.choice(TOPICS + COMMON[20:])[:3]),
        ("typing a prefix", lambda: rng.choice(TOPICS)[:4]),
        # "w12" starts 111 different words, as "con" or "pre" start hundreds in English.
        ("prefix of many words", lambda: f"w{rng.randint(10, 99)}"),
        ("word + prefix", lambda: f"{rng.choice(TOPICS)} {rng.choice(COMMON[:20])[:3]}"),
        ("no hit", lambda: "zzzqqq"),
    ]
    return [(kind, make()) for kind, make in (kinds[i % len(kinds)] for i in range(count))]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def timed(fn: Callable[[], object]) -> float:
    began = time.perf_counter()
    fn()
    return (time.perf_counter() - began) * 1000


def bench_search(store: Store, asked: list[tuple[str, str]]) -> list[tuple[str, float, int]]:
    results = []
    for kind, query in asked:
        hits: list = []
        ms = timed(lambda q=query, out=hits: out.extend(h.search(store, q, limit=50)))
        results.append((kind, ms, len(hits)))
    return results


def without_prefix_index(store: Store) -> None:
    """The FTS table as it was before migration m010: the reference, measured in the same run."""
    with store.db.conn:
        store.db.execute("DROP TABLE messages_fts")
        store.db.execute(
            "CREATE VIRTUAL TABLE messages_fts USING FTS5 "
            "(content, tokenize='unicode61', content=messages)"
        )
        store.db.execute("INSERT INTO messages_fts (messages_fts) VALUES ('rebuild')")


def long_conversation(store: Store, rng: random.Random) -> int:
    """LONG_CHAT messages on the shown branch, with an edit every 500 turns (branches)."""
    text = make_words(rng)
    stamp = now()
    conn = store.db.conn
    with conn:
        cid = conn.execute(
            "INSERT INTO conversations (title, created, updated) VALUES ('Long', ?, ?)",
            [stamp, stamp],
        ).lastrowid
        parent = None
        for i in range(LONG_CHAT):
            role = "user" if i % 2 == 0 else "assistant"
            if i % 500 == 0 and parent is not None:  # an older version beside this turn
                conn.execute(
                    "INSERT INTO messages (conversation_id, parent_id, role, content, status, "
                    "created) VALUES (?, ?, ?, ?, 'complete', ?)",
                    [cid, parent, role, text(20), stamp],
                )
            parent = conn.execute(
                "INSERT INTO messages (conversation_id, parent_id, role, content, status, created)"
                " VALUES (?, ?, ?, ?, 'complete', ?)",
                [cid, parent, role, text(rng.randint(20, 120)), stamp],
            ).lastrowid
        conn.execute("UPDATE conversations SET head_message_id = ? WHERE id = ?", [parent, cid])
    return cid


def bench_open(store: Store, cid: int) -> dict[str, list[float]]:
    runs: dict[str, list[float]] = {
        "Store.messages() (whole branch)": [],
        "history.recent_messages() (last 100)": [],
        "history.branch_map() (whole branch)": [],
        "history.branches_for() (100 on screen)": [],
    }
    page = [m.id for m in h.recent_messages(store, cid, limit=100)]
    for _ in range(7):
        names = iter(runs)
        runs[next(names)].append(timed(lambda: store.messages(cid)))
        runs[next(names)].append(timed(lambda: h.recent_messages(store, cid, limit=100)))
        runs[next(names)].append(timed(lambda: h.branch_map(store, cid)))
        runs[next(names)].append(timed(lambda: h.branches_for(store, page)))
    return runs


def bench_memories(store: Store, rng: random.Random) -> list[float]:
    text = make_words(rng)
    for _ in range(1000):
        store_memory.add_memory(store, text(12))
    return [timed(lambda: store_memory.search_memories(store, text(25))) for _ in range(50)]


def table(rows: list[tuple[str, ...]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=180)
    args = parser.parse_args()
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as folder:
        store = Store(Path(folder) / "hearth.db")
        seconds = fill(store, args.messages, rng)
        print(f"inserted {args.messages:,} messages (FTS triggers on) in {seconds:.1f} s")
        asked = queries(args.queries, rng)
        h.search(store, "warm up")
        results = bench_search(store, asked)
        cid = long_conversation(store, rng)
        opened = bench_open(store, cid)
        memory_ms = bench_memories(store, rng)
        without_prefix_index(store)
        h.search(store, "warm up")
        reference = bench_search(store, asked)
        store.close()

    all_ms = [ms for _, ms, _ in results]
    rows = [("measure", "p50 ms", "p95 ms", "max ms", "note")]
    for kind in dict.fromkeys(k for k, _, _ in results):
        mine = [(ms, n) for k, ms, n in results if k == kind]
        times = [ms for ms, _ in mine]
        before = [ms for k, ms, _ in reference if k == kind]
        rows.append(
            (
                f"search: {kind}",
                f"{statistics.median(times):.1f}",
                f"{percentile(times, 95):.1f}",
                f"{max(times):.1f}",
                f"~{round(statistics.mean(n for _, n in mine))} hits (max 50); "
                f"without prefix index p50 {statistics.median(before):.1f}, "
                f"p95 {percentile(before, 95):.1f}",
            )
        )
    p95 = max(
        percentile([ms for k, ms, _ in results if k == kind], 95)
        for kind in dict.fromkeys(k for k, _, _ in results)
    )
    rows.append(
        (
            f"search: all {len(all_ms)} queries",
            f"{statistics.median(all_ms):.1f}",
            f"{percentile(all_ms, 95):.1f}",
            f"{max(all_ms):.1f}",
            f"goal p95 <= {GOAL_SEARCH_P95_MS:.0f} ms for every shape (worst {p95:.1f})",
        )
    )
    for name, times in opened.items():
        rows.append(
            (
                f"10,000-message chat: {name}",
                f"{statistics.median(times):.1f}",
                f"{percentile(times, 95):.1f}",
                f"{max(times):.1f}",
                "7 runs",
            )
        )
    rows.append(
        (
            "memory search (1,000 memories)",
            f"{statistics.median(memory_ms):.2f}",
            f"{percentile(memory_ms, 95):.2f}",
            f"{max(memory_ms):.2f}",
            "25-word query, OR of terms",
        )
    )
    print()
    print(table(rows))
    open_p50 = statistics.median(opened["Store.messages() (whole branch)"])
    ok = p95 <= GOAL_SEARCH_P95_MS and open_p50 <= GOAL_OPEN_MS
    print()
    print("goals met" if ok else "GOAL MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
