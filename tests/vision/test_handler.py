"""The multimodal chat handler chosen by the model's family, the messages it is given, and a
paired model loaded on real llama.cpp."""

from __future__ import annotations

import asyncio
import base64
import shutil

import pytest

from app.core.chat import ChatMessage
from app.core.errors import ModelLoadFailed
from app.core.images import ImagePart
from app.providers.llama_vision import HANDLERS, choose_handler, handler_messages
from tests.vision.projector_factory import write_projector


def _every(_name: str) -> bool:
    return True


@pytest.mark.parametrize(
    ("metadata", "handler"),
    [
        ({"general.name": "Qwen2.5-VL-3B-Instruct", "general.architecture": "qwen2vl"},
         "Qwen25VLChatHandler"),
        ({"general.name": "MiniCPM-V-2_6"}, "MiniCPMv26ChatHandler"),
        ({"general.name": "moondream2"}, "MoondreamChatHandler"),
        ({"general.name": "llava-v1.6-mistral-7b"}, "Llava16ChatHandler"),
        ({"general.architecture": "gemma3", "general.name": "Gemma 3 4b It"}, "Gemma3ChatHandler"),
        ({"general.architecture": "llama", "general.name": "SmolVLM 256M Instruct"},
         "MTMDChatHandler"),
    ],
)  # fmt: skip
def test_the_family_chooses_the_handler(metadata, handler):
    assert choose_handler(metadata, _every) == handler


def test_a_handler_missing_from_this_version_is_skipped():
    from llama_cpp import llama_chat_format

    def installed(name):
        return hasattr(llama_chat_format, name)

    chosen = choose_handler({"general.architecture": "gemma3"}, installed)
    assert installed(chosen)
    # The catch-all rows make sure every version has one.
    assert choose_handler({}, lambda n: n == "Llava15ChatHandler") == "Llava15ChatHandler"
    assert HANDLERS[-1].handler == "Llava15ChatHandler"


def test_pictures_go_as_image_url_data_urls_before_the_text():
    png = b"\x89PNG\r\n\x1a\nfake"
    messages = [
        ChatMessage("system", "Be brief."),
        ChatMessage("user", "What is this?", images=(ImagePart("image/png", 4, 4, data=png),)),
    ]
    built = handler_messages(messages)
    assert built[0] == {"role": "system", "content": "Be brief."}
    url = "data:image/png;base64," + base64.b64encode(png).decode()
    assert built[1] == {
        "role": "user",
        "content": [
            {"type": "image_url", "image_url": {"url": url}},
            {"type": "text", "text": "What is this?"},
        ],
    }


def test_a_projector_llama_cpp_refuses_is_said_in_plain_words(tmp_path, tiny_gguf):
    """Real llama.cpp: the text model loads, the (too small) projector is refused; the load
    fails in plain words naming the projector, and nothing stays loaded."""
    from app.core.chat import ModelInfo
    from app.providers.llama_local import LocalEngine

    model = tmp_path / "tiny-chat.gguf"
    shutil.copy(tiny_gguf, model)
    projector = write_projector(tmp_path / "mmproj-tiny-chat-f16.gguf")
    info = ModelInfo("tiny-chat", "local", "Tiny", path=str(model), projector=str(projector))
    engine = LocalEngine(n_threads=1, config_dir=tmp_path)

    async def body():
        with pytest.raises(ModelLoadFailed, match="image projector “mmproj-tiny-chat-f16.gguf”"):
            await engine.load(info)
        assert not engine.loaded
        await engine.close()

    asyncio.run(body())


def test_a_projector_gone_from_disk_is_said_in_plain_words(tmp_path, tiny_gguf):
    from app.core.chat import ModelInfo
    from app.providers.llama_local import LocalEngine

    gone = str(tmp_path / "mmproj-gone.gguf")
    info = ModelInfo("tiny-chat", "local", "Tiny", path=str(tiny_gguf), projector=gone)
    engine = LocalEngine(n_threads=1, config_dir=tmp_path)

    async def body():
        with pytest.raises(ModelLoadFailed, match="no longer at"):
            await engine.load(info)
        await engine.close()

    asyncio.run(body())
