"""What a served request may carry beyond plain words: the user's memories and documents (only
when the client asks, through the `hearth` extension field) and pictures. The same services as
the window: memory recall (MemoryService.memories_for, with its privacy rule), document search
(DocumentChat: passages numbered into the newest user turn, the cited ones returned as sources),
and the window's picture preparation (upright, scaled for the provider, metadata stripped).

The request body's extension, in either API:

    "hearth": {"memory": true, "collections": ["Taxes 2026"]}     # or "documents": true (all)
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from app.core.chat import ChatMessage, ModelInfo
from app.core.doc_prompt import cited_passages, question_with_sources
from app.core.documents import Passage
from app.core.errors import HearthError
from app.core.images import ImagePart, ImageProblem, limit_for
from app.providers.registry import wire_of
from app.services.chat_images import can_see_images
from app.services.memory import system_prompt_with
from app.services.serve_records import HearthAsk, ServeCall
from app.services.serving_errors import BadRequest, NotForThisModel

if TYPE_CHECKING:
    from app.services.doc_chat import DocumentChat
    from app.services.memory import MemoryService

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Extras:
    """The request's messages with memories and passages in, and what went in."""

    messages: tuple[ChatMessage, ...]
    passages: tuple[Passage, ...] = ()
    memories: int = 0
    asked_documents: bool = False


def _last_user(messages: Sequence[ChatMessage]) -> int | None:
    return next((i for i in range(len(messages) - 1, -1, -1) if messages[i].role == "user"), None)


async def enrich(
    messages: tuple[ChatMessage, ...],
    ask: HearthAsk,
    model: ModelInfo,
    *,
    memory: MemoryService | None,
    documents: DocumentChat | None,
) -> Extras:
    """`messages` with the memories (system prompt) and passages (newest user turn) the client
    asked for. An unknown collection is a BadRequest naming the ones there are."""
    out = list(messages)
    last = _last_user(out)
    question = out[last].content if last is not None else ""
    memories: list = []
    if ask.memory and memory is not None:
        # The window's rule: nothing while paused, nothing for a cloud provider not allowed.
        memories = await memory.memories_for(model=model, query=question)
        if memories:
            _put_memories(out, memories)
    passages: tuple[Passage, ...] = ()
    if ask.wants_documents and documents is not None and last is not None:
        last = _last_user(out)  # the system turn may have moved it
        assert last is not None
        ids = await _collection_ids(documents, ask.collections)
        plan = await documents.find(question=question, model=model, collection_ids=ids)
        passages = plan.passages or ()
        out[last] = replace(out[last], content=question_with_sources(question, passages))
    return Extras(tuple(out), passages, len(memories), ask.wants_documents)


def _put_memories(messages: list[ChatMessage], memories: list) -> None:
    if messages and messages[0].role == "system":
        messages[0] = replace(
            messages[0], content=system_prompt_with(memories, messages[0].content)
        )
    else:
        messages.insert(0, ChatMessage("system", system_prompt_with(memories, "")))


async def _collection_ids(documents: DocumentChat, names: Sequence[str]) -> list[int]:
    try:
        if not names:
            return await documents.collection_ids()
        ids: list[int] = []
        for name in names:
            ids.extend(await documents.collection_ids(name))
        return ids
    except HearthError as err:  # UnknownCollection, NoDocuments: the client's request to fix
        raise BadRequest(err.message, action=_action(err)) from None


def _action(err: HearthError) -> str:
    if type(err).__name__ == "UnknownCollection":
        return 'Name one of these in "hearth": {"collections": [...]}.'
    return err.action or "Add files to the collection in Hearth first."


def sources(text: str, passages: Sequence[Passage]) -> list[dict[str, Any]]:
    """The passages the reply cited, each with its marker number n: {n, file, page, text, …}."""
    return [{"n": n, **p.source()} for n, p in cited_passages(text, passages)]


# -- pictures --------------------------------------------------------------------------------------


def has_images(messages: Sequence[ChatMessage]) -> bool:
    return any(m.images for m in messages)


async def prepare_images(
    messages: tuple[ChatMessage, ...], model: ModelInfo
) -> tuple[ChatMessage, ...]:
    """Each picture as the window sends it (upright, scaled to the provider's limit, no
    metadata); NotForThisModel when the model cannot see pictures."""
    if not has_images(messages):
        return messages
    if not can_see_images(model):
        raise NotForThisModel(
            f"{model.display_name} cannot see pictures, so the picture would be lost.",
            action="Send it to a model that sees images (GET /v1/models), or send words only.",
        )
    limit = limit_for(wire_of(model.id))
    out = []
    for message in messages:
        if message.images:
            parts = [await asyncio.to_thread(_prepare, part, limit) for part in message.images]
            message = replace(message, images=tuple(parts))
        out.append(message)
    return tuple(out)


async def picture_tokens(messages: tuple[ChatMessage, ...], model: ModelInfo) -> int:
    """What the pictures of a request cost in tokens (count_tokens): prepared as they would be
    sent, then counted by the provider's rule (a local model by OpenAI's, an estimate)."""
    if not has_images(messages):
        return 0
    from app.core.image_cost import images_tokens

    prepared = await prepare_images(messages, model)
    sizes = [(p.width, p.height) for m in prepared for p in m.images]
    wire = wire_of(model.id)
    return images_tokens("openai" if wire == "local" else wire, sizes)


def _prepare(part: ImagePart, limit) -> ImagePart:
    from app.images.prepare import prepare_image  # Pillow: imported with the first picture

    try:
        ready = prepare_image(part.read(), limit)
    except ImageProblem as err:
        raise BadRequest(err.message, action=err.action) from None
    return ImagePart(ready.mime, ready.width, ready.height, data=ready.data)


# -- cloud request fields --------------------------------------------------------------------------


def cloud_options(model: ModelInfo, call: ServeCall) -> dict[str, Any]:
    """The fields a cloud provider takes beyond Hearth's common request, in its own words."""
    wire = wire_of(model.id)
    options: dict[str, Any] = {}
    if call.top_p is not None:
        options["top_p"] = call.top_p
    if call.stop and wire == "anthropic":
        options["stop_sequences"] = list(call.stop)
    elif call.stop and wire == "openai":
        options["stop"] = list(call.stop)
    if call.tools and call.tool_choice == "required" and wire in ("openai", "anthropic"):
        options["tool_choice"] = {"type": "any"} if wire == "anthropic" else "required"
    if call.json_schema is not None and wire == "openai":
        options["response_format"] = {"type": "json_schema", "json_schema": call.json_schema}
    return options
