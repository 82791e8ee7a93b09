"""Downloads end to end against the loopback Hub: resume, faults, pause, restart, disk full."""

from __future__ import annotations

import asyncio
import errno
import hashlib
import shutil
from collections import namedtuple
from pathlib import Path

import pytest

from app.core.download_errors import ChecksumMismatch, DiskFull, GatedModel, NotFoundOnHub
from app.downloads import downloader
from app.netguard import socket_guard
from app.providers.http_retry import RetryPolicy
from app.services import open_services
from app.services.downloads import DownloadService, ModelDefaults
from tests.hub_server import FakeHub, Fault
from tests.loopback import closed_port_endpoint

REPO = "Qwen/Qwen2.5-0.5B-Instruct-GGUF"
FILE = "qwen2.5-0.5b-instruct-q4_k_m.gguf"
FAST = RetryPolicy(max_attempts=4, base_delay=0.01, max_delay=0.05)
TOKEN = "hf_" + "a" * 34


@pytest.fixture(scope="module")
def model_bytes(tmp_path_factory) -> bytes:
    from tests.gguf_factory import write_tiny_gguf

    path = write_tiny_gguf(tmp_path_factory.mktemp("dl") / "m.gguf", n_vocab_extra=2000)
    return path.read_bytes()


@pytest.fixture
def hub(monkeypatch, model_bytes, unpinned_catalog):
    with FakeHub() as hub:
        hub.add_repo(REPO, {FILE: model_bytes}, downloads=100)
        monkeypatch.setenv("HF_ENDPOINT", hub.endpoint)
        monkeypatch.delenv("HF_TOKEN", raising=False)
        yield hub


@pytest.fixture
def small_blocks(monkeypatch):
    """Hand bytes to the writer often, so a part file grows visibly during a slow download."""
    monkeypatch.setattr(downloader, "BLOCK_SIZE", 16 * 1024)
    monkeypatch.setattr(downloader, "FLUSH_INTERVAL", 0.0)


def run(data_dir: Path, body, **service_kw):
    """Run `body(downloads, services)` on a fresh event loop with real services."""

    async def main():
        services = open_services(data_dir)
        downloads = DownloadService(
            models=services.models,
            settings=services.settings,
            data_dir=data_dir,
            retry_policy=service_kw.pop("retry_policy", FAST),
            **service_kw,
        )
        try:
            return await body(downloads, services)
        finally:
            await downloads.close()
            await services.close()

    return asyncio.run(main())


async def pull(downloads: DownloadService, **kw):
    job_id = await downloads.start(repo=kw.pop("repo", REPO), file=kw.pop("file", FILE), **kw)
    return await downloads.wait(job_id=job_id)


def dest(data_dir: Path, repo: str = REPO, file: str = FILE) -> Path:
    return data_dir / "models" / repo / file


def ranges(hub: FakeHub) -> list[str | None]:
    return [s.headers.get("range") for s in hub.cdn_requests()]


def test_download_verifies_installs_and_registers(hub, data_dir, model_bytes):
    async def body(downloads, services):
        events = []
        downloads.subscribe(events.append)
        final = await pull(downloads)
        return final, events, await services.models.list_models()

    final, events, models = run(data_dir, body)
    assert final.state == "done", final.message
    assert dest(data_dir).read_bytes() == model_bytes
    assert not list(dest(data_dir).parent.glob("*.part"))
    assert [m.id for m in models] == ["qwen2.5-0.5b-instruct-q4_k_m"]
    assert final.model_id == "qwen2.5-0.5b-instruct-q4_k_m"
    states = [e.state for e in events]
    assert states[0] == "queued" and "downloading" in states and "verifying" in states
    assert states[-1] == "done" and events[-1].done_bytes == len(model_bytes)


