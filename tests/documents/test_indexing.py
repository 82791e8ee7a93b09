"""Adding, reading and keeping documents in step with the disk, on the real database file."""

from __future__ import annotations

import asyncio
import os
import threading
import tracemalloc

from app.documents.samples import sample_pdf
from app.store import documents as store_docs


def write_notes(folder, name="notes.md", sections=3, word="zebra"):
    path = folder / name
    body = "".join(f"# Part {i}\n\nThe {word} number {i} lives here.\n\n" for i in range(1, 4))
    path.write_text(body if sections == 3 else body.split("# Part 3")[0], encoding="utf-8")
    return path


def states(docs) -> dict[str, tuple[str, str | None]]:
    rows = docs.sql("SELECT path, state, reason FROM doc_files")
    return {os.path.basename(p): (s, r) for p, s, r in rows}


def search(docs, words: str) -> list:
    return docs.db.call_sync(store_docs.keyword_search, words)


def test_a_folder_is_added_read_and_listed_with_reasons(docs, tmp_path):
    folder = tmp_path / "Taxes 2026"
    folder.mkdir()
    (folder / "report.pdf").write_bytes(sample_pdf(["Rent is 900.", None, "Heating costs."]))
    (folder / "broken.pdf").write_bytes(b"%PDF-1.7 this is not a pdf")
    (folder / "locked.pdf").write_bytes(sample_pdf(["Secret."], password="pw"))
    (folder / "empty.txt").write_text("")
    (folder / ".hidden.md").write_text("# Hidden\n")
    (folder / "~$draft.docx").write_bytes(b"lock file")
    (folder / "photo.jpg").write_bytes(b"\xff\xd8")
    write_notes(folder)
    events = []

    async def go():
        added = await docs.service.add([folder])
        result = await docs.service.index(progress=events.append)
        return added, result, await docs.service.list()

    added, result, listing = docs.run(go())
    assert added.collection == "Taxes 2026" and added.queued == 5
    assert sorted(os.path.basename(p) for p in result.ready) == ["notes.md", "report.pdf"]
    got = states(docs)
    assert got["report.pdf"] == (
        "ready",
        "Page 2 is a scanned image with no text; Hearth can't read it yet.",
    )
    assert got["broken.pdf"][0] == "failed" and "damaged" in got["broken.pdf"][1]
    assert got["locked.pdf"][0] == "failed" and "password" in got["locked.pdf"][1]
    assert got["empty.txt"] == ("failed", "This file is empty: there is no text to read.")
    assert ".hidden.md" not in got and "~$draft.docx" not in got and "photo.jpg" not in got
    # Progress: per page while reading, then the file's outcome; counters reach the total.
    report_pages = [(e.page, e.pages) for e in events if e.file.endswith("report.pdf")]
    assert report_pages == [(1, 3), (2, 3), (3, 3), (3, 3)]
    assert events[-1].files_done == events[-1].files_total == 5
    assert events[-1].chunks == result.chunks == 5  # two PDF pages with text, three parts
    (only,) = listing
    assert only.collection.name == "Taxes 2026" and only.collection.ready == 2
    assert docs.sql("SELECT pages FROM doc_files WHERE path LIKE '%report.pdf'") == [(3,)]


def test_chunks_keep_file_page_heading_and_exact_offsets(docs, tmp_path):
    notes = write_notes(tmp_path)
    pdf = tmp_path / "a.pdf"
    pdf.write_bytes(sample_pdf(["First page.", "The zebra is on page two."]))
    written = []
    docs.service.on_chunks_written = written.append

    async def go():
        await docs.service.add([notes, pdf], collection="Mixed")
        await docs.service.index()

    docs.run(go())
    found = search(docs, "zebra")
    by_file = {(p.name, p.page, p.heading) for p in found}
    assert ("a.pdf", 2, None) in by_file and ("notes.md", None, "Part 2") in by_file
    text = notes.read_text(encoding="utf-8")
    for p in found:
        if p.name == "notes.md":
            assert text[p.start : p.end] == p.text
        else:
            assert p.start == 0 and p.text == "The zebra is on page two."
    ids = [i for batch in written for i in batch]
    assert sorted(ids) == sorted(r[0] for r in docs.sql("SELECT id FROM doc_chunks"))


def test_a_chunk_is_searchable_the_moment_its_page_is_written(docs, tmp_path):
    pdf = tmp_path / "big.pdf"
    pdf.write_bytes(sample_pdf(["Walrus facts.", "Other.", "More."]))
    seen = []

    def progress(p):
        if p.state == "reading" and p.page == 1:
            seen.append([x.text for x in search(docs, "walrus")])
            seen.append(states(docs)["big.pdf"][0])

    async def go():
        await docs.service.add([pdf])
        await docs.service.index(progress=progress)

    docs.run(go())
    assert seen == [["Walrus facts."], "reading"]


