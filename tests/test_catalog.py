"""The shipped catalog, and the script that rebuilds it from the (loopback) Hub API."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from app.downloads.catalog import load_catalog
from app.downloads.hub import quant_from_name
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
        assert len(model.files) >= 3 and model.description and model.license
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
