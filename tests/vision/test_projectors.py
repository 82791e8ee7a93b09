"""Projector files: told apart from chat models, paired with the model beside them (asked about
when ambiguous), the pairing kept across a restart, and a paired model seeing pictures."""

from __future__ import annotations

import asyncio
import shutil

import pytest

from app.providers import projectors
from app.services.models import ProjectorNotAModel
from tests.vision.projector_factory import write_projector


def test_a_clip_gguf_or_an_mmproj_name_is_a_projector(tmp_path):
    assert projectors.is_projector(tmp_path / "x.gguf", "clip")
    assert projectors.is_projector(tmp_path / "mmproj-model-f16.gguf", None)
    assert not projectors.is_projector(tmp_path / "SmolVLM-256M-Q8_0.gguf", "llama")


@pytest.mark.parametrize(
    ("model", "projector"),
    [
        ("SmolVLM-256M-Instruct-Q8_0.gguf", "mmproj-SmolVLM-256M-Instruct-f16.gguf"),
        ("gemma-3-4b-it-Q4_K_M.gguf", "mmproj-gemma-3-4b-it-f16.gguf"),
        ("Qwen2.5-VL-3B-Instruct-q4_k_m.gguf", "Qwen2.5-VL-3B-Instruct-mmproj-f16.gguf"),
    ],
)
def test_names_share_a_stem(model, projector):
    assert projectors.stem_of(model) == projectors.stem_of(projector)


def _folder(tmp_path, tiny_gguf, model_name, projector_names):
    folder = tmp_path / "models"
    folder.mkdir()
    model = folder / model_name
    shutil.copy(tiny_gguf, model)
    for name in projector_names:
        write_projector(folder / name)
    return model


def test_the_one_projector_in_the_folder_is_paired(tmp_path, tiny_gguf):
    model = _folder(tmp_path, tiny_gguf, "tiny-chat.gguf", ["vision-encoder.gguf"])
    # No "mmproj" in its name: found by its architecture, clip.
    assert projectors.pair(model).projector == model.parent / "vision-encoder.gguf"


def test_several_projectors_the_one_named_after_the_model_wins(tmp_path, tiny_gguf):
    model = _folder(
        tmp_path,
        tiny_gguf,
        "SmolVLM-256M-Instruct-Q8_0.gguf",
        ["mmproj-SmolVLM-256M-Instruct-f16.gguf", "mmproj-gemma-3-4b-it-f16.gguf"],
    )
    pairing = projectors.pair(model)
    assert pairing.projector == model.parent / "mmproj-SmolVLM-256M-Instruct-f16.gguf"
    assert not pairing.ambiguous


def test_several_unnamed_projectors_are_ambiguous(tmp_path, tiny_gguf):
    model = _folder(tmp_path, tiny_gguf, "tiny-chat.gguf", ["mmproj-a.gguf", "mmproj-b.gguf"])
    pairing = projectors.pair(model)
    assert pairing.ambiguous and pairing.projector is None
    assert [p.name for p in pairing.candidates] == ["mmproj-a.gguf", "mmproj-b.gguf"]


def _run(services, body):
    async def wrapper():
        try:
            return await body()
        finally:
            await services.close()

    return asyncio.run(wrapper())


def test_adding_pairs_and_the_pairing_survives_a_restart(tmp_path, tiny_gguf, data_dir):
    from app.services import open_services

    model = _folder(tmp_path, tiny_gguf, "tiny-chat.gguf", ["mmproj-tiny-chat-f16.gguf"])
    services = open_services(data_dir)

    async def add():
        added, failed = await services.models.add_from_disk([model])
        return added, failed

    (info,), failed = _run(services, add)
    assert not failed
    assert info.sees_images and info.projector == str(model.parent / "mmproj-tiny-chat-f16.gguf")

    again = open_services(data_dir)  # a restart: a fresh store over the same file
    (listed,) = _run(again, again.models.list_models)
    assert listed.projector == info.projector and listed.sees_images


def test_a_projector_is_refused_as_a_chat_model(tmp_path, services):
    projector = write_projector(tmp_path / "mmproj-x-f16.gguf")
    added, failed = _run(services, lambda: services.models.add_from_disk([projector]))
    assert added == []
    ((_, error),) = failed
    assert isinstance(error, ProjectorNotAModel)
    assert "image projector" in str(error) and "not a chat model" in str(error)


def test_ambiguous_choices_are_offered_and_the_answer_kept(tmp_path, tiny_gguf, services):
    model = _folder(tmp_path, tiny_gguf, "tiny-chat.gguf", ["mmproj-a.gguf", "mmproj-b.gguf"])

    async def body():
        (info,), _ = await services.models.add_from_disk([model])
        assert not info.sees_images and info.projector is None
        choices = await services.models.projector_choices(info.id)
        assert [c.rsplit("/", 1)[-1] for c in choices] == ["mmproj-a.gguf", "mmproj-b.gguf"]
        chosen = await services.models.choose_projector(info.id, choices[1])
        assert chosen.sees_images
        (listed,) = await services.models.list_models()
        assert listed.projector == choices[1] and listed.sees_images
        assert await services.models.projector_choices(info.id) == []  # answered
        with pytest.raises(Exception, match="not an image projector"):
            await services.models.choose_projector(info.id, model)

    _run(services, body)


def test_hearth_add_says_the_model_sees_or_which_projectors_to_choose_from(
    tmp_path, tiny_gguf, data_dir
):
    from tests.cli.support import hearth

    model = _folder(tmp_path, tiny_gguf, "tiny-chat.gguf", ["mmproj-a.gguf", "mmproj-b.gguf"])
    out = hearth("add", str(model), data_dir=data_dir).stdout
    assert "several image projectors lie beside it (mmproj-a.gguf, mmproj-b.gguf)" in out
    chosen = model.parent / "mmproj-b.gguf"
    out = hearth("add", str(model), "--projector", str(chosen), data_dir=data_dir).stdout
    assert "sees pictures, with mmproj-b.gguf" in out
