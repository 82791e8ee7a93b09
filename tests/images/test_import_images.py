"""Imports keep their pictures: Hearth's `export --zip` comes back whole, and a ChatGPT data
export's .zip gives each user message its picture (made safe like an attached one)."""

from __future__ import annotations

import asyncio
import json
import zipfile

from app.services import open_services
from app.services.chatgpt_import import chatgpt_conversations
from app.store.images import add_message_images
from tests.images import pictures


def run(services, coro):
    async def wrapper():
        try:
            return await coro
        finally:
            await services.close()

    return asyncio.run(wrapper())


def chatgpt_export(asset: str) -> list:
    def node(node_id, parent, children, role, content, at):
        message = {
            "id": node_id,
            "author": {"role": role, "metadata": {}},
            "create_time": at,
            "content": content,
            "status": "finished_successfully",
            "weight": 1.0,
            "metadata": {"model_slug": "gpt-4o"},
            "recipient": "all",
        }
        return {"id": node_id, "message": message, "parent": parent, "children": children}

    picture = {
        "content_type": "image_asset_pointer",
        "asset_pointer": f"file-service://{asset}",
        "width": 1200,
        "height": 800,
        "metadata": {"dalle": None},
    }
    return [
        {
            "title": "What plant",
            "create_time": 1719500000.0,
            "update_time": 1719500010.0,
            "current_node": "b",
            "mapping": {
                "a": node(
                    "a",
                    None,
                    ["b"],
                    "user",
                    {"content_type": "multimodal_text", "parts": [picture, "What plant is this?"]},
                    1719500000.0,
                ),
                "b": node(
                    "b",
                    "a",
                    [],
                    "assistant",
                    {"content_type": "text", "parts": ["A fern."]},
                    1719500005.0,
                ),
            },
        }
    ]


def test_chatgpt_zip_pictures_are_kept_and_their_placeholder_goes(data_dir, tmp_path):
    asset = "file-Q7wErTyUiOp1AsDfGhJkL"
    document = chatgpt_export(asset)
    # Read from conversations.json alone, the picture is a placeholder (it is not in the file).
    (alone,) = chatgpt_conversations(document)
    assert "not included in the import" in alone.messages[0].content
    archive = tmp_path / "chatgpt.zip"
    with zipfile.ZipFile(archive, "w") as out:
        out.writestr("conversations.json", json.dumps(document))
        out.writestr(f"{asset}-IMG_1234.jpeg", pictures.phone_photo(1200, 800))
    services = open_services(data_dir)

    async def scenario():
        summary = await services.transfer.import_file(path=archive)
        return await services.conversations.messages(summary.conversation_ids[0])

    user, reply = run(services, scenario())
    assert user.content == "What plant is this?"  # the placeholder went: the picture is here
    (ref,) = user.images
    assert ref.name == f"{asset}-IMG_1234.jpeg" and (ref.width, ref.height) == (800, 1200)
    kept = data_dir / "images" / ref.sha256[:2] / f"{ref.sha256}.jpg"
    assert pictures.metadata_left(kept.read_bytes()) == {"exif": {}, "gps": {}, "info": {}}
    assert reply.content == "A fern." and reply.images == ()


def test_a_hearth_zip_export_comes_back_with_its_pictures(tmp_path):
    first_dir, second_dir = tmp_path / "one", tmp_path / "two"
    first_dir.mkdir()
    second_dir.mkdir()
    archive = tmp_path / "chat.zip"
    first = open_services(first_dir)

    async def export():
        conv = await first.conversations.create("Pictures")
        kept = await first.chat.images.keep([pictures.screenshot_png()])
        message = await first.db.call(
            lambda store: store.add_message(conv.id, role="user", content="This error?")
        )
        await first.db.call(add_message_images, message.id, [kept[0].ref])
        await first.transfer.export_zip(conversation_ids=[conv.id], path=archive)
        return kept[0].ref

    ref = run(first, export())
    second = open_services(second_dir)

    async def back():
        summary = await second.transfer.import_file(path=archive)
        return await second.conversations.messages(summary.conversation_ids[0])

    (message,) = run(second, back())
    assert message.images == (ref,)
    assert (second_dir / "images" / ref.sha256[:2] / f"{ref.sha256}.png").is_file()
    with zipfile.ZipFile(archive) as out:
        document = json.loads(out.read("conversations.json"))
    assert document["conversations"][0]["messages"][0]["images"][0]["sha256"] == ref.sha256
