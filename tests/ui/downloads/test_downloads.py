"""The download window, the download indicator and the model manager, driven with pytest-qt over
real services and the loopback Hugging Face Hub (tests/hub_server.py) serving a real tiny GGUF."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from app import hardware as hw
from app import netguard
from app.core.provider_errors import Offline
from app.downloads import downloader
from app.downloads.queue import DownloadProgress
from app.netguard import socket_guard
from app.services import open_services
from app.services.downloads import ModelDefaults
from app.ui.downloads.download_confirm import confirm_button
from app.ui.downloads.download_indicator import DownloadIndicator
from app.ui.downloads.download_text import (
    choice_headline,
    duration_words,
    indicator_summary,
    progress_words,
)
from app.ui.downloads.downloads_dialog import DownloadsDialog
from app.ui.models.model_manager import ModelManager
from app.ui.shell.tasks import TaskKeeper
from tests.hub_server import FakeHub, Fault
from tests.ui.support import wait_for

REPO = "Qwen/Qwen2.5-0.5B-Instruct-GGUF"
FILE = "qwen2.5-0.5b-instruct-q4_k_m.gguf"
FILE_Q8 = "qwen2.5-0.5b-instruct-q8_0.gguf"
MODEL_ID = "qwen2.5-0.5b-instruct-q4_k_m"
GB = 1024**3
# A modest laptop: small models run well, 7-9B ones slowly, 12-14B ones not at all.
LAPTOP = hw.Hardware(ram_total=8 * GB, ram_available=5 * GB, cpu_cores=4, cpu_threads=8)
DOWNLOAD_MS = 15_000
LEFT = Qt.MouseButton.LeftButton


@pytest.fixture(autouse=True)
def laptop(monkeypatch):
    monkeypatch.setattr(hw, "detect", lambda probe_engine=False: LAPTOP)


@pytest.fixture(scope="module")
def model_bytes(tmp_path_factory) -> bytes:
    from tests.gguf_factory import write_tiny_gguf

    path = write_tiny_gguf(tmp_path_factory.mktemp("dl-ui") / "m.gguf", n_vocab_extra=2000)
    return path.read_bytes()


@pytest.fixture
def hub(monkeypatch, model_bytes, unpinned_catalog):
    with FakeHub() as hub:
        # Two sizes of one model (the second a little bigger, as Q8_0 is next to Q4_K_M).
        files = {FILE: model_bytes, FILE_Q8: model_bytes + b"\0" * 4096}
        hub.add_repo(REPO, files, downloads=1000)
        monkeypatch.setenv("HF_ENDPOINT", hub.endpoint)
        monkeypatch.delenv("HF_TOKEN", raising=False)
        yield hub


@pytest.fixture
def slow_hub(hub, monkeypatch):
    """The CDN trickles, and the writer reports often: a download lasts a second or two."""
    monkeypatch.setattr(downloader, "BLOCK_SIZE", 16 * 1024)
    monkeypatch.setattr(downloader, "FLUSH_INTERVAL", 0.0)
    hub.faults.append(Fault("trickle", chunk=16_384, pause=0.02))
    return hub


@pytest.fixture
def services(qtbot, qloop, data_dir, unpinned_catalog):
    opened = open_services(data_dir)
    yield opened
    wait_for(qtbot, opened.close())


@pytest.fixture
def tasks(qtbot, qloop):
    keeper = TaskKeeper()
    yield keeper
    keeper.cancel_all()
    qtbot.waitUntil(lambda: keeper.running == 0)


@pytest.fixture
def dialog(qtbot, services, tasks):
    window = DownloadsDialog(services, tasks)
    window.show()
    wait_for(qtbot, window.loaded)
    yield window
    window.close()
    window.deleteLater()


def click(qtbot, button) -> None:
    # A widget added to a visible layout is shown on the next turn of the event loop.
    qtbot.waitUntil(button.isVisible, timeout=2_000)
    assert button.isEnabled(), button.text()
    qtbot.mouseClick(button, LEFT)


def catalog_row(dialog, model_id: str):
    return next(r for r in dialog.catalog_rows + dialog.too_big_rows if r.model.id == model_id)


def download_from_catalog(qtbot, dialog, model_id="qwen2.5-0.5b-instruct", quant="Q4_K_M"):
    row = catalog_row(dialog, model_id)
    choice = row.choice_for(quant)
    if choice.isHidden():
        click(qtbot, row.more_button)  # “Other sizes”
    click(qtbot, choice.button)
    qtbot.waitUntil(lambda: dialog.panel.row_for(MODEL_ID) is not None)
    return dialog.panel.row_for(MODEL_ID)


# -- the words ------------------------------------------------------------------------------------


def progress(state="downloading", done=312 * 1024**2, total=1100 * 1024**2, **kw):
    return DownloadProgress("j", REPO, FILE, state, done, total, **kw)


def test_progress_and_time_left_read_plainly():
    assert progress_words(progress(speed=24 * 1024**2, eta=35)) == (
        "312.0 MB of 1.1 GB · 24.0 MB/s · about 35 s left"
    )
    assert progress_words(progress(total=None)) == "312.0 MB so far"
    assert [duration_words(s) for s in (3, 61, 3_700)] == [
        "a few seconds left",
        "about 1 min left",
        "about 1 h 2 min left",
    ]
    assert indicator_summary([progress(), progress(state="done")]) == (
        "Downloading 1 model · 28%",
        pytest.approx(312 / 1100),
    )
    assert indicator_summary([progress(state="paused")])[0] == "Download paused"
    assert indicator_summary([progress(state="done")]) is None


def test_headlines_compare_each_size_with_the_recommended_one():
    from app.downloads.catalog import load_catalog

    model = load_catalog().model("llama-3.2-1b-instruct")
    q4, q5, q8 = (model.file_for(q) for q in ("Q4_K_M", "Q5_K_M", "Q8_0"))
    two_cores = hw.Hardware(ram_total=8 * GB, ram_available=5 * GB, cpu_cores=2, cpu_threads=4)
    best = hw.recommend_quant(model.files, two_cores)
    assert best is q5  # Q8_0 would write slower than a person reads there
    words = {f.quant: choice_headline(f, hw.fit(f, two_cores), best) for f in (q4, q5, q8)}
    assert words == {
        "Q4_K_M": "Smaller, faster",
        "Q5_K_M": "Best quality that fits",
        "Q8_0": "Higher quality, slower",
    }


# -- the download window --------------------------------------------------------------------------


def test_the_catalog_is_listed_with_a_fit_mark_for_this_computer(qtbot, dialog, services):
    assert dialog.hardware_label.text().startswith("This computer: 8.0 GB memory")
    catalog = services.downloads.catalog()
    rows = dialog.catalog_rows + dialog.too_big_rows
    assert sorted(r.model.id for r in rows) == sorted(m.id for m in catalog.models)

    first = dialog.catalog_rows[0]
    suggestion = services.downloads.first_run_suggestion()
    assert first.suggested and first.model.id == suggestion.model_id
    assert first.main_choice.file == suggestion
    assert first.main_choice.title.text() == "Best quality that fits"
    assert first.main_choice.pill.text() == "Runs well"
    assert first.main_choice.button.objectName() == "dialogPrimary"  # the one orange button
    tip = first.main_choice.pill.toolTip()
    assert "Memory needed" in tip and "tokens a second" in tip

    verdicts = {r.model.id: r.main_choice.pill.text() for r in rows}
    assert verdicts["qwen2.5-0.5b-instruct"] == "Runs well"
    assert verdicts["qwen2.5-7b-instruct"] == "Will be slow"
    assert verdicts["qwen2.5-14b-instruct"] == "Won't fit"

    # Models too big for this computer wait behind a link.
    too_big = catalog_row(dialog, "qwen2.5-14b-instruct")
    assert too_big in dialog.too_big_rows and too_big.isHidden()
    click(qtbot, dialog.too_big_button)
    assert too_big.isVisible() and too_big.main_choice.title.text() == "Too big for this computer"

    # “Other sizes” opens the remaining quantizations, each judged on its own.
    assert all(c.isHidden() for c in first.others)
    click(qtbot, first.more_button)
    assert all(c.isVisible() for c in first.others)
    assert {c.title.text() for c in first.others} <= {
        "Smaller, faster",
        "Higher quality, slower",
        "Too big for this computer",
    }
    dialog.grab().save("/tmp/hearth5-test-catalog.png")


def test_search_then_download_shows_progress_and_ends_ready_to_chat(
    qtbot, dialog, services, slow_hub
):
    qtbot.keyClicks(dialog.search_box, "qwen")
    click(qtbot, dialog.search_button)
    panel = dialog.search_panel
    qtbot.waitUntil(lambda: len(panel.repo_rows) == 1)
    assert "1 model found for “qwen”" in panel.status.text()
    qtbot.mouseClick(panel.repo_rows[0], LEFT)
    qtbot.waitUntil(lambda: len(panel.choices) == 2)
    q4, q8 = panel.choices
    assert q4.file.quant == "Q4_K_M" and q4.pill.text() == "Runs well"
    assert q8.title.text() == "Best quality that fits" and q4.title.text() == "Smaller, faster"

    seen: list[str] = []
    dialog.events.changed.connect(lambda p: seen.append(p.state))
    click(qtbot, q4.button)
    qtbot.waitUntil(lambda: dialog.panel.row_for(MODEL_ID) is not None)
    row = dialog.panel.row_for(MODEL_ID)
    assert row.title.text() == "Qwen2.5 0.5B Instruct (Q4_K_M)"
    qtbot.waitUntil(lambda: " of 1.5 MB" in row.detail.text() and "/s" in row.detail.text())
    assert q4.button.text() == "In downloads" and not q4.button.isEnabled()
    assert row.pause_button.isVisible() and row.cancel_button.isVisible()

    qtbot.waitUntil(lambda: row.state == "done", timeout=DOWNLOAD_MS)
    assert {"queued", "downloading", "verifying", "done"} <= set(seen)
    assert "It is now in your list of models" in row.detail.text()
    assert [m.id for m in wait_for(qtbot, services.models.list_models())] == [MODEL_ID]
    qtbot.waitUntil(lambda: q4.button.text() == "Installed")
    with qtbot.waitSignal(dialog.start_chat_requested) as chosen:
        click(qtbot, row.chat_button)
    assert chosen.args == [MODEL_ID]
    assert not dialog.isVisible()  # on to the chat


def test_pause_keeps_the_part_resume_finishes_and_the_indicator_follows(
    qtbot, dialog, services, slow_hub, data_dir
):
    sidebar = QWidget()  # where the window puts it
    indicator = DownloadIndicator(services.downloads, sidebar)
    sidebar.show()
    assert indicator.isHidden()  # nothing to say yet
    row = download_from_catalog(qtbot, dialog)
    qtbot.waitUntil(lambda: row.progress.done_bytes > 200_000)
    assert indicator.isVisible()
    assert indicator.label.full_text().startswith("Downloading 1 model · ")
    with qtbot.waitSignal(indicator.open_requested):
        qtbot.mouseClick(indicator, LEFT)

    click(qtbot, row.pause_button)
    qtbot.waitUntil(lambda: row.state == "paused")
    part = downloader.part_path(data_dir / "models" / REPO / FILE)
    kept = row.progress.done_bytes
    assert part.stat().st_size == kept > 200_000
    assert "downloaded so far is kept" in row.detail.text()
    assert row.resume_button.isVisible() and not row.pause_button.isVisible()
    assert indicator.label.full_text() == "Download paused"

    click(qtbot, row.resume_button)
    qtbot.waitUntil(lambda: row.state == "done", timeout=DOWNLOAD_MS)
    assert not part.exists() and (data_dir / "models" / REPO / FILE).exists()
    ranges = [s.headers.get("range") for s in slow_hub.cdn_requests()]
    assert ranges[-1] == f"bytes={kept}-"  # went on from where it stopped
    qtbot.waitUntil(indicator.isHidden)
    sidebar.deleteLater()


def test_a_download_cut_off_by_quitting_goes_on_after_a_restart(
    qtbot, qloop, tasks, slow_hub, data_dir
):
    first = open_services(data_dir)
    job_id = wait_for(qtbot, first.downloads.start(repo=REPO, file=FILE))
    qtbot.waitUntil(lambda: first.downloads.job(job_id=job_id).done_bytes > 100_000)
    wait_for(qtbot, first.close())  # quit mid-download

    again = open_services(data_dir)
    try:
        assert again.downloads.resume_unfinished() == [job_id]  # what the window does at start
        window = DownloadsDialog(again, tasks)
        window.show()
        row = window.panel.row_for(job_id)
        assert row is not None and row.state in ("queued", "downloading")
        qtbot.waitUntil(lambda: row.state == "done", timeout=DOWNLOAD_MS)
        ranges = [s.headers.get("range") for s in slow_hub.cdn_requests()]
        assert ranges[0] is None and ranges[-1].startswith("bytes=")  # not from the start
        window.close()
        window.deleteLater()
    finally:
        wait_for(qtbot, again.close())


def test_cancel_asks_first_then_deletes_what_arrived(qtbot, dialog, services, slow_hub, data_dir):
    row = download_from_catalog(qtbot, dialog)
    qtbot.waitUntil(lambda: row.progress.done_bytes > 50_000)

    click(qtbot, row.cancel_button)
    box = row.confirm_box
    assert box.isVisible() and "will be deleted" in box.informativeText()
    box.reject()  # “Keep downloading”
    qtbot.waitUntil(lambda: not box.isVisible())
    assert row.state in ("downloading", "verifying", "done")

    services.downloads.pause(job_id=row.job_id)  # so it cannot finish before the click below
    qtbot.waitUntil(lambda: row.state == "paused")
    click(qtbot, row.cancel_button)
    click(qtbot, confirm_button(row.confirm_box))
    qtbot.waitUntil(lambda: dialog.panel.row_for(MODEL_ID) is None)
    assert services.downloads.jobs() == []
    assert not list((data_dir / "models").rglob("*.part"))
    assert dialog.panel.isHidden()


def test_a_damaged_download_says_so_installs_nothing_and_can_be_retried(
    qtbot, dialog, services, hub, data_dir
):
    hub.faults.append(Fault("corrupt"))
    row = download_from_catalog(qtbot, dialog)
    qtbot.waitUntil(lambda: row.state == "failed", timeout=DOWNLOAD_MS)
    assert "damaged on the way" in row.detail.text() and "not installed" in row.detail.text()
    assert row.detail.property("tone") == "error"
    assert row.retry_button.isVisible() and not row.chat_button.isVisible()
    assert wait_for(qtbot, services.models.list_models()) == []
    assert not list((data_dir / "models").rglob("*.gguf*"))
    dialog.grab().save("/tmp/hearth5-test-failed.png")

    click(qtbot, row.retry_button)  # the Hub now sends the right bytes
    qtbot.waitUntil(lambda: row.state == "done", timeout=DOWNLOAD_MS)
    assert [m.id for m in wait_for(qtbot, services.models.list_models())] == [MODEL_ID]
    click(qtbot, row.remove_button)
    qtbot.waitUntil(lambda: dialog.panel.row_for(MODEL_ID) is None)
    assert services.downloads.jobs() == []


def test_offline_search_says_so_in_plain_words(qtbot, dialog, services, monkeypatch, online_again):
    monkeypatch.setenv("HF_ENDPOINT", "https://huggingface.co")
    netguard.set_offline_mode(True)
    panel = dialog.search_panel
    with socket_guard() as attempts:
        qtbot.keyClicks(dialog.search_box, "llama")
        qtbot.keyClick(dialog.search_box, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: "Offline mode is on" in panel.status.text())
    assert attempts == [] and panel.status.property("error") is True
    assert "Settings → Privacy" in panel.status.text()

    async def no_network(**_kw):
        raise Offline("Hugging Face")

    monkeypatch.setattr(services.downloads, "search", no_network)
    click(qtbot, dialog.search_button)
    qtbot.waitUntil(lambda: panel.status.text().startswith("You appear to be offline."))
    click(qtbot, panel.back_button)
    assert dialog.pages.currentIndex() == 0  # the suggested models are still there


# -- the model manager ----------------------------------------------------------------------------


def test_model_manager_lists_edits_defaults_and_deletes_after_asking(
    qtbot, services, tasks, hub, tiny_gguf, data_dir, monkeypatch
):
    downloads = services.downloads
    job_id = wait_for(qtbot, downloads.start(repo=REPO, file=FILE))
    assert wait_for(qtbot, downloads.wait(job_id=job_id)).state == "done"
    wait_for(qtbot, services.models.add_from_disk([tiny_gguf]))

    manager = ModelManager(services, tasks)
    manager.show()
    wait_for(qtbot, manager.loaded)
    downloaded, from_disk = manager.row_for(MODEL_ID), manager.row_for("tiny-chat")
    assert downloaded.source.text() == "Downloaded"
    assert from_disk.source.text() == "Added from disk"
    facts = downloaded.findChild(type(downloaded.source), "dlDescription").text()
    assert "parameters" in facts and "llama" in facts and "tokens" in facts and "MB" in facts

    # Per-model defaults.
    click(qtbot, downloaded.defaults_button)
    editor = downloaded.editor
    editor.context.setCurrentIndex(editor.context.findData(1024 * 2))
    editor.gpu_layers.setValue(0)
    editor.temperature.setValue(0.3)
    qtbot.keyClicks(editor.system_prompt, "Answer briefly.")
    with qtbot.waitSignal(manager.defaults_changed):
        click(qtbot, editor.save_button)
    wanted = ModelDefaults(2048, 0, 0.3, "Answer briefly.")
    assert downloads.model_defaults(model_id=MODEL_ID) == wanted
    assert editor.saved_label.text() == "Saved."
    manager.grab().save("/tmp/hearth5-test-manager.png")

    # Show in folder opens the folder that holds the file.
    opened = []
    monkeypatch.setattr(
        "app.ui.models.model_manager.QDesktopServices.openUrl",
        lambda url: opened.append(url) or True,
    )
    click(qtbot, downloaded.folder_button)
    assert Path(opened[0].toLocalFile()) == data_dir / "models" / REPO

    # Delete a downloaded model: the question says disk space is freed, and it is.
    click(qtbot, downloaded.delete_button)
    assert "frees 1.5 MB of disk space" in manager.confirm_box.informativeText()
    with qtbot.waitSignal(manager.models_changed):
        click(qtbot, confirm_button(manager.confirm_box))
    qtbot.waitUntil(lambda: manager.row_for(MODEL_ID) is None)
    assert "freed" in manager.notice.text() and manager.notice.isVisible()
    assert not (data_dir / "models" / REPO / FILE).exists()
    assert downloads.model_defaults(model_id=MODEL_ID) == ModelDefaults()

    # Remove one added from disk: the file stays where it is.
    click(qtbot, manager.row_for("tiny-chat").delete_button)
    assert "stays where it is" in manager.confirm_box.informativeText()
    manager.confirm_box.reject()  # “Keep it” first: nothing happens
    assert manager.row_for("tiny-chat") is not None
    click(qtbot, manager.row_for("tiny-chat").delete_button)
    click(qtbot, confirm_button(manager.confirm_box))
    qtbot.waitUntil(lambda: manager.rows == [] and manager.empty.isVisible())
    assert tiny_gguf.exists() and "left where it is" in manager.notice.text()
    manager.close()
    manager.deleteLater()


# -- the main window, wired ----------------------------------------------------------------------


def test_a_catalog_model_lands_in_the_picker_and_starts_a_chat(qtbot, qloop, data_dir, hub):
    from app.ui.shell.main_window import MainWindow

    services = open_services(data_dir)
    window = MainWindow(services)
    window.show()
    wait_for(qtbot, window.ready)
    assert window.showing_welcome
    click(qtbot, window.welcome.other_link)  # “See other models to download…”
    dialog = window.downloads.downloads_dialog
    wait_for(qtbot, dialog.loaded)
    download_from_catalog(qtbot, dialog)
    row = dialog.panel.row_for(MODEL_ID)
    qtbot.waitUntil(lambda: row.state == "done", timeout=15000)
    qtbot.waitUntil(lambda: any(m.id == MODEL_ID for m in window.models.local_files))  # at once
    click(qtbot, row.chat_button)
    qtbot.waitUntil(lambda: not window.showing_welcome)
    assert window.current_model.id == MODEL_ID
    window.close()
    window.tasks.cancel_all()
    qtbot.waitUntil(lambda: window.tasks.running == 0)
    wait_for(qtbot, services.close())


def test_indicator_shows_in_the_sidebar_while_downloading(
    qtbot, qloop, data_dir, slow_hub, tiny_gguf
):
    from app.ui.shell.main_window import MainWindow

    services = open_services(data_dir)
    wait_for(qtbot, services.models.add_from_disk([tiny_gguf]))
    window = MainWindow(services)
    window.show()
    wait_for(qtbot, window.ready)
    job = wait_for(qtbot, services.downloads.start(repo=REPO, file=FILE))
    qtbot.waitUntil(lambda: services.downloads.job(job_id=job).done_bytes > 0, timeout=10000)
    qtbot.waitUntil(window.download_indicator.isVisible)
    window.close()
    window.tasks.cancel_all()
    qtbot.waitUntil(lambda: window.tasks.running == 0)
    wait_for(qtbot, services.close())


def test_a_search_row_can_be_downloaded_again_after_cancel(qtbot, dialog, services, slow_hub):
    qtbot.keyClicks(dialog.search_box, "qwen")
    click(qtbot, dialog.search_button)
    panel = dialog.search_panel
    qtbot.waitUntil(lambda: len(panel.repo_rows) == 1)
    qtbot.mouseClick(panel.repo_rows[0], LEFT)
    qtbot.waitUntil(lambda: len(panel.choices) == 2)
    q4 = panel.choices[0]
    click(qtbot, q4.button)
    qtbot.waitUntil(lambda: dialog.panel.row_for(MODEL_ID) is not None)
    row = dialog.panel.row_for(MODEL_ID)
    assert q4.button.text() == "In downloads"
    services.downloads.pause(job_id=row.job_id)  # so it cannot finish before the click below
    qtbot.waitUntil(lambda: row.state == "paused")
    click(qtbot, row.cancel_button)
    click(qtbot, confirm_button(row.confirm_box))
    qtbot.waitUntil(lambda: dialog.panel.row_for(MODEL_ID) is None)
    assert q4.button.text() == "Download" and q4.button.isEnabled()


def test_models_in_the_sidebar_opens_your_models_and_never_stacks_windows(
    qtbot, qloop, data_dir, hub, tiny_gguf
):
    from PySide6.QtWidgets import QApplication, QDialog

    from app.ui.shell.main_window import MainWindow

    services = open_services(data_dir)
    wait_for(qtbot, services.models.add_from_disk([tiny_gguf]))
    window = MainWindow(services)
    window.show()
    wait_for(qtbot, window.ready)

    def open_dialogs() -> list[QWidget]:
        shown = QApplication.topLevelWidgets()
        return [w for w in shown if isinstance(w, QDialog) and w.isVisible()]

    click(qtbot, window.models_button)
    manager = window.downloads.model_manager
    assert manager is not None and manager.isVisible() and window.downloads.downloads_dialog is None
    wait_for(qtbot, manager.loaded)
    qtbot.waitUntil(lambda: manager.row_for("tiny-chat") is not None)
    assert manager.download_button.text() == "Download more…"
    click(qtbot, window.models_button)  # a second click: the same window, raised
    assert window.downloads.model_manager is manager and open_dialogs() == [manager]

    click(qtbot, manager.download_button)
    dialog = window.downloads.downloads_dialog
    qtbot.waitUntil(dialog.isVisible)
    assert open_dialogs() == [dialog]  # in place of “Your models”, not on top of it
    click(qtbot, dialog.manage_button)
    qtbot.waitUntil(manager.isVisible)
    assert open_dialogs() == [manager]
    window.close()
    window.tasks.cancel_all()
    qtbot.waitUntil(lambda: window.tasks.running == 0)
    wait_for(qtbot, services.close())


# -- the welcome screen's one click ---------------------------------------------------------------


@pytest.fixture
def first_window(qtbot, qloop, data_dir, unpinned_catalog):
    from app.ui.shell.main_window import MainWindow

    services = open_services(data_dir)
    window = MainWindow(services)
    window.resize(900, 700)
    window.show()
    wait_for(qtbot, window.ready)
    yield window, services
    window.close()
    window.tasks.cancel_all()
    qtbot.waitUntil(lambda: window.tasks.running == 0)
    wait_for(qtbot, services.close())


def serve_suggestion(hub, services, model_bytes):
    suggestion = services.downloads.first_run_suggestion()
    hub.add_repo(suggestion.repo, {suggestion.file: model_bytes}, downloads=10)
    return suggestion


def test_one_click_on_welcome_downloads_the_suggested_model_then_opens_a_chat(
    qtbot, first_window, slow_hub, model_bytes
):
    window, services = first_window
    suggestion = serve_suggestion(slow_hub, services, model_bytes)
    assert suggestion.model_id == "qwen2.5-1.5b-instruct"  # the catalog's first-run model
    welcome = window.welcome
    assert window.showing_welcome
    # Unpinned catalog: the size is an estimate until the Hub says (the real one is exact).
    assert welcome.main_button.text() == "Download Qwen2.5 1.5B Instruct (about 1.5 GB)"
    assert welcome.main_button.objectName() == "primaryButton"
    assert "comes from Hugging Face" in welcome.hint.text()
    assert welcome.add_card.isVisible() and welcome.cloud_card.isVisible()
    welcome.grab().save("/tmp/hearth13-welcome-before.png")

    click(qtbot, welcome.main_button)
    qtbot.waitUntil(lambda: " of 1.5 MB" in welcome.progress_words.text())
    assert welcome.progress_box.isVisible() and not welcome.main_button.isVisible()
    assert welcome.progress_title.text() == "Downloading Qwen2.5 1.5B Instruct…"
    assert welcome.cancel_button.isVisible()
    assert window.showing_welcome and window.downloads.downloads_dialog is None  # in place
    qtbot.waitUntil(lambda: welcome.progress_bar.value() > 100)
    welcome.grab().save("/tmp/hearth13-welcome-during.png")

    model_id = "qwen2.5-1.5b-instruct-q8_0"
    qtbot.waitUntil(lambda: not window.showing_welcome, timeout=DOWNLOAD_MS)
    assert window.current_model.id == model_id
    assert window.chat_stack.currentWidget() is window.empty_chat
    assert window.header.picker.text().startswith(window.current_model.display_name)
    assert any(m.id == model_id for m in window.models.local_files)  # in the picker too


def test_cancel_on_welcome_stops_and_offers_the_download_again(
    qtbot, first_window, slow_hub, model_bytes, data_dir
):
    window, services = first_window
    serve_suggestion(slow_hub, services, model_bytes)
    welcome = window.welcome
    text = welcome.main_button.text()
    click(qtbot, welcome.main_button)
    qtbot.waitUntil(lambda: " of 1.5 MB" in welcome.progress_words.text())
    click(qtbot, welcome.cancel_button)
    qtbot.waitUntil(welcome.main_button.isVisible)
    assert welcome.main_button.text() == text and not welcome.progress_box.isVisible()
    assert services.downloads.jobs() == []
    assert not list((data_dir / "models").rglob("*.part"))
    assert window.showing_welcome


def test_welcome_without_network_or_with_offline_mode_says_what_happens(
    qtbot, first_window, monkeypatch, online_again
):
    from tests.loopback import closed_port_endpoint

    window, services = first_window
    welcome = window.welcome
    nowhere = closed_port_endpoint()
    monkeypatch.setenv("HF_ENDPOINT", nowhere)
    click(qtbot, welcome.main_button)
    qtbot.waitUntil(lambda: welcome.main_button.text() == "Try again")
    assert welcome.hint.text().startswith(f"Couldn't reach Hugging Face at {nowhere}")
    assert welcome.hint.property("tone") == "error"
    welcome.grab().save("/tmp/hearth13-welcome-failed.png")

    # Offline mode: the button says that Settings opens; nothing is downloaded.
    window.open_settings("privacy").privacy.offline_switch.setChecked(True)
    qtbot.waitUntil(lambda: welcome.main_button.text().startswith("Offline mode is on"))
    assert "Turn it off in Settings → Privacy" in welcome.hint.text()
    window.settings.dialog.hide()
    click(qtbot, welcome.main_button)
    qtbot.waitUntil(window.settings.dialog.isVisible)
    assert window.settings.dialog.tabs.currentWidget() is window.settings.dialog.privacy
    button = welcome.main_button
    qtbot.waitUntil(lambda: button.width() >= button.sizeHint().width())  # laid out again
    welcome.grab().save("/tmp/hearth13-welcome-offline.png")


def test_catalog_rows_lead_with_plain_words_and_keep_the_figures_in_tooltips(qtbot, dialog):
    first = dialog.catalog_rows[0]  # the suggestion: Qwen2.5 1.5B at Q8_0, ~10 tokens a second
    detail = first.main_choice.detail
    assert detail.text() == "about 1.5 GB · keeps up with your reading here"
    assert "Q8_0" not in detail.text() and "token" not in detail.text()
    assert detail.toolTip().startswith("Q8_0 quantization · about 10 tokens a second")
    assert detail.toolTip().endswith("qwen2.5-1.5b-instruct-q8_0.gguf")
    assert first.size_label.text() == "Small model"
    assert first.size_label.toolTip().startswith("1.5B parameters: how big the model is.")
    small = catalog_row(dialog, "qwen2.5-0.5b-instruct").main_choice.detail.text()
    assert small.endswith("· fast on this computer")
    slow = catalog_row(dialog, "qwen2.5-7b-instruct").main_choice.detail.text()
    assert slow.endswith("· slow on this computer")
    dialog.grab().save("/tmp/hearth13-catalog.png")