def test_token_goes_to_the_hub_but_never_to_the_cdn(hub, data_dir, monkeypatch):
    hub.valid_tokens.add(TOKEN)
    monkeypatch.setenv("HF_TOKEN", TOKEN)
    hub.renamed["Qwen/Old-Name-GGUF"] = REPO  # a same-host relative redirect keeps the token
    final = run(data_dir, lambda d, s: pull(d, repo="Qwen/Old-Name-GGUF"))
    assert final.state == "done", final.message
    for seen in hub.hub_requests():
        assert seen.headers.get("authorization") == f"Bearer {TOKEN}", seen.path
    assert hub.cdn_requests() and all("authorization" not in s.headers for s in hub.cdn_requests())


def test_cut_connections_resume_with_range(hub, data_dir, model_bytes):
    hub.faults += [Fault("cut", after=100_000), Fault("cut", after=150_000)]
    final = run(data_dir, lambda d, s: pull(d))
    assert final.state == "done", final.message
    assert ranges(hub) == [None, "bytes=100000-", "bytes=250000-"]
    assert dest(data_dir).read_bytes() == model_bytes


@pytest.mark.parametrize("fault", ["ignore_range", "bad_content_range"])
def test_a_server_that_does_not_continue_is_restarted_from_zero(hub, data_dir, model_bytes, fault):
    hub.faults += [Fault("cut", after=100_000), Fault(fault)]
    final = run(data_dir, lambda d, s: pull(d))
    assert final.state == "done", final.message
    assert dest(data_dir).read_bytes() == model_bytes
    assert ranges(hub)[1] == "bytes=100000-"


def test_wrong_checksum_deletes_the_file_and_says_so(hub, data_dir):
    hub.faults.append(Fault("corrupt"))

    async def body(downloads, services):
        return await pull(downloads), await services.models.list_models()

    final, models = run(data_dir, body)
    assert final.state == "failed"
    assert isinstance(final.error, ChecksumMismatch)
    assert "deleted" in final.message and "checksum" in final.message
    assert not list((data_dir / "models").rglob("*.gguf*")) and models == []


def test_server_errors_are_retried(hub, data_dir):
    hub.faults += [Fault("status", status=503, headers={"retry-after": "0"}), Fault("status")]
    final = run(data_dir, lambda d, s: pull(d))
    assert final.state == "done", final.message
    assert len(hub.cdn_requests()) == 3


def test_retries_give_up_with_a_plain_message(hub, data_dir):
    hub.faults += [Fault("status", status=500)] * 5
    final = run(data_dir, lambda d, s: pull(d))
    assert final.state == "failed" and "not answering properly" in final.message


@pytest.mark.parametrize(
    ("repo", "file", "words"),
    [(REPO, "missing-q4_k_m.gguf", "There is no file"), ("nobody/nothing-GGUF", FILE, "no model")],
)
def test_not_found(hub, data_dir, repo, file, words):
    final = run(data_dir, lambda d, s: pull(d, repo=repo, file=file))
    assert final.state == "failed" and isinstance(final.error, NotFoundOnHub)
    assert words in final.message and not final.error.retryable


def test_gated_model_asks_for_terms_and_token(hub, data_dir, monkeypatch, model_bytes):
    hub.add_repo("meta/Gated-GGUF", {"gated-q4_k_m.gguf": model_bytes}, gated=True)
    final = run(data_dir, lambda d, s: pull(d, repo="meta/Gated-GGUF", file="gated-q4_k_m.gguf"))
    assert isinstance(final.error, GatedModel) and "HF_TOKEN" in final.message
    assert f"{hub.endpoint}/meta/Gated-GGUF" in final.message

    hub.valid_tokens.add(TOKEN)
    monkeypatch.setenv("HF_TOKEN", TOKEN)
    final = run(data_dir, lambda d, s: pull(d, repo="meta/Gated-GGUF", file="gated-q4_k_m.gguf"))
    assert isinstance(final.error, GatedModel) and "not been granted" in final.message

    hub.repos["meta/Gated-GGUF"].authorized.add(TOKEN)
    final = run(data_dir, lambda d, s: pull(d, repo="meta/Gated-GGUF", file="gated-q4_k_m.gguf"))
    assert final.state == "done", final.message


