"""Local vision: llama.cpp's multimodal chat handlers, chosen by the model's family.

llama-cpp-python ships one chat handler per vision model family (each knows its family's image
markers and prompt layout) plus, in newer versions, MTMDChatHandler, which uses the model's own
chat template with llama.cpp's mtmd image markers and so fits any family mtmd supports. Which
handler goes with which model is data: HANDLERS below, matched against the GGUF's architecture,
name and chat template; the first row whose handler exists in the installed version wins.

Images go to the handler as OpenAI-style `image_url` parts with data URLs, which every handler
reads. A turn with pictures runs on the model's owner thread: "Looking at the image…" first
(encoding a picture takes seconds on a CPU), then the handler's stream; Stop is checked before
encoding, aborts llama.cpp's batches through the abort hook, and is checked between tokens.
"""

from __future__ import annotations

import base64
import logging
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from app.core.chat import ChatMessage, ChatRequest
from app.core.errors import PromptTooLong
from app.core.events import Notice, StreamEvent
from app.providers.llama_turn import TextStream, TurnResult

log = logging.getLogger(__name__)

LOOKING = Notice(kind="looking_at_image", text="Looking at the image…")


@dataclass(frozen=True, slots=True)
class HandlerRule:
    """A handler class name and the words that identify its family, any of them matching the
    GGUF's architecture, its name, or its chat template (all lower-cased)."""

    handler: str
    architecture: tuple[str, ...] = ()
    name: tuple[str, ...] = ()
    template: tuple[str, ...] = ()


# Most specific first. Families whose prompt layout is not one of the named handlers (SmolVLM,
# Gemma 3, Qwen2.5-VL with its own template) use MTMDChatHandler, which follows the model's
# own chat template; the named handlers remain for older llama-cpp-python versions.
HANDLERS: tuple[HandlerRule, ...] = (
    HandlerRule("Qwen25VLChatHandler", name=("qwen2.5-vl", "qwen2.5vl", "qwen25vl")),
    HandlerRule("MiniCPMv26ChatHandler", name=("minicpm-v", "minicpm-o")),
    HandlerRule("MoondreamChatHandler", name=("moondream",)),
    HandlerRule("NanoLlavaChatHandler", name=("nanollava", "nano-llava")),
    HandlerRule("Llama3VisionAlphaChatHandler", name=("llama-3-vision-alpha", "llama3-vision")),
    HandlerRule("Gemma3ChatHandler", architecture=("gemma3",)),
    HandlerRule("Llava16ChatHandler", name=("llava-v1.6", "llava-1.6", "llava-next")),
    HandlerRule("MTMDChatHandler"),  # any family: the model's own template
    HandlerRule("Llava15ChatHandler"),  # the oldest handler, in every version
)


def choose_handler(metadata: dict[str, Any], available: Callable[[str], bool]) -> str:
    """The name of the chat handler for a model, from its GGUF metadata."""
    arch = str(metadata.get("general.architecture") or "").lower()
    name = str(metadata.get("general.name") or "").lower()
    template = str(metadata.get("tokenizer.chat_template") or "").lower()
    for rule in HANDLERS:
        if not available(rule.handler):
            continue
        if not (rule.architecture or rule.name or rule.template):
            return rule.handler
        if (
            any(a == arch for a in rule.architecture)
            or any(n in name for n in rule.name)
            or any(t in template for t in rule.template)
        ):
            return rule.handler
    raise LookupError("this llama-cpp-python has no multimodal chat handler")


def make_handler(metadata: dict[str, Any], projector: str) -> Any:
    """The handler instance for a loaded model, its projector loaded from `projector`."""
    from llama_cpp import llama_chat_format

    name = choose_handler(metadata, lambda n: hasattr(llama_chat_format, n))
    log.info("Local vision: %s with %s", name, projector)
    cls = getattr(llama_chat_format, name)
    generic = getattr(llama_chat_format, "MTMDChatHandler", None)
    if generic is not None and issubclass(cls, generic):
        template = str(metadata.get("tokenizer.chat_template") or "")
        cls = _with_text_content(cls) if not loops_over_parts(template) else cls
    return cls(clip_model_path=projector, verbose=False)


