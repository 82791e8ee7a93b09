"""Pictures kept by content hash in the data folder and referenced from messages: no
duplicates, read back with the messages, kept by edit-and-resend, removed with the last chat
that uses them."""

from __future__ import annotations

from app.core.images import KEEP_LIMIT
from app.images import store as image_files
from app.images.prepare import prepare_image
from app.store import history as store_history
from app.store import images as store_images
from app.store import trees as store_trees
from tests.images import pictures


def kept(store, raw: bytes, name: str):
    return image_files.keep(store.path.parent, prepare_image(raw, KEEP_LIMIT), name)


def user_message_with(store, refs, text="Look"):
    conv = store.create_conversation("Pictures")
    message = store.add_message(conv.id, role="user", content=text)
    store_images.add_message_images(store, message.id, refs)
    return conv, message


def test_the_same_picture_is_one_file(store):
    first = kept(store, pictures.screenshot_png(), "a.png")
    again = kept(store, pictures.screenshot_png(), "copy of a.png")
    assert first.sha256 == again.sha256 and first.name != again.name
    files = list((store.path.parent / "images").rglob("*.*"))
    assert files == [image_files.path_of(store.path.parent, first)]
    assert files[0].parent.name == first.sha256[:2]
    assert files[0].name == f"{first.sha256}.png"
    assert image_files.content_hash(files[0].read_bytes()) == first.sha256
    assert not list((store.path.parent / "images").rglob(".part-*"))  # written atomically


def test_messages_are_read_with_their_pictures_in_order(store):
    shot = kept(store, pictures.screenshot_png(), "error.png")
    photo = kept(store, pictures.phone_photo(600, 400), "plant.jpg")
    conv, message = user_message_with(store, [shot, photo])
    store.add_message(conv.id, role="assistant", content="A fern.")

    assert store.message(message.id).images == (shot, photo)
    assert [m.images for m in store.messages(conv.id)] == [(shot, photo), ()]
    assert store.messages_up_to(message.id)[0].images == (shot, photo)
    assert store_history.recent_messages(store, conv.id)[0].images == (shot, photo)
    tree = store_trees.conversation_tree(store, conv.id)
    assert tree.messages[0].images == (shot, photo)
    assert photo.mime == "image/jpeg" and (photo.width, photo.height) == (400, 600)  # upright


def test_edit_and_resend_keeps_the_picture(store):
    photo = kept(store, pictures.phone_photo(600, 400), "plant.jpg")
    conv, message = user_message_with(store, [photo], text="What is it?")
    edited = store_history.edit_message(store, message.id, "What plant is it?")
    assert edited.id != message.id and edited.images == (photo,)
    assert store.messages(conv.id)[-1].images == (photo,)


def test_purging_a_chat_removes_only_pictures_no_other_chat_uses(store):
    shared = kept(store, pictures.screenshot_png(), "shared.png")
    own = kept(store, pictures.phone_photo(600, 400), "own.jpg")
    gone, _ = user_message_with(store, [shared, own])
    user_message_with(store, [shared])  # another chat uses the screenshot too
    data = store.path.parent

    store.delete_conversation(gone.id)
    assert image_files.path_of(data, own).exists()  # undo is still possible
    assert store.purge_deleted() == 1

    assert not image_files.path_of(data, own).exists()
    assert image_files.path_of(data, shared).exists()
    rows = store.db.execute("SELECT sha256 FROM message_images").fetchall()
    assert rows == [(shared.sha256,)]
