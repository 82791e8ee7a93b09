"""The shipped catalog, and the script that rebuilds it from the (loopback) Hub API."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest

from app.downloads.catalog import load_catalog, parse_catalog
from app.downloads.hub_names import BITS_PER_WEIGHT, quant_from_name
from app.paths import resource_path
from scripts import build_catalog
from tests.hub_server import FakeHub


def test_shipped_catalog_is_a_short_list_of_good_models():
    catalog = load_catalog()
    assert 12 <= len(catalog.models) <= 20
    params = sorted(m.parameters for m in catalog.models)
    assert params[0] < 1e9 and 12e9 < params[-1] < 16e9  # about 0.5B to 14B
    assert {"Qwen", "Llama", "Gemma", "Phi", "Mistral"} <= {m.family for m in catalog.models}
    for model in catalog.models:
        # A vision model may come in one quantization: its projector goes with each.
        assert len(model.files) >= (1 if model.files[0].sees_images else 3)
        assert model.description and model.license
        assert model.context_length and model.languages
        for file in model.files:
            assert file.quant == quant_from_name(file.file) and file.file.endswith(".gguf")
            assert file.size_bytes and file.kv_bytes_per_token and file.revision
            assert "/" in file.repo
    ids = [m.id for m in catalog.models]
    assert len(set(ids)) == len(ids)


def test_first_run_suggestion_is_small():
    first = load_catalog().first_run_model
    assert first is not None and first.parameters < 3e9


def _shipped() -> dict:
    return json.loads(resource_path("catalog.json").read_text(encoding="utf-8"))


def _files(data: dict):
    return [(model, entry) for model in data["models"] for entry in model["files"]]


def test_filled_hashes_are_lowercase_sha256_and_revisions_are_commits():
    data = _shipped()
    for model, entry in _files(data):
        sha = entry["sha256"]
        assert sha is None or re.fullmatch(r"[0-9a-f]{64}", sha), (entry["file"], sha)
        for revision in (model["revision"], entry.get("revision", "main")):
            assert revision == "main" or re.fullmatch(r"[0-9a-f]{40}", revision), revision
    shas = [entry["sha256"] for _, entry in _files(data) if entry["sha256"]]
    assert len(set(shas)) == len(shas)  # no value copied onto a second file


def _plausible_bits(quant: str, parameters: int) -> tuple[float, float]:
    """Bits per weight a real GGUF of this quant can have: small models carry a large embedding
    and output matrix in higher precision, so their files are proportionally bigger."""
    nominal = BITS_PER_WEIGHT[quant]
    overhead = 3.5 if parameters < 1e9 else 1.5 if parameters < 4e9 else 0.6
    return nominal - 0.5, nominal + overhead


def test_filled_sizes_are_plausible_for_quant_and_parameter_count():
    data = _shipped()
    for model, entry in _files(data):
        size = entry["size"]
        if size is None:
            continue
        assert isinstance(size, int) and not isinstance(size, bool) and size > 0
        low, high = _plausible_bits(entry["quant"], model["parameters"])
        # A vision model's parameters count its vision tower, which is in the projector file.
        size += (model.get("projector") or {}).get("size") or 0
        bits = size * 8 / model["parameters"]
        assert low <= bits <= high, (entry["file"], round(bits, 2), (low, high))
    for model in data["models"]:  # more bits per weight, bigger file
        known = [(BITS_PER_WEIGHT[f["quant"]], f["size"]) for f in model["files"] if f["size"]]
        assert [size for _, size in sorted(known)] == sorted(size for _, size in known)


def test_filled_values_name_their_published_source():
    data = _shipped()
    assert data["checked"] and data["sources"]
    filled = 0
    for _, entry in _files(data):
        if entry["size"] is None and entry["sha256"] is None:
            assert entry.get("source") is None
            continue
        filled += 1
        assert entry["source"].split()[0] in data["sources"], entry["source"]
    assert filled >= 29  # published values found; the rest stay null until the Hub is asked


def test_provenance_fields_are_ignored_by_the_app_but_revisions_are_used():
    data = _shipped()
    catalog = parse_catalog(data)
    pinned = [(m, e) for m, e in _files(data) if e.get("revision", "main") != "main"]
    assert pinned
    for model, entry in pinned:
        file = catalog.model(model["id"]).file_for(entry["quant"])
        assert file.revision == entry["revision"]
        assert (file.size, file.sha256) == (entry["size"], entry["sha256"])
        assert file.verified == (entry["size"] is not None and entry["sha256"] is not None)
    extra = {**data, "unknown": 1, "models": [{**data["models"][0], "unknown": 2}]}
    assert parse_catalog(extra).models[0].id == data["models"][0]["id"]


def test_ids_unique_and_first_run_model_present_small_and_verified():
    data = _shipped()
    ids = [m["id"] for m in data["models"]]
    assert len(set(ids)) == len(ids)
    first = load_catalog().first_run_model
    assert first is not None and first.id == data["first_run"] and first.parameters < 3e9
    smallest = min(first.files, key=lambda f: f.size_bytes)
    assert smallest.verified and smallest.size < 2_000_000_000


def test_a_small_vision_model_is_offered_with_its_verified_projector():
    seeing = [m for m in load_catalog().models if m.files[0].sees_images]
    assert seeing, "no catalog model sees images"
    small = min(seeing, key=lambda m: m.files[0].size_bytes)
    file = small.files[0]
    assert file.verified and file.projector.verified and file.projector.repo == small.repo
    assert "mmproj" in file.projector.file and file.projector.projector is None
    assert file.size_bytes == file.size + file.projector.size < 400_000_000  # both, told as one
    assert not file.size_is_estimate


def test_find_by_model_quant_or_installed_name():
    catalog = load_catalog()
    model, file = catalog.find("qwen2.5-0.5b-instruct")
    assert model.id == "qwen2.5-0.5b-instruct" and file is None
    assert catalog.find("Qwen2.5-0.5B-Instruct:q8_0")[1].quant == "Q8_0"
    assert catalog.find("qwen2.5-0.5b-instruct-q4_k_m")[1].quant == "Q4_K_M"
    assert catalog.find("no-such-model") is None


def test_shipped_file_is_what_the_script_writes_offline(tmp_path):
    """Reproducible: the committed catalog equals the script's output (nulls until refreshed)."""
    out = tmp_path / "catalog.json"
    assert build_catalog.main(["--offline", "--output", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == resource_path("catalog.json").read_text("utf-8")


@pytest.fixture
def hub(monkeypatch):
    with FakeHub() as hub:
        monkeypatch.setenv("HF_ENDPOINT", hub.endpoint)
        monkeypatch.delenv("HF_TOKEN", raising=False)
        yield hub


def _serve(hub: FakeHub, repo: str, names: list[str], **kw) -> dict[str, bytes]:
    files = {name: b"GGUF" + name.encode() * 50 for name in names}
    hub.add_repo(repo, files, **kw)
    return files


def test_script_rebuilds_sizes_and_hashes_from_the_hub(hub, tmp_path, capsys):
    served = _serve(
        hub,
        "Qwen/Qwen2.5-0.5B-Instruct-GGUF",
        [f"qwen2.5-0.5b-instruct-{q}.gguf" for q in ("q4_k_m", "q5_k_m", "q8_0", "f16")],
        license="apache-2.0",
        gguf={"total": 494_032_768, "architecture": "qwen2", "context_length": 32768},
    )
    out = tmp_path / "catalog.json"
    code = build_catalog.main(
        ["Qwen/Qwen2.5-0.5B-Instruct-GGUF", "--quants", "Q4_K_M,Q8_0", "--output", str(out)]
    )
    assert code == 0, capsys.readouterr().err
    data = json.loads(out.read_text())
    (model,) = data["models"]
    assert model["id"] == "qwen2.5-0.5b-instruct" and model["description"]  # curated words kept
    assert model["revision"] == hub.repos["Qwen/Qwen2.5-0.5B-Instruct-GGUF"].commit
    assert [f["quant"] for f in model["files"]] == ["Q4_K_M", "Q8_0"]
    for entry in model["files"]:
        content = served[entry["file"]]
        assert entry["size"] == len(content)
        assert entry["sha256"] == hashlib.sha256(content).hexdigest()
    assert data["generated"] and data["first_run"] == "qwen2.5-0.5b-instruct"
    assert load_catalog(Path(out)).models[0].files[0].verified


def test_script_reports_missing_quants_and_repos(hub, tmp_path, capsys):
    _serve(hub, "someone/Other-GGUF", ["Other-Q4_K_M.gguf"], license="mit")
    out = tmp_path / "catalog.json"
    argv = ["someone/Other-GGUF", "nobody/Missing-GGUF", "--quants", "Q4_K_M,Q8_0"]
    assert build_catalog.main([*argv, "--output", str(out)]) == 1
    err = capsys.readouterr().err
    assert "no single-file Q8_0" in err and "nobody/Missing-GGUF" in err
    assert not out.exists()
    assert build_catalog.main([*argv, "--output", str(out), "--partial"]) == 1
    (model,) = json.loads(out.read_text())["models"]
    assert model["license"] == "mit" and [f["quant"] for f in model["files"]] == ["Q4_K_M"]


def test_script_reads_a_vision_models_projector_from_the_hub(hub, tmp_path, capsys):
    repo = "ggml-org/SmolVLM-256M-Instruct-GGUF"
    names = ["SmolVLM-256M-Instruct-Q8_0.gguf", "mmproj-SmolVLM-256M-Instruct-Q8_0.gguf"]
    served = _serve(hub, repo, names, license="apache-2.0")
    out = tmp_path / "catalog.json"
    assert build_catalog.main([repo, "--output", str(out)]) == 0, capsys.readouterr().err
    (model,) = json.loads(out.read_text())["models"]
    projector = model["projector"]
    assert projector["file"] == names[1] and projector["size"] == len(served[names[1]])
    assert projector["sha256"] == hashlib.sha256(served[names[1]]).hexdigest()
    assert projector["revision"] == hub.repos[repo].commit
    (file,) = load_catalog(Path(out)).models[0].files
    assert file.verified and file.projector.verified and file.sees_images


def test_with_the_first_run_model_too_big_the_smallest_plain_chat_model_is_suggested(
    data_dir, monkeypatch
):
    """A tiny model that sees pictures (SmolVLM 256M) chats poorly: it is not the welcome
    screen's first download unless nothing else runs well."""
    from dataclasses import replace

    from app.services import open_services
    from app.services.downloads import DownloadService

    services = open_services(data_dir)
    downloads = DownloadService(
        models=services.models, settings=services.settings, data_dir=data_dir
    )
    catalog = load_catalog()
    first = catalog.first_run_model
    real_fit = downloads.fit

    def fit(*, file, context=None):
        verdict = real_fit(file=file, context=context)
        runs = file.model_id != first.id and (file.size_bytes or 0) < 2e9
        return replace(verdict, verdict="runs well" if runs else "too big")

    monkeypatch.setattr(downloads, "fit", fit)
    pick = downloads.first_run_suggestion()
    assert pick is not None and not pick.sees_images
    assert any(
        f.sees_images and (f.size_bytes or 0) < pick.size_bytes
        for m in catalog.models
        for f in m.files
    ), "the test needs a smaller seeing model in the catalog"
    import asyncio

    asyncio.run(downloads.close())
    asyncio.run(services.close())
