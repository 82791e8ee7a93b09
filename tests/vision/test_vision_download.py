"""A catalog vision model is downloaded as one model: its projector is fetched with it, into
the same folder, verified by size and sha256, and the pair is recorded (it sees pictures)."""

from __future__ import annotations

import asyncio
import hashlib
import json

import pytest

from app.downloads.catalog import CATALOG_ENV, parse_catalog
from app.services import open_services
from app.services.downloads import DownloadService
from tests.hub_server import FakeHub
from tests.vision.projector_factory import write_tiny_projector

REPO = "ggml-org/Tiny-VLM-GGUF"
MODEL = "Tiny-VLM-Instruct-Q8_0.gguf"
PROJECTOR = "mmproj-Tiny-VLM-Instruct-f16.gguf"


def _entry(model: bytes, projector: bytes) -> dict:
    def file(name, data):
        return {"file": name, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}

    return {
        "id": "tiny-vlm-instruct",
        "name": "Tiny VLM Instruct",
        "repo": REPO,
        "description": "Sees pictures.",
        "projector": file(PROJECTOR, projector),
        "files": [{**file(MODEL, model), "quant": "Q8_0"}],
    }


@pytest.fixture
def vision_hub(tmp_path, monkeypatch, tiny_gguf):
    model = tiny_gguf.read_bytes()
    projector = write_tiny_projector(tmp_path / "p.gguf").read_bytes()
    catalog = tmp_path / "catalog.json"
    catalog.write_text(json.dumps({"schema": 1, "models": [_entry(model, projector)]}))
    monkeypatch.setenv(CATALOG_ENV, str(catalog))
    with FakeHub() as hub:
        hub.add_repo(REPO, {MODEL: model, PROJECTOR: projector})
        monkeypatch.setenv("HF_ENDPOINT", hub.endpoint)
        monkeypatch.delenv("HF_TOKEN", raising=False)
        yield hub


def test_the_catalog_names_the_projector_for_every_file(tiny_gguf):
    catalog = parse_catalog({"models": [_entry(b"m", b"p")]})
    (file,) = catalog.models[0].files
    assert file.sees_images and file.projector.file == PROJECTOR
    assert file.projector.size == 1 and file.projector.repo == REPO


def test_a_vision_model_downloads_with_its_projector_as_one_model(vision_hub, data_dir):
    async def body():
        services = open_services(data_dir)
        downloads = DownloadService(
            models=services.models, settings=services.settings, data_dir=data_dir
        )
        try:
            entry = downloads.catalog().find("tiny-vlm-instruct:Q8_0")[1]
            job_id = await downloads.start_file(file=entry)
            final = await asyncio.wait_for(downloads.wait(job_id=job_id), 20)
            for job in downloads.jobs():  # the projector's job too
                await asyncio.wait_for(downloads.wait(job_id=job.job_id), 20)
            jobs = downloads.jobs()
            return final, jobs, await services.models.list_models()
        finally:
            await downloads.close()
            await services.close()

    final, jobs, models = asyncio.run(body())
    assert final.state == "done", final.message
    assert sorted(j.state for j in jobs) == ["done", "done"]
    (model,) = models  # the projector is not listed as a chat model
    folder = data_dir / "models" / REPO
    assert model.path == str(folder / MODEL)
    assert model.projector == str(folder / PROJECTOR) and model.sees_images
