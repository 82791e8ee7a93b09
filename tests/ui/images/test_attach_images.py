"""Pictures in the window, as a person uses them: paste or drop one, see its thumbnail, be asked
before it goes to an online model, find it again after a restart, edit and resend with it."""

from __future__ import annotations

import base64

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QGuiApplication, QImage
from PySide6.QtWidgets import QApplication

from app import secrets
from tests.images import pictures
from tests.ui.support import (
    OPENAI_KEY,
    click,
    openai_lists,
    openai_says,
    save_shot,
    send_by_keyboard,
    wait_for,
    wait_until_idle,
)

CHAT_PATH = "/v1/chat/completions"


@pytest.fixture
def cloud_window(qtbot, open_window, openai_server):
    secrets.set_key("openai", OPENAI_KEY)
    window, services = open_window()
    services.settings.set("max_tokens", 12)
    window.choose_model("openai:gpt-4o-mini")
    return window, services


def choose_a_blind_model(qtbot, window, services, server) -> None:
    """o3-mini, which the model table says cannot see images (gpt-4o-mini can)."""
    openai_lists(server, "gpt-4o-mini", "o3-mini")
    wait_for(qtbot, services.models.refresh_provider("openai"))
    wait_for(qtbot, window.refresh_models())
    window.choose_model("openai:o3-mini")
    assert window.current_model.id == "openai:o3-mini"


def chat_requests(server) -> list:
    return [r for r in server.requests if r.path == CHAT_PATH]


def sent_pictures(request) -> list[bytes]:
    parts = [
        p
        for m in request.json()["messages"]
        if isinstance(m["content"], list)
        for p in m["content"]
    ]
    urls = [p["image_url"]["url"] for p in parts if p["type"] == "image_url"]
    return [base64.b64decode(url.split(",", 1)[1]) for url in urls]


def paste_picture(qtbot, window, width: int = 320, height: int = 200):
    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.fill(Qt.GlobalColor.darkCyan)
    QGuiApplication.clipboard().setImage(image)
    window.composer.edit.setFocus()
    window.composer.edit.paste()  # Ctrl+V does the same: the clipboard's mime data
    return ready(qtbot, window)