def test_cancel_mid_way_then_resume_after_a_restart_from_the_page_reached(docs, tmp_path):
    pdf = tmp_path / "long.pdf"
    pdf.write_bytes(sample_pdf([f"Page {i} talks about otters." for i in range(1, 6)]))
    cancel = threading.Event()
    first = []

    def stop_after_two(p):
        first.append(p.page)
        if p.page == 2:
            cancel.set()

    async def start():
        await docs.service.add([pdf])
        return await docs.service.index(progress=stop_after_two, cancel=cancel)

    result = docs.run(start())
    assert result.cancelled and first == [1, 2]
    assert docs.sql("SELECT state, next_page, chunks FROM doc_files") == [("reading", 2, 2)]
    docs.restart()
    second = []
    result = docs.run(docs.service.index(progress=lambda p: second.append((p.state, p.page))))
    assert second == [("reading", 3), ("reading", 4), ("reading", 5), ("ready", 5)]
    texts = [r[0] for r in docs.sql("SELECT text FROM doc_chunks ORDER BY seq")]
    assert texts == [f"Page {i} talks about otters." for i in range(1, 6)]  # none twice


def test_unchanged_files_are_skipped_changed_reread_removed_dropped(docs, tmp_path):
    folder = tmp_path / "notes"
    folder.mkdir()
    kept = write_notes(folder, "kept.md", word="heron")
    changed = write_notes(folder, "changed.md", word="badger")
    gone = write_notes(folder, "gone.md", word="ferret")
    docs.run(_add_and_index(docs, folder))
    kept_ids = "SELECT c.id FROM doc_chunks c JOIN doc_files f ON f.id = c.file_id AND f.path = ?"
    ids_before = docs.sql(kept_ids, str(kept))

    later = os.stat(kept).st_mtime + 10
    os.utime(kept, (later, later))  # touched, same content
    changed.write_text("# New\n\nThe badger moved to the marmot's burrow.\n", encoding="utf-8")
    gone.unlink()

    async def again():
        queued, dropped = await docs.service.rescan()
        return queued, dropped, await docs.service.index()

    queued, dropped, result = docs.run(again())
    assert (queued, dropped) == (2, 1)
    assert [os.path.basename(p) for p in result.unchanged] == ["kept.md"]
    assert [os.path.basename(p) for p in result.ready] == ["changed.md"]
    assert docs.sql(kept_ids, str(kept)) == ids_before and len(ids_before) == 3  # not re-read
    assert [p.text for p in search(docs, "marmot")] == [
        "# New\n\nThe badger moved to the marmot's burrow."
    ]
    assert len(search(docs, "badger")) == 1  # the old version's chunks are gone
    assert search(docs, "ferret") == [] and "gone.md" not in states(docs)


def test_a_missing_folder_keeps_its_files_until_it_is_back(docs, tmp_path):
    drive = tmp_path / "usb"
    drive.mkdir()
    write_notes(drive, word="gecko")
    docs.run(_add_and_index(docs, drive))
    drive.rename(tmp_path / "elsewhere")  # unplugged

    assert docs.run(docs.service.rescan()) == (0, 0)
    assert [p.name for p in search(docs, "gecko")] == ["notes.md"] * 3
    (tmp_path / "elsewhere").rename(drive)
    assert docs.run(docs.service.refresh()).ready == []  # back, unchanged: nothing to read


async def _add_and_index(docs, *paths, collection=None):
    await docs.service.add(list(paths), collection=collection)
    return await docs.service.index()


def test_a_file_changed_while_being_read_is_read_again(docs, tmp_path):
    notes = write_notes(tmp_path, word="lynx")
    events = []

    def progress(p):
        events.append((p.state, p.page))
        if len(events) == 1:
            with open(notes, "a", encoding="utf-8") as f:
                f.write("# Part 4\n\nA late lynx arrived.\n")
            later = os.stat(notes).st_mtime + 5
            os.utime(notes, (later, later))

    docs.run(_add_and_index_with(docs, notes, progress))
    assert ("requeued", 0) in events and events[-1] == ("ready", 4)
    assert [p.heading for p in search(docs, "late lynx arrived")][:1] == ["Part 4"]
    assert docs.sql("SELECT state, chunks FROM doc_files") == [("ready", 4)]


async def _add_and_index_with(docs, path, progress):
    await docs.service.add([path])
    return await docs.service.index(progress=progress)


def test_a_two_thousand_page_text_is_streamed_with_flat_memory(docs, tmp_path):
    path = tmp_path / "huge.txt"
    page = ("Line of a long ledger with amounts and names. " * 20 + "\n\n") * 2
    with open(path, "w", encoding="utf-8") as f:
        for i in range(2000):
            f.write(f"Page {i + 1}\n\n{page}")
    size = path.stat().st_size
    assert size > 3_500_000
    tracemalloc.start()
    try:
        result = docs.run(_add_and_index_with(docs, path, lambda _p: None))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert result.ready == [str(path)] and result.chunks > 3500
    # The peak is a few read blocks and sections, whatever the file's size.
    assert peak < size / 4, f"peak {peak} bytes for a {size}-byte file"