def test_a_complete_part_file_is_only_verified(hub, data_dir, model_bytes):
    """A crash between the last byte and the rename: nothing more is fetched."""
    part = downloader.part_path(dest(data_dir))
    part.parent.mkdir(parents=True)
    part.write_bytes(model_bytes)
    final = run(data_dir, lambda d, s: pull(d))
    assert final.state == "done", final.message
    assert ranges(hub) == []


def test_416_for_a_complete_part_of_unknown_size_means_done(hub, tmp_path, model_bytes):
    from app.downloads.hub import HubClient

    async def main():
        part = await downloader.PartFile.open(tmp_path / "m.gguf.part")
        await asyncio.wrap_future(part.submit(model_bytes))
        target = downloader.Target(REPO, FILE, "main", tmp_path / "m.gguf", None, None)
        hub_client = HubClient()
        async with hub_client.client() as client:
            await downloader.fetch(hub_client, client, target, part, lambda n: None)
        part.close()
        return part.offset

    assert asyncio.run(main()) == len(model_bytes)
    assert ranges(hub) == [f"bytes={len(model_bytes)}-"]


def test_a_part_longer_than_the_file_starts_over(hub, data_dir, model_bytes):
    part = downloader.part_path(dest(data_dir))
    part.parent.mkdir(parents=True)
    part.write_bytes(model_bytes + b"junk")
    final = run(data_dir, lambda d, s: pull(d))
    assert final.state == "done", final.message
    assert ranges(hub) == [f"bytes={len(model_bytes) + 4}-", None]


def test_pause_keeps_the_part_and_resume_finishes(hub, data_dir, model_bytes, small_blocks):
    hub.faults.append(Fault("trickle", chunk=16_384, pause=0.02))

    async def body(downloads, services):
        events = []
        downloads.subscribe(events.append)
        job_id = await downloads.start(repo=REPO, file=FILE)
        while downloads.job(job_id=job_id).done_bytes < 300_000:
            await asyncio.sleep(0.01)
        downloads.pause(job_id=job_id)
        paused = await downloads.wait(job_id=job_id)
        part_size = downloader.part_path(dest(data_dir)).stat().st_size
        downloads.resume(job_id=job_id)
        return paused, part_size, await downloads.wait(job_id=job_id), events

    paused, part_size, final, events = run(data_dir, body)
    assert paused.state == "paused" and part_size == paused.done_bytes >= 300_000
    assert final.state == "done" and dest(data_dir).read_bytes() == model_bytes
    assert ranges(hub)[-1] == f"bytes={part_size}-"
    moving = [e for e in events if e.state == "downloading" and e.speed]
    assert moving and all(e.speed > 0 and e.eta is not None for e in moving)


def test_cancel_deletes_the_part(hub, data_dir, small_blocks):
    hub.faults.append(Fault("trickle", chunk=16_384, pause=0.02))

    async def body(downloads, services):
        job_id = await downloads.start(repo=REPO, file=FILE)
        while downloads.job(job_id=job_id).done_bytes < 50_000:
            await asyncio.sleep(0.01)
        await downloads.cancel(job_id=job_id)
        return downloads.jobs()

    assert run(data_dir, body) == []
    assert not list((data_dir / "models").rglob("*.part"))


def test_unfinished_download_resumes_after_a_restart(hub, data_dir, model_bytes, small_blocks):
    hub.faults.append(Fault("trickle", chunk=16_384, pause=0.02))

    async def first_run(downloads, services):
        job_id = await downloads.start(repo=REPO, file=FILE)
        while downloads.job(job_id=job_id).done_bytes < 100_000:
            await asyncio.sleep(0.01)
        # run() closes the app here, mid-download, like quitting or a crash

    async def second_run(downloads, services):
        resumed = downloads.resume_unfinished()
        final = await downloads.wait(job_id=resumed[0])
        return resumed, final, await services.models.list_models()

    run(data_dir, first_run)
    kept = downloader.part_path(dest(data_dir)).stat().st_size
    assert kept >= 100_000
    resumed, final, models = run(data_dir, second_run)
    assert len(resumed) == 1 and final.state == "done", final.message
    assert ranges(hub)[-1] == f"bytes={kept}-"
    assert dest(data_dir).read_bytes() == model_bytes and models