def drop_file(target, path) -> None:
    """A file dragged from the file manager and let go over `target`."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    action = Qt.DropAction.CopyAction
    buttons, keys = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    enter = QDragEnterEvent(QPoint(10, 10), action, mime, buttons, keys)
    QApplication.sendEvent(target, enter)
    assert enter.isAccepted()
    QApplication.sendEvent(target, QDropEvent(QPointF(10, 10), action, mime, buttons, keys))


def ready(qtbot, window):
    images = window.images
    qtbot.waitUntil(lambda: images.attached and not images.preparing, timeout=20_000)
    return images


def asked(qtbot, window):
    qtbot.waitUntil(lambda: window.sending.privacy_warning is not None)
    dialog = window.sending.privacy_warning
    qtbot.waitUntil(dialog.isVisible)
    return dialog


def test_a_pasted_picture_is_shown_and_asked_about_before_it_goes(
    qtbot, cloud_window, openai_server
):
    window, _services = cloud_window
    images = paste_picture(qtbot, window)
    [chip] = images.strip.chips.values()
    assert not chip.picture.pixmap().isNull()  # the thumbnail
    assert chip.picture.pixmap().width() <= 72 and not chip.note.isVisible()
    assert window.composer.image_sizes() == [(320, 200)]
    send_by_keyboard(qtbot, window, "What colour is this?")
    dialog = asked(qtbot, window)
    assert "1 image will be sent to OpenAI." in dialog.findings.text()
    save_shot(dialog, "images_question.png")
    click(qtbot, dialog.edit_button)  # Cancel: nothing leaves
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert chat_requests(openai_server) == []
    assert window.composer.text() == "What colour is this?" and images.count == 1


def test_a_dropped_photo_goes_without_its_location(qtbot, cloud_window, openai_server, tmp_path):
    window, services = cloud_window
    photo = pictures.write(tmp_path / "fern.jpg", pictures.phone_photo(1600, 1200))
    drop_file(window.composer.edit.viewport(), photo)
    images = ready(qtbot, window)
    [chip] = images.strip.chips.values()
    qtbot.waitUntil(chip.note.isVisible)
    assert chip.note.text() == "location removed"
    openai_says(openai_server, "A fern.")
    send_by_keyboard(qtbot, window, "What plant?")
    dialog = asked(qtbot, window)
    click(qtbot, dialog.send_button)
    wait_until_idle(qtbot, window)
    [request] = chat_requests(openai_server)
    [sent] = sent_pictures(request)
    left = pictures.metadata_left(sent)
    assert left["gps"] == {} and left["exif"] == {} and "xmp" not in left["info"]
    assert images.count == 0 and not images.strip.isVisible()  # it went with the message
    stored = wait_for(qtbot, services.conversations.messages(window.conversation_id))
    assert [ref.name for ref in stored[0].images] == ["fern.jpg"]
    [shown] = [w for w in window.chat_view.messages_shown() if w.message.id == stored[0].id]
    assert shown.thumbs is not None and len(shown.thumbs.thumbs) == 1


def test_a_damaged_picture_says_so_plainly(qtbot, cloud_window, tmp_path):
    window, _services = cloud_window
    broken = pictures.write(tmp_path / "broken.png", pictures.truncated_png())
    window.images.add_file(broken)
    strip = window.images.strip
    qtbot.waitUntil(strip.problem.isVisible, timeout=20_000)
    assert strip.problem.text().startswith("broken.png: This image is damaged")
    assert window.images.count == 0


def test_a_photo_dropped_on_the_chat_is_attached(qtbot, cloud_window, tmp_path):
    window, _services = cloud_window
    photo = pictures.write(tmp_path / "plant.webp", pictures.webp_photo())
    drop_file(window.chat_view.viewport(), photo)
    images = ready(qtbot, window)
    [kept] = images.kept()
    assert kept.ref.name == "plant.webp" and not kept.had_location
    drop_file(window.empty_chat, pictures.write(tmp_path / "cat.gif", pictures.animated_gif()))
    qtbot.waitUntil(lambda: len(images.kept()) == 2, timeout=20_000)  # the empty chat takes one


def test_a_heic_photo_says_how_to_convert_it(qtbot, cloud_window, tmp_path):
    window, _services = cloud_window
    window.images.add_file(pictures.write(tmp_path / "IMG_0001.HEIC", pictures.heic_header()))
    strip = window.images.strip
    qtbot.waitUntil(strip.problem.isVisible, timeout=20_000)
    words = strip.problem.text()
    assert words.startswith("IMG_0001.HEIC: HEIC photos are not supported yet.")
    assert "Export it as JPEG" in words and window.images.count == 0


def test_files_that_are_not_pictures_are_left_to_documents(qtbot, cloud_window, tmp_path):
    window, _services = cloud_window
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(tmp_path / "notes.pdf"))])
    assert not window.images.can_take(mime) and not window.images.take(mime)
    # A picture dragged with other files: the whole drag is left to the documents' drop.
    mime.setUrls([*mime.urls(), QUrl.fromLocalFile(str(tmp_path / "photo.jpg"))])
    enter = QDragEnterEvent(
        QPoint(5, 5), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )  # fmt: skip
    assert not window.images.eventFilter(window.chat_view.viewport(), enter)


def test_a_model_that_cannot_see_offers_those_that_can(qtbot, cloud_window, openai_server):
    window, services = cloud_window
    choose_a_blind_model(qtbot, window, services, openai_server)
    images = paste_picture(qtbot, window)
    send_by_keyboard(qtbot, window, "What is it?")
    qtbot.waitUntil(lambda: images.offer is not None and images.offer.isVisible())
    offer = images.offer
    save_shot(offer, "images_offer.png")
    [choice] = offer.buttons  # only gpt-4o-mini sees here (o3-mini does not)
    assert choice.text().endswith("·  OpenAI"), choice.text()
    openai_says(openai_server, "Cyan.")
    click(qtbot, choice)
    assert window.current_model.id == "openai:gpt-4o-mini"
    dialog = asked(qtbot, window)  # the chosen model is online: asked first, as always
    click(qtbot, dialog.send_button)
    wait_until_idle(qtbot, window)
    [request] = chat_requests(openai_server)
    assert len(sent_pictures(request)) == 1


def test_cancelling_the_offer_keeps_picture_and_words(qtbot, cloud_window, openai_server):
    window, services = cloud_window
    choose_a_blind_model(qtbot, window, services, openai_server)
    images = paste_picture(qtbot, window)
    send_by_keyboard(qtbot, window, "What is it?")
    qtbot.waitUntil(lambda: images.offer is not None and images.offer.isVisible())
    click(qtbot, images.offer.cancel_button)
    qtbot.waitUntil(lambda: not images.offer.isVisible())
    assert window.composer.text() == "What is it?" and images.count == 1
    assert chat_requests(openai_server) == []


def test_history_after_a_restart_and_edit_and_resend_keep_the_picture(
    qtbot, open_window, openai_server
):
    secrets.set_key("openai", OPENAI_KEY)
    window, services = open_window()
    window.choose_model("openai:gpt-4o-mini")
    paste_picture(qtbot, window)
    openai_says(openai_server, "Cyan.")
    send_by_keyboard(qtbot, window, "Colour?")
    click(qtbot, asked(qtbot, window).send_button)
    wait_until_idle(qtbot, window)
    open_window.close(window, services)

    window, services = open_window()  # the last chat opens again
    [user] = [w for w in window.chat_view.messages_shown() if w.message.role == "user"]
    assert user.thumbs is not None
    [thumb] = user.thumbs.thumbs
    qtbot.waitUntil(lambda: not thumb.pixmap().isNull())
    user.thumbs.open_viewer(thumb.ref)
    viewer = user.thumbs.viewer
    qtbot.waitUntil(lambda: viewer.loaded.done())
    assert not viewer.picture.pixmap().isNull()
    viewer.zoom_by(2.0)
    assert viewer.zoom > 0 and not viewer.fitting
    viewer.close()

    openai_says(openai_server, "Still cyan.")
    editor = user.start_editing()
    editor.edit.setPlainText("Which colour exactly?")
    user.edit_submitted.emit("Which colour exactly?")
    dialog = asked(qtbot, window)  # its picture goes again: said first
    assert "1 image will be sent to OpenAI." in dialog.findings.text()
    click(qtbot, dialog.send_button)
    wait_until_idle(qtbot, window)
    requests = chat_requests(openai_server)
    assert len(sent_pictures(requests[-1])) == 1
    stored = wait_for(qtbot, services.conversations.messages(window.conversation_id))
    assert stored[0].content == "Which colour exactly?" and len(stored[0].images) == 1
    [edited] = [w for w in window.chat_view.messages_shown() if w.message.id == stored[0].id]
    assert edited.thumbs is not None


def test_screenshots(qtbot, cloud_window, openai_server, tmp_path):
    """The composer with two thumbnails, and a sent message with its picture (HEARTH_SHOTS)."""
    window, _services = cloud_window
    window.resize(1000, 700)
    photo = pictures.write(tmp_path / "fern.jpg", pictures.phone_photo(1200, 800))
    window.images.add_file(photo)
    paste_picture(qtbot, window)
    ready(qtbot, window)
    qtbot.keyClicks(window.composer.edit, "Which of these is the fern?")
    save_shot(window, "images_composer.png")
    openai_says(openai_server, "The first one.")
    qtbot.keyClick(window.composer.edit, Qt.Key.Key_Return)
    click(qtbot, asked(qtbot, window).send_button)
    wait_until_idle(qtbot, window)
    save_shot(window, "images_sent.png")


def test_the_picker_marks_models_that_see_images(qtbot, cloud_window, openai_server):
    from app.ui.models import ModelManager  # noqa: F401  (the package's public names load)
    from app.ui.models.picker_entries import details_tip, sees_images_mark

    window, services = cloud_window
    choose_a_blind_model(qtbot, window, services, openai_server)
    seeing, blind = window.find_model("openai:gpt-4o-mini"), window.find_model("openai:o3-mini")
    assert sees_images_mark(seeing) == "sees images" and sees_images_mark(blind) == ""
    assert "Sees images" in details_tip(seeing) and "Sees images" not in details_tip(blind)
    window.models.open_picker()
    qtbot.waitUntil(window.picker.isVisible)
    save_shot(window.picker, "images_picker.png")
    window.picker.close()


def test_a_picture_goes_without_words(qtbot, cloud_window, openai_server):
    window, services = cloud_window
    composer = window.composer
    assert not composer.button.isEnabled()  # nothing written, nothing attached
    paste_picture(qtbot, window)
    assert composer.button.isEnabled() and not composer.compare_button.isEnabled()
    openai_says(openai_server, "A cyan square.")
    click(qtbot, composer.button)
    click(qtbot, asked(qtbot, window).send_button)
    wait_until_idle(qtbot, window)
    [request] = chat_requests(openai_server)
    assert [p["type"] for p in request.json()["messages"][-1]["content"]] == ["image_url"]
    stored = wait_for(qtbot, services.conversations.messages(window.conversation_id))
    assert stored[0].content == "" and len(stored[0].images) == 1
    conversation = wait_for(qtbot, services.conversations.get(window.conversation_id))
    assert conversation.title == "Picture"
    [user] = [w for w in window.chat_view.messages_shown() if w.message.id == stored[0].id]
    assert user.thumbs is not None and user.bubble.isHidden()  # no empty bubble under it
    save_shot(window, "images_without_words.png")


def test_the_offer_lists_a_seeing_model_on_this_computer_first(
    qtbot, cloud_window, openai_server, tiny_gguf, tmp_path
):
    import shutil

    from tests.vision.projector_factory import write_projector

    window, services = cloud_window
    folder = tmp_path / "models"
    folder.mkdir()
    shutil.copy(tiny_gguf, folder / "tiny-chat.gguf")
    write_projector(folder / "mmproj-tiny-chat-f16.gguf")
    [local] = wait_for(qtbot, window.add_models([str(folder / "tiny-chat.gguf")])).added
    assert local.sees_images
    choose_a_blind_model(qtbot, window, services, openai_server)
    paste_picture(qtbot, window)
    send_by_keyboard(qtbot, window, "What is it?")
    qtbot.waitUntil(lambda: window.images.offer is not None and window.images.offer.isVisible())
    labels = [b.text() for b in window.images.offer.buttons]
    assert len(labels) == 2, labels
    assert labels[0].endswith("·  on this computer") and labels[1].endswith("·  OpenAI")
    click(qtbot, window.images.offer.cancel_button)
    assert chat_requests(openai_server) == []