_PART_LOOP = re.compile(r"for\s+\w+\s+in\s+(?:message|msg|m)(?:\[['\"]content['\"]\]|\.content)")


def loops_over_parts(template: str) -> bool:
    """Whether a chat template walks a message's content parts (vision templates do); one that
    adds content as a string needs each message's parts joined into text first."""
    return bool(_PART_LOOP.search(template))


def _with_text_content(cls: type) -> type:
    """The generic handler, for a template that takes content as a string: the image parts
    become llama.cpp's media marker inside the text, where the handler puts the pictures."""

    class TextContentHandler(cls):  # type: ignore[misc, valid-type]
        def _get_template_messages(self, messages: Any, media_marker: str) -> list[Any]:
            out = []
            for message in super()._get_template_messages(messages, media_marker):
                content = message.get("content")
                if isinstance(content, list):
                    texts = [p.get("text", "") if isinstance(p, dict) else str(p) for p in content]
                    message = {**message, "content": "\n".join(t for t in texts if t)}
                out.append(message)
            return out

    TextContentHandler.__name__ = f"TextContent{cls.__name__}"
    return TextContentHandler


def handler_messages(messages: Sequence[ChatMessage]) -> list[dict[str, Any]]:
    """Messages as the handlers read them: a message with pictures has a list of parts, its
    pictures first (as most vision templates place them), then its text."""
    out: list[dict[str, Any]] = []
    for m in messages:
        if not m.images:
            out.append({"role": m.role, "content": m.content})
            continue
        parts: list[dict[str, Any]] = [
            {"type": "image_url", "image_url": {"url": data_url(image.mime, image.read())}}
            for image in m.images
        ]
        if m.content:
            parts.append({"type": "text", "text": m.content})
        out.append({"role": m.role, "content": parts})
    return out


def data_url(mime: str, data: bytes) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def has_images(messages: Sequence[ChatMessage]) -> bool:
    return any(m.images for m in messages)


def run_vision_turn(
    llama: Any,
    handler: Any,
    request: ChatRequest,
    stop: threading.Event,
    emit: Callable[[StreamEvent], None],
    stops: Sequence[str] = (),
) -> TurnResult:
    """One reply about pictures, on the owner thread. The handler evaluates the whole prompt
    (text and images) itself, so llama.cpp's cache starts over for this turn and after it."""
    result = TurnResult("stopped", 0, 0)
    if stop.is_set():
        return result
    emit(LOOKING)
    llama.should_abort = stop.is_set
    llama._arm_abort(True)  # the prompt's batches, images included, stop on Stop
    llama.prompt_eval_tokens = None
    text = TextStream(emit, stops)
    try:
        chunks = handler(
            llama=llama,
            messages=handler_messages(request.messages),
            temperature=request.temperature,
            max_tokens=request.max_tokens,
            seed=request.seed,
            stream=True,
        )
        result.evaluated = llama.n_tokens  # the handler evaluated the prompt before returning
        result.finish = "length"
        for chunk in chunks:
            if stop.is_set():
                result.finish = "stopped"
                break
            choice = chunk["choices"][0]
            piece = choice.get("delta", {}).get("content")
            if piece:
                result.output_tokens += 1
                if text.feed(piece.encode("utf-8")):
                    result.finish = "stop"
                    break
            if choice.get("finish_reason"):
                result.finish = choice["finish_reason"]
    except (RuntimeError, ValueError) as err:
        if stop.is_set():
            result.finish = "stopped"
        elif "exceeds n_ctx" in str(err):
            raise PromptTooLong() from err  # the picture's tokens do not fit the context
        else:
            raise
    finally:
        llama.should_abort = lambda: False
        llama._arm_abort(False)
        # The cache holds picture embeddings where llama-cpp-python's token list holds stale
        # ids; a later text-only turn must not take them for a matching prefix.
        llama.reset()
        llama._ctx.kv_cache_clear()
    text.finish()
    return result
