"""“Add model from disk…” with image projectors beside the model file: one is paired without a
question; several make the window ask which one (or none), over real services and GGUF files."""

from __future__ import annotations

import shutil

from PySide6.QtCore import QPoint, Qt

from app.ui.models.projector_choice import NONE, ProjectorChoice
from tests.ui.support import click, save_shot, wait_for
from tests.vision.projector_factory import write_projector


def model_folder(tmp_path, tiny_gguf, projector_names):
    folder = tmp_path / "models"
    folder.mkdir()
    model = folder / "tiny-chat.gguf"
    shutil.copy(tiny_gguf, model)
    for name in projector_names:
        write_projector(folder / name)
    return model


def asked(qtbot, window) -> ProjectorChoice:
    qtbot.waitUntil(lambda: window.projector_choice is not None)
    dialog = window.projector_choice
    qtbot.waitUntil(dialog.isVisible)
    return dialog


def choose(qtbot, option) -> None:
    """A click on the option's circle, where a person aims."""
    qtbot.mouseClick(option, Qt.MouseButton.LeftButton, pos=QPoint(8, option.height() // 2))


def listed(qtbot, services, model_id):
    models = wait_for(qtbot, services.models.list_models())
    return next(m for m in models if m.id == model_id)


def test_the_one_projector_beside_the_model_is_used_without_asking(
    qtbot, open_window, tiny_gguf, tmp_path
):
    window, services = open_window()
    model = model_folder(tmp_path, tiny_gguf, ["mmproj-vision-f16.gguf"])
    outcome = wait_for(qtbot, window.add_models([str(model)]))
    [added] = outcome.added
    assert added.sees_images and added.projector.endswith("mmproj-vision-f16.gguf")
    qtbot.wait(200)
    assert window.projector_choice is None  # nothing to ask


def test_several_projectors_the_window_asks_which_one(qtbot, open_window, tiny_gguf, tmp_path):
    window, services = open_window()
    model = model_folder(tmp_path, tiny_gguf, ["mmproj-a.gguf", "mmproj-b.gguf"])
    [added] = wait_for(qtbot, window.add_models([str(model)])).added
    assert added.projector is None

    dialog = asked(qtbot, window)
    names = [o.text() for o in dialog.options.values()]
    assert names == ["mmproj-a.gguf", "mmproj-b.gguf", "None: this model will not see pictures"]
    assert not dialog.use_button.isEnabled()  # nothing is chosen for the user
    save_shot(dialog, "projector_choice.png")
    choose(qtbot, dialog.options[str(model.parent / "mmproj-b.gguf")])
    assert dialog.use_button.isEnabled()
    click(qtbot, dialog.use_button)

    qtbot.waitUntil(lambda: window.models.current_model.sees_images)  # the picker knows
    chosen = listed(qtbot, services, added.id)
    assert chosen.projector == str(model.parent / "mmproj-b.gguf") and chosen.sees_images


def test_none_or_cancel_leaves_the_model_without_pictures(qtbot, open_window, tiny_gguf, tmp_path):
    window, services = open_window()
    model = model_folder(tmp_path, tiny_gguf, ["mmproj-a.gguf", "mmproj-b.gguf"])
    [added] = wait_for(qtbot, window.add_models([str(model)])).added
    dialog = asked(qtbot, window)
    choose(qtbot, dialog.options[NONE])
    click(qtbot, dialog.use_button)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    qtbot.wait(200)  # the answer is stored on the event loop
    assert listed(qtbot, services, added.id).projector is None

    window.projector_choice = None
    wait_for(qtbot, window.add_models([str(model)]))  # added again: asked again
    dialog = asked(qtbot, window)
    dialog.reject()
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert listed(qtbot, services, added.id).projector is None
