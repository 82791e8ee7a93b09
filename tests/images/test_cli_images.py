"""`hearth ask --image`, `hearth show` and the exports, end to end in real subprocesses against
a loopback OpenAI server."""

from __future__ import annotations

import base64
import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.images import pictures
from tests.wire_servers import WireServer, encode_sse, openai_events, openai_usage, sse_reply

ROOT = Path(__file__).resolve().parents[2]
PATH = "/v1/chat/completions"


@pytest.fixture
def server():
    with WireServer() as s:
        yield s


def hearth(*args: str, data_dir: Path, server: WireServer | None = None, check=True):
    env = {**os.environ, "HEARTH_DATA_DIR": str(data_dir)}
    if server is not None:
        env["HEARTH_OPENAI_BASE_URL"] = server.base_url + "/v1"
        env["OPENAI_API_KEY"] = "sk-test-0123456789abcdefghijklmnop"
    result = subprocess.run(
        [sys.executable, "-m", "app", *args],
        capture_output=True,
        stdin=subprocess.DEVNULL,  # nothing typed: a picture may go without a question
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"hearth {args} failed: {result.stderr}")
    return result


def test_ask_with_images_show_and_export(data_dir, server, tmp_path):
    events = openai_events(["A fern", " and an error."], usage=openai_usage(1200, 5))
    server.script("POST", PATH, sse_reply([encode_sse(events)]))
    photo = pictures.write(tmp_path / "plant.jpg", pictures.phone_photo(1200, 800))
    shot = pictures.write(tmp_path / "error.png", pictures.screenshot_png())

    asked = hearth(
        "ask",
        "--model",
        "openai:gpt-4o-mini",
        "--image",
        str(photo),
        "--image",
        str(shot),
        "What are these?",
        data_dir=data_dir,
        server=server,
    )

    assert asked.stdout.strip() == "A fern and an error."
    assert "location removed from plant.jpg" in asked.stderr
    assert "error.png" not in asked.stderr  # a screenshot has no location to remove
    assert "2 images will be sent to OpenAI." in asked.stderr
    content = server.requests[0].json()["messages"][-1]["content"]
    assert [p["type"] for p in content] == ["text", "image_url", "image_url"]
    sent = base64.b64decode(content[1]["image_url"]["url"].split(",", 1)[1])
    assert pictures.metadata_left(sent) == {"exif": {}, "gps": {}, "info": {}}

    shown = hearth("show", "last", data_dir=data_dir).stdout
    assert "*Attached: plant.jpg, error.png*" in shown
    markdown = hearth("export", "last", "--format", "md", data_dir=data_dir).stdout
    assert "*Attached: plant.jpg, error.png*" in markdown

    exported = json.loads(hearth("export", "last", data_dir=data_dir).stdout)
    user = exported["conversations"][0]["messages"][0]
    assert [(i["name"], i["mime"]) for i in user["images"]] == [
        ("plant.jpg", "image/jpeg"),
        ("error.png", "image/png"),
    ]
    for image in user["images"]:
        assert image["file"] == f"images/{image['sha256'][:2]}/{image['sha256']}." + (
            "jpg" if image["mime"] == "image/jpeg" else "png"
        )
        assert (data_dir / image["file"]).is_file()

    archive_path = tmp_path / "chat.zip"
    zipped = hearth("export", "last", "--zip", str(archive_path), data_dir=data_dir)
    assert "with 2 pictures" in zipped.stdout
    with zipfile.ZipFile(archive_path) as archive:
        names = set(archive.namelist())
        assert {"conversations.json", *(i["file"] for i in user["images"])} == names
        data = archive.read(user["images"][0]["file"])
    assert pictures.metadata_left(data)["gps"] == {}
    assert io.BytesIO(data).getbuffer().nbytes > 0


def test_ask_with_an_image_for_a_model_that_cannot_see(data_dir, server, tmp_path):
    shot = pictures.write(tmp_path / "error.png", pictures.screenshot_png())
    result = hearth(
        "ask",
        "--model",
        "openai:o3-mini",
        "--image",
        str(shot),
        "What is it?",
        data_dir=data_dir,
        server=server,
        check=False,
    )
    assert result.returncode != 0
    assert "o3-mini cannot see images" in result.stderr
    assert "Traceback" not in result.stderr
    assert server.requests == []


def test_ask_with_a_damaged_image_says_so(data_dir, server, tmp_path):
    broken = pictures.write(tmp_path / "broken.png", pictures.truncated_png())
    result = hearth(
        "ask",
        "--model",
        "openai:gpt-4o",
        "--image",
        str(broken),
        "Hi",
        data_dir=data_dir,
        server=server,
        check=False,
    )
    assert result.returncode != 0
    assert "damaged or incomplete" in result.stderr and "Traceback" not in result.stderr
    assert server.requests == []


def test_ask_with_a_picture_and_no_question(data_dir, server, tmp_path):
    events = openai_events(["A login error."], usage=openai_usage(300, 4))
    server.script("POST", PATH, sse_reply([encode_sse(events)]))
    shot = pictures.write(tmp_path / "error.png", pictures.screenshot_png())

    asked = hearth(
        "ask",
        "--model",
        "openai:gpt-4o-mini",
        "--image",
        str(shot),
        data_dir=data_dir,
        server=server,
    )

    assert asked.stdout.strip() == "A login error."
    content = server.requests[0].json()["messages"][-1]["content"]
    assert [p["type"] for p in content] == ["image_url"]
    assert "Picture" in hearth("history", data_dir=data_dir).stdout


def test_ask_with_nothing_at_all_still_says_so(data_dir):
    result = hearth("ask", "", data_dir=data_dir, check=False)
    assert result.returncode != 0 and "There is nothing to ask." in result.stderr