def test_the_event_loop_stays_free_while_a_file_is_read(docs, tmp_path):
    path = tmp_path / "long.md"
    path.write_text(
        "".join(f"# Part {i}\n\n" + f"Words about part {i}. " * 200 + "\n\n" for i in range(300)),
        encoding="utf-8",
    )

    async def go():
        gaps, done = [], asyncio.Event()

        async def ticker():
            loop = asyncio.get_running_loop()
            last = loop.time()
            while not done.is_set():
                await asyncio.sleep(0.005)
                gaps.append(loop.time() - last)
                last = loop.time()

        tick = asyncio.create_task(ticker())
        result = await _add_and_index(docs, path)
        done.set()
        await tick
        return result, gaps

    result, gaps = docs.run(go())
    assert result.ready and len(gaps) > 10
    assert max(gaps) < 0.25, f"the loop was blocked for {max(gaps):.3f} s"


def test_collections_are_listed_renamed_toggled_and_removed(docs, tmp_path):
    a = write_notes(tmp_path, "a.md")
    b = write_notes(tmp_path, "b.md", word="okapi")

    async def go():
        await _add_and_index(docs, a, collection="Home")
        await _add_and_index(docs, b, collection="Work")
        await docs.service.rename("home", "House")
        await docs.service.set_enabled("Work", False)
        names = [(c.collection.name, c.collection.enabled) for c in await docs.service.list()]
        enabled = await docs.db.call(store_docs.collection_ids)
        removed_file = await docs.service.remove(str(b))
        removed = await docs.service.remove("house")
        return names, enabled, removed_file, removed, await docs.service.list()

    names, enabled, removed_file, removed, after = docs.run(go())
    assert names == [("House", True), ("Work", False)] and len(enabled) == 1
    assert removed_file == f"the file {b}" and removed == "the collection “House”"
    assert [c.collection.name for c in after] == ["Work"] and after[0].files == []
    assert docs.sql("SELECT COUNT(*) FROM doc_chunks") == [(0,)]


def test_a_file_deleted_from_a_folder_stays_dropped_on_every_rescan(docs, tmp_path):
    folder = tmp_path / "notes"
    folder.mkdir()
    write_notes(folder, "kept.md", word="heron")
    gone = write_notes(folder, "gone.md", word="ferret")
    docs.run(_add_and_index(docs, folder))
    gone.unlink()

    async def rescans():
        seen = []
        for _ in range(3):  # the window re-scans at each start; the CLI when adding again
            seen.append((await docs.service.rescan(), await docs.service.index()))
        again = await docs.service.add([folder])
        return seen, again, await docs.service.index()

    seen, again, last = docs.run(rescans())
    assert seen[0][0] == (0, 1) and [s[0] for s in seen[1:]] == [(0, 0), (0, 0)]
    assert all(not r.ready and not r.removed for _, r in seen) and not last.ready
    assert (again.queued, again.dropped) == (0, 0)
    assert "gone.md" not in states(docs) and search(docs, "ferret") == []
    assert len(search(docs, "heron")) == 3


def test_a_file_the_user_removed_from_a_folder_is_not_added_back(docs, tmp_path):
    folder = tmp_path / "notes"
    folder.mkdir()
    write_notes(folder, "kept.md", word="heron")
    unwanted = write_notes(folder, "private.md", word="ferret")

    async def go():
        await _add_and_index(docs, folder)
        said = await docs.service.remove(str(unwanted))  # `hearth docs rm PATH`
        after = [await docs.service.rescan(), await docs.service.add([folder])]
        result = await docs.service.index()
        return said, after, result

    said, (rescanned, readded), result = docs.run(go())
    assert said == f"the file {unwanted}"
    assert rescanned == (0, 0) and (readded.queued, readded.dropped) == (0, 0)
    assert not result.ready and "private.md" not in states(docs)
    assert search(docs, "ferret") == [] and len(search(docs, "heron")) == 3

    # Added again by hand, it is read again, and the folder's scan no longer drops it.
    docs.run(_add_and_index(docs, unwanted, collection="notes"))
    assert docs.run(docs.service.rescan()) == (0, 0)
    assert states(docs)["private.md"] == ("ready", None) and len(search(docs, "ferret")) == 3
    # Removed again, as the file added by hand: out of the folder too.
    assert docs.run(docs.service.remove(str(unwanted))) == f"the file {unwanted}"
    assert docs.run(docs.service.rescan()) == (0, 0) and "private.md" not in states(docs)
    # Removing the folder forgets what it kept out.
    docs.run(docs.service.remove(str(folder)))
    assert docs.sql("SELECT COUNT(*) FROM doc_exclusions") == [(0,)]