def test_too_little_disk_space_pauses_before_starting(hub, data_dir, model_bytes, monkeypatch):
    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(shutil, "disk_usage", lambda path: usage(10**9, 10**9 - 1000, 1000))
    final = run(data_dir, lambda d, s: pull(d))
    assert final.state == "paused" and isinstance(final.error, DiskFull)
    assert "not enough free disk space" in final.message and "kept" in final.message
    assert hub.cdn_requests() == []


def test_disk_full_mid_download_pauses_and_keeps_a_consistent_part(
    hub, data_dir, model_bytes, monkeypatch, small_blocks
):
    real_write = downloader._write_fd
    written = [0]

    def write_until_full(fd, data):
        if written[0] >= 120_000:  # half of this block lands, then the disk is full
            real_write(fd, data[: len(data) // 2])
            raise OSError(errno.ENOSPC, "No space left on device")
        written[0] += len(data)
        return real_write(fd, data)

    monkeypatch.setattr(downloader, "_write_fd", write_until_full)

    async def body(downloads, services):
        job_id = await downloads.start(repo=REPO, file=FILE)
        paused = await downloads.wait(job_id=job_id)
        part = downloader.part_path(dest(data_dir)).read_bytes()
        monkeypatch.setattr(downloader, "_write_fd", real_write)  # space was freed
        downloads.resume(job_id=job_id)
        return paused, part, await downloads.wait(job_id=job_id)

    paused, part, final = run(data_dir, body)
    assert paused.state == "paused" and isinstance(paused.error, DiskFull)
    assert "disk is full" in paused.message
    assert part == model_bytes[: len(part)] and len(part) == written[0]
    assert final.state == "done" and dest(data_dir).read_bytes() == model_bytes


def test_offline_mode_pauses_without_touching_the_network(data_dir, monkeypatch):
    monkeypatch.setenv("HF_ENDPOINT", "https://huggingface.co")
    monkeypatch.setenv("HEARTH_OFFLINE", "1")
    with socket_guard() as attempts:
        final = run(data_dir, lambda d, s: pull(d))
    assert final.state == "paused" and "Offline mode is on" in final.message
    assert attempts == []


def test_catalog_entry_without_hash_is_verified_against_the_hub(hub, data_dir, model_bytes):
    """A catalog file with null sha256/size gets both from the Hub API before downloading."""

    async def body(downloads, services):
        entry = downloads.catalog().find("qwen2.5-0.5b-instruct:Q4_K_M")[1]
        job_id = await downloads.start_file(file=entry)
        return entry, await downloads.wait(job_id=job_id)

    entry, final = run(data_dir, body)
    assert entry.sha256 is None and final.state == "done"
    assert final.total_bytes == len(model_bytes)
    assert any("blobs" in s.query for s in hub.hub_requests("/api/models/"))


def test_a_catalog_hash_the_hub_disagrees_with_refuses_early(hub, data_dir):
    final = run(data_dir, lambda d, s: pull(d, sha256="0" * 64))
    assert final.state == "failed" and "different file" in final.message
    assert hub.cdn_requests() == []


def test_delete_frees_disk_only_for_downloaded_files(hub, data_dir, tiny_gguf):
    async def body(downloads, services):
        await pull(downloads)
        await services.models.add_from_disk([tiny_gguf])
        first = await downloads.delete_model(model_id="qwen2.5-0.5b-instruct-q4_k_m")
        second = await downloads.delete_model(model_id="tiny-chat")
        return first, second, await services.models.list_models()

    first, second, models = run(data_dir, body)
    assert first.file_deleted and first.freed_bytes > 0 and "freed" in first.message
    assert not (data_dir / "models" / "Qwen").exists()  # empty folders go too
    assert not second.file_deleted and "left where it is" in second.message
    assert tiny_gguf.exists() and models == []


def test_per_model_defaults_are_stored(data_dir):
    async def body(downloads, services):
        wanted = ModelDefaults(context_length=4096, gpu_layers=0, temperature=0.2, system_prompt="")
        downloads.set_model_defaults(model_id="m", defaults=wanted)
        return wanted, downloads.model_defaults(model_id="m")

    wanted, stored = run(data_dir, body)
    assert stored == wanted
    again = run(data_dir, lambda d, s: asyncio.sleep(0, d.model_defaults(model_id="m")))
    assert again == wanted


def test_sha256_of_what_was_served(hub, model_bytes):
    """The fake Hub's own bookkeeping, which every test above relies on."""
    assert hub.repos[REPO].files[FILE].sha256 == hashlib.sha256(model_bytes).hexdigest()


def test_the_window_can_search_judge_and_follow_events(hub, data_dir):
    async def body(downloads, services):
        repos = await downloads.search(query="qwen")
        files = await downloads.files(repo=repos[0].id)
        judged = [downloads.fit(file=f) for f in files]
        seen = []

        async def follow():
            async for event in downloads.events():
                seen.append(event.state)
                if event.state == "done":
                    return

        follower = asyncio.create_task(follow())
        await asyncio.sleep(0)
        job_id = await downloads.start_file(file=downloads.recommend(files=files))
        await asyncio.wait_for(follower, 10)
        return files, judged, seen, downloads.job(job_id=job_id)

    files, judged, seen, final = run(data_dir, body)
    assert [f.path for f in files] == [FILE]
    assert judged[0].verdict == "runs well" and judged[0].needed_bytes > files[0].size
    assert seen[0] == "queued" and seen[-1] == "done" and final.model_id


@pytest.mark.parametrize("known", [True, False], ids=["size-known", "size-asked-of-the-hub"])
def test_a_download_that_never_connected_says_it_could_not_reach_the_hub(
    data_dir, monkeypatch, model_bytes, known
):
    nowhere = closed_port_endpoint()
    monkeypatch.setenv("HF_ENDPOINT", nowhere)
    pinned = {"sha256": hashlib.sha256(model_bytes).hexdigest(), "size": len(model_bytes)}
    final = run(data_dir, lambda d, s: pull(d, **(pinned if known else {})))
    assert final.state == "failed"
    assert final.message.startswith(
        f"Couldn't reach Hugging Face at {nowhere} (the address set in HF_ENDPOINT)."
    )
    assert "unset HF_ENDPOINT" in final.message
    assert "Settings" not in final.message  # no Settings page holds HF_ENDPOINT
    assert "connection was lost" not in final.message and "0 bytes" not in final.message


def test_the_real_hub_unreachable_reads_plainly():
    import httpx

    from app.downloads.hub_errors import connect_failure

    error = connect_failure(
        httpx.ConnectError("Name or service not known"), "https://huggingface.co"
    )
    assert error.message == "Couldn't reach Hugging Face."
    assert error.action == "Check your internet connection, then try again."
    assert connect_failure(httpx.ReadError("reset"), "https://huggingface.co") is None


def test_a_failed_download_waits_for_retry_instead_of_restarting_at_every_launch(
    hub, data_dir, model_bytes
):
    hub.faults += [Fault("status", status=503)] * FAST.max_attempts  # busy: retried, then failed

    async def first_run(downloads, services):
        return await pull(downloads)

    async def next_launch(downloads, services):
        resumed = downloads.resume_unfinished()  # what the window does at start
        (job,) = downloads.jobs()
        downloads.resume(job_id=job.job_id)  # the Retry button
        return resumed, job, await downloads.wait(job_id=job.job_id)

    failed = run(data_dir, first_run)
    assert failed.state == "failed" and failed.error.retryable
    requests = len(hub.cdn_requests())
    resumed, job, final = run(data_dir, next_launch)
    assert resumed == [] and job.state == "failed"
    assert final.state == "done" and len(hub.cdn_requests()) == requests + 1
