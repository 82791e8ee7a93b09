"""Download throughput, hashing included, against curl + a separate hash of the same file.

    .venv/bin/python bench/bench_download.py [--size-mb 400] [--runs 3]

A loopback Hub (tests/hub_server.py, in its own process so it competes with neither side for the
GIL) serves one random file; both sides start at the Hub's resolve URL and follow its redirect
to the CDN port. Per run, interleaved:

- curl: `curl -sL -o FILE URL` then `sha256sum FILE` (the brief's baseline), and the same with
  `openssl dgst -sha256` (a faster hash: the stricter baseline);
- Hearth: the downloader's fetch into a .part with the sha256 computed while writing, then the
  check against the expected hash; fsync + rename are timed separately (curl does neither).

Medians of the runs; goal: Hearth ÷ curl+sha256sum ≥ 0.9. The file lives in /tmp, never in git.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.downloads import downloader  # noqa: E402
from app.downloads.hub import HubClient  # noqa: E402

WORK = Path("/tmp/hearth-bench")
REPO, NAME = "bench/bench-GGUF", "bench.gguf"


def make_file(size_mb: int) -> Path:
    path = WORK / NAME
    if path.exists() and path.stat().st_size == size_mb * 1024 * 1024:
        return path
    WORK.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as f:
        for _ in range(size_mb):
            f.write(os.urandom(1024 * 1024))
    return path


def start_server(path: Path) -> tuple[subprocess.Popen, dict]:
    server = subprocess.Popen(
        [sys.executable, "-m", "tests.hub_server", str(path)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert server.stdout is not None
    return server, json.loads(server.stdout.readline())


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def curl_then(url: str, out: Path, hasher: list[str], expected: str) -> float:
    def run() -> None:
        subprocess.run(["curl", "-sfL", "-o", str(out), url], check=True)
        digest = subprocess.run([*hasher, str(out)], check=True, capture_output=True, text=True)
        assert expected in digest.stdout, digest.stdout

    seconds = timed(run)
    out.unlink()
    return seconds


def hearth(endpoint: str, expected: str, size: int) -> tuple[float, float]:
    dest = WORK / "hearth" / NAME
    dest.parent.mkdir(exist_ok=True)

    async def run() -> tuple[float, float]:
        hub = HubClient(endpoint_url=endpoint, hf_token="")
        target = downloader.Target(REPO, NAME, "main", dest, size, expected)
        start = time.perf_counter()
        part = await downloader.PartFile.open(downloader.part_path(dest))
        async with hub.client(downloader.DOWNLOAD_TIMEOUT) as client:
            await downloader.fetch(hub, client, target, part, lambda n: None)
        digest = await asyncio.wrap_future(part._pool.submit(part._hash.hexdigest))
        assert digest == expected
        fetched = time.perf_counter() - start
        await downloader.finish(part, target)  # fsync, verify again, rename, fsync the folder
        return fetched, time.perf_counter() - start - fetched

    try:
        return asyncio.run(run())
    finally:
        dest.unlink(missing_ok=True)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size-mb", type=int, default=400)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    path = make_file(args.size_mb)
    server, info = start_server(path)
    url = f"{info['endpoint']}/{REPO}/resolve/main/{NAME}"
    out = WORK / "curl.out"
    results: dict[str, list[float]] = {"curl+sha256sum": [], "curl+openssl": [], "hearth": []}
    finish_times: list[float] = []
    try:
        for _ in range(args.runs):
            results["curl+sha256sum"].append(curl_then(url, out, ["sha256sum"], info["sha256"]))
            fetched, finishing = hearth(info["endpoint"], info["sha256"], info["size"])
            results["hearth"].append(fetched)
            finish_times.append(finishing)
            openssl = ["openssl", "dgst", "-sha256", "-r"]
            results["curl+openssl"].append(curl_then(url, out, openssl, info["sha256"]))
    finally:
        assert server.stdin is not None
        server.stdin.close()
        server.wait(10)
    report(results, finish_times, info["size"])
    return 0


def report(results: dict[str, list[float]], finish_times: list[float], size: int) -> None:
    mb = size / 1e6
    medians = {k: statistics.median(v) for k, v in results.items()}
    print(f"{mb:.0f} MB over loopback, median of {len(results['hearth'])} interleaved runs\n")
    print(f"{'method':<34}{'seconds':>9}{'MB/s':>9}{'runs':>26}")
    for name, seconds in medians.items():
        runs = ", ".join(f"{s:.2f}" for s in results[name])
        print(f"{name:<34}{seconds:>9.2f}{mb / seconds:>9.0f}{runs:>26}")
    fsync = statistics.median(finish_times)
    print(f"{'hearth fsync + rename (extra)':<34}{fsync:>9.2f}")
    print()
    for base in ("curl+sha256sum", "curl+openssl"):
        print(f"hearth ÷ {base}: {medians[base] / medians['hearth']:.2f}  (goal ≥ 0.9)")


if __name__ == "__main__":
    sys.exit(main())
