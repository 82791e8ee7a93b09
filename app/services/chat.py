"""Send a message, stream the reply, write it as it streams, stop it."""

from __future__ import annotations

import asyncio
import concurrent.futures
import dataclasses
import logging
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import replace

from app.core.chat import ChatMessage, ModelInfo
from app.core.documents import Passage
from app.core.errors import HearthError, NoModelChosen, StorageError
from app.core.events import Done, Error, RequestSent, TextDelta, Usage
from app.core.records import Message
from app.core.where import sending_to, sent_to
from app.services.chat_images import ChatImages, ImageSource, KeptImage
from app.services.chat_prompt import PromptBuilder
from app.services.chat_updates import (
    ChatUpdate,
    FallbackUsed,
    ModelLoading,
    PassagesFound,
    ReplyFinished,
    ReplyStarted,
)
from app.services.doc_chat import DocumentChat, DocumentPlan, sources_for, with_passages
from app.services.memory import MemoryService
from app.services.models import ModelService
from app.services.reply_source import END, ReplySource
from app.services.reply_state import (
    SAVED_FIELDS,
    ReplyState,
    added_to,
    cloud_destination,
    provider_name,
)
from app.services.tool_loop import ToolLoop, ToolSession
from app.services.tools import ToolsService
from app.services.usage import UsageService
from app.services.worker import DbWorker
from app.store import Store
from app.store.settings import Settings

log = logging.getLogger(__name__)

# What an online model is asked after the partial reply, to go on with it ("Continue").
CONTINUE_PROMPT = (
    "Continue your previous reply exactly where it stopped. Do not repeat anything you already "
    "wrote and do not add an introduction."
)


class NothingToContinue(HearthError):
    message = "Only a reply that was stopped part-way can be continued."
    action = "Press Regenerate for a new reply instead."


def title_from(text: str, limit: int = 48, *, pictures: int = 0) -> str:
    words = " ".join(text.split())
    if not words and pictures:  # a picture sent without words
        return "Picture" if pictures == 1 else "Pictures"
    return words if len(words) <= limit else words[: limit - 1].rsplit(" ", 1)[0] + "…"


class ChatService:
    def __init__(
        self,
        db: DbWorker,
        models: ModelService,
        settings: Settings,
        *,
        usage: UsageService | None = None,
        memory: MemoryService | None = None,
        documents: DocumentChat | None = None,
        tools: ToolsService | None = None,
    ) -> None:
        self.documents = documents or DocumentChat(db=db, settings=settings)
        self._db = db
        self._usage = usage
        self._models = models
        self._settings = settings
        self._active: dict[asyncio.Task, ReplyState] = {}
        self._source = ReplySource(models, settings)
        self._tool_loop = ToolLoop(self._source, tools, settings) if tools else None
        self.images = ChatImages(db, models)
        self._prompt = PromptBuilder(models, settings, memory)

    @property
    def reply_source(self) -> ReplySource:
        """Where replies come from; the local server shares it, so local replies take turns."""
        return self._source

    @property
    def busy(self) -> bool:
        return any(not task.done() for task in self._active)

    def stop(self) -> None:
        """Stop every reply in progress now; what was written so far is kept, marked stopped."""
        self._models.cancel_load()
        for task, state in list(self._active.items()):
            state.stop_requested = True
            task.cancel()

    async def pick_model(self, model_id: str | None) -> ModelInfo:
        model_id = model_id or self._settings.get("default_model")
        if not model_id:
            models = await self._models.list_models()
            if not models:
                raise NoModelChosen()
            return models[0]
        return await self._models.resolve(model_id)

    async def find_passages(
        self, *, text: str, model_id: str | None = None, collection_ids: list[int] | None = None
    ) -> DocumentPlan:
        """The passages of the user's files that would go with `text` to this model (all enabled
        collections when None): to check them and say what leaves before a cloud send (its
        notice()), then send(documents=plan) sends exactly these."""
        model = await self.pick_model(model_id)
        return await self.documents.find(question=text, model=model, collection_ids=collection_ids)

    async def send(
        self,
        *,
        conversation_id: int | None,
        text: str,
        model_id: str | None = None,
        max_tokens: int | None = None,
        documents: DocumentPlan | None = None,
        images: Sequence[ImageSource | KeptImage] = (),
        tools: ToolSession | None = None,
    ) -> AsyncIterator[ChatUpdate]:
        """Store the message and stream the reply. With `documents`, passages of the user's files
        go with it (looked up first unless the plan has them) and the reply's cited ones are
        stored as its sources. `images`: files, bytes (a paste) or pictures already kept
        (self.images.keep, which says whether a location was removed); refused before anything
        is stored when the model cannot see them. `tools`: the model may call the enabled tools,
        each call approved through the session (app/services/tool_loop.py)."""
        model = await self.pick_model(model_id)
        await self.images.check(model, len(images))
        kept = await self.images.keep(images) if images else []
        conv, user = await self._add_user_message(conversation_id, text, pictures=len(kept))
        if kept:
            await self.images.attach(user.id, kept)
            user = await self._db.call(Store.message, user.id)
        async for update in self._reply(
            conv.id,
            model,
            parent_id=user.id,
            user_message=user,
            max_tokens=max_tokens,
            documents=documents,
            tools=tools,
        ):
            yield update

    async def reply_to(
        self,
        *,
        conversation_id: int,
        user_message_id: int,
        model_id: str | None = None,
        max_tokens: int | None = None,
        documents: DocumentPlan | None = None,
        tools: ToolSession | None = None,
    ) -> AsyncIterator[ChatUpdate]:
        """A reply to a user message already stored: edit and resend (HistoryService.edit).
        `documents` and `tools` as for send()."""
        model = await self.pick_model(model_id)
        user = await self._db.call(Store.message, user_message_id)
        async for update in self._reply(
            conversation_id,
            model,
            parent_id=user.id,
            user_message=user,
            max_tokens=max_tokens,
            documents=documents,
            tools=tools,
        ):
            yield update

    async def regenerate(
        self,
        *,
        conversation_id: int,
        model_id: str | None = None,
        documents: DocumentPlan | None = None,
        tools: ToolSession | None = None,
    ) -> AsyncIterator[ChatUpdate]:
        """A new reply to the last user message, by any model; the old reply stays in the tree."""
        history = await self._db.call(Store.messages, conversation_id)
        while history and history[-1].role != "user":
            history.pop()
        if not history:
            return
        model = await self.pick_model(model_id)
        async for update in self._reply(
            conversation_id,
            model,
            parent_id=history[-1].id,
            user_message=None,
            documents=documents,
            tools=tools,
        ):
            yield update

    async def continue_reply(
        self,
        *,
        message_id: int,
        max_tokens: int | None = None,
        documents: DocumentPlan | None = None,
        tools: ToolSession | None = None,
    ) -> AsyncIterator[ChatUpdate]:
        """A reply the user stopped goes on from where it stopped, by the same model, in the same
        message. A model on this computer continues its own text; an online model is sent the
        conversation with the partial reply and asked to go on (CONTINUE_PROMPT). `documents`,
        as for send(): a reply made with passages goes on with them (the same question finds
        the same ones), and its sources are what the whole reply cited. `tools`, as for send():
        the calls it makes now are added to those it made before."""
        reply = await self._db.call(Store.message, message_id)
        if reply.role != "assistant" or reply.status != "stopped" or not reply.content:
            raise NothingToContinue()
        model = await self.pick_model(reply.model_id)
        async for update in self._reply(
            reply.conversation_id,
            model,
            parent_id=reply.parent_id,
            user_message=None,
            max_tokens=max_tokens,
            continuing=reply,
            documents=documents,
            tools=tools,
        ):
            yield update

    async def compare(
        self,
        *,
        conversation_id: int | None,
        text: str,
        model_ids: list[str],
        documents: DocumentPlan | None = None,
    ) -> AsyncIterator[tuple[int, ChatUpdate]]:
        """One prompt to several models side by side: yields (column, update) as they stream.

        Every answer is stored as a sibling reply to the one user message; keep() picks the one
        the conversation goes on with (the others stay in the tree). With `documents`, every
        model gets the passages (the plan's, else each looks them up for its own budget).
        """
        models = [await self.pick_model(m) for m in model_ids]
        conv, user = await self._add_user_message(conversation_id, text)
        queue: asyncio.Queue = asyncio.Queue()

        async def column(index: int, model: ModelInfo) -> None:
            try:
                async for update in self._reply(
                    conv.id,
                    model,
                    parent_id=user.id,
                    user_message=user if index == 0 else None,
                    documents=documents,
                ):
                    queue.put_nowait((index, update))
            finally:
                queue.put_nowait((index, END))

        tasks = [asyncio.create_task(column(i, m)) for i, m in enumerate(models)]
        remaining = len(tasks)
        try:
            while remaining:
                index, update = await queue.get()
                if update is END:
                    remaining -= 1
                else:
                    yield index, update
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def keep(self, *, conversation_id: int, message_id: int) -> None:
        """Make this reply the one the conversation continues from (compare, regenerate)."""
        await self._db.call(Store.set_head, conversation_id, message_id)

    async def _add_user_message(self, conversation_id: int | None, text: str, *, pictures=0):
        title = title_from(text, pictures=pictures)
        if conversation_id is None:
            conv = await self._db.call(Store.create_conversation, title)
        else:
            conv = await self._db.call(Store.conversation, conversation_id)
            if conv.message_count == 0 and conv.title == "New chat":
                await self._db.call(Store.rename_conversation, conv.id, title)
        user = await self._db.call(Store.add_message, conv.id, role="user", content=text)
        return conv, user

    async def _reply(
        self,
        cid: int,
        model: ModelInfo,
        *,
        parent_id: int,
        user_message: Message | None,
        max_tokens: int | None = None,
        continuing: Message | None = None,
        documents: DocumentPlan | None = None,
        tools: ToolSession | None = None,
    ) -> AsyncIterator[ChatUpdate]:
        if continuing is None:
            reply = await self._db.call(
                Store.add_message,
                cid,
                role="assistant",
                content="",
                status="streaming",
                parent_id=parent_id,
                model_id=model.id,
                provider=model.provider,
                # "sent to" only once the request is written (RequestSent): app.core.where.
                destination=model.where if model.is_local else sending_to(provider_name(model)),
            )
        else:
            await self._db.call(Store.update_message, continuing.id, status="streaming")
            reply = await self._db.call(Store.message, continuing.id)
        self._remember_recent(model.id)
        conv = await self._db.call(Store.conversation, cid)
        history = await self._db.call(Store.messages_up_to, parent_id)
        plan = await self._prompt.plan(cid, model, history, reply.id)
        yield ReplyStarted(conv, user_message, reply, model, plan.memories)
        if continuing is not None:
            history = [*history, continuing]
        request = self._prompt.request(
            history, max_tokens=max_tokens, model=model, system_prompt=plan.system_prompt
        )
        request = await self.images.add_to(request, history, model)
        state = ReplyState()
        if continuing is not None:
            state.parts.append(continuing.content)  # the words so far stay; new ones follow
        queue: asyncio.Queue = asyncio.Queue()
        runner: asyncio.Task | None = None
        passages: tuple[Passage, ...] = ()
        try:
            if documents is not None:
                question = next((m.content for m in reversed(history) if m.role == "user"), "")
                found = await self.documents.for_reply(
                    documents, question=question, model=model, state=state, active=self._active
                )
                if found is not None:
                    passages = found.passages
                    request = with_passages(request, passages)
                    yield PassagesFound(passages, found.notice(model))
            if continuing is not None and not model.is_local:  # after the passages: they go
                # with the question, and "go on" stays the last word
                go_on = ChatMessage("user", CONTINUE_PROMPT)
                request = replace(request, messages=(*request.messages, go_on))
            if not state.stop_requested and state.error is None:
                if tools is not None and self._tool_loop is not None:
                    run = self._tool_loop.run(model, request, queue, tools)
                else:
                    run = self._source.run(model, request, queue)
                runner = asyncio.create_task(run)
                self._active[runner] = state
            while runner is not None:
                event = await queue.get()
                if event is END:
                    break
                if isinstance(event, TextDelta):
                    state.add_text(event.text)
                    if state.due_for_flush():
                        flush = self._db.submit(Store.update_message, reply.id, content=state.text)
                        flush.add_done_callback(state.note_write)
                elif isinstance(event, ModelLoading) and event.progress == 1.0:
                    state.started = time.perf_counter()  # time to first token excludes loading
                elif isinstance(event, RequestSent):
                    state.sent = True
                    if not model.is_local:
                        # At once, not with the next flush: a crash must not leave "sending to".
                        where = sent_to(provider_name(model))
                        self._db.submit(Store.update_message, reply.id, destination=where)
                elif isinstance(event, FallbackUsed):
                    state.answered_by = event.model
                elif isinstance(event, Usage):
                    state.usage = event
                    continue
                elif isinstance(event, Done):
                    state.finish_reason = event.finish_reason
                    continue
                elif isinstance(event, Error):
                    state.error = event.error
                    continue
                yield event
        finally:
            if runner is not None and not runner.done():
                runner.cancel()  # the consumer went away: stop generating
            self._active.pop(runner, None)
            values = state.final_values()
            if documents is not None:
                values["sources"] = sources_for(state.text, passages)
            if tools is not None:
                values["tool_calls"] = tools.record()
            values.update(cloud_destination(model, state))
            values["cost_usd"] = self._cost_text(model, state)
            if continuing is not None:
                values.update(added_to(continuing, values))
            # Written through the worker even if this generator is being closed.
            final = self._db.submit(Store.update_message, reply.id, **values)
        save_error = await self._written(final)
        if save_error is None:
            message = await self._db.call(Store.message, reply.id)
        else:  # the whole reply stays in memory, for the user to read and save later
            log.error("Reply %s could not be saved: %s", reply.id, save_error.plain())
            message = dataclasses.replace(reply, **values)
            self._db.submit(Store.update_message, reply.id, status="interrupted")
        yield ReplyFinished(message, state.error, save_error)

    async def _written(self, write: concurrent.futures.Future) -> StorageError | None:
        try:
            await asyncio.wrap_future(write)
        except StorageError as err:
            return err
        return None

    async def save_reply(self, *, message: Message) -> Message:
        """Write a reply that could not be saved when it finished (Retry saving): raises
        StorageError (DiskFull) again while there is still no room."""
        values = {f: getattr(message, f) for f in SAVED_FIELDS}
        await self._db.call(Store.update_message, message.id, **values)
        return await self._db.call(Store.message, message.id)

    def _cost_text(self, model: ModelInfo, state: ReplyState) -> str | None:
        """Exact cost as Decimal text; None when the price (or the token count) is unknown."""
        answered = state.answered_by or model  # the fallback model, when one took over
        if self._usage is None:
            return "0" if answered.is_local else None
        failed = state.error is not None and not state.parts
        return self._usage.cost_text_for_reply(model=answered, usage=state.usage, failed=failed)

    def _remember_recent(self, model_id: str) -> None:
        recent = [m for m in self._settings.get("recent_models") or [] if m != model_id]
        # Written off this thread: it is on the way to every reply's request.
        self._settings.set_soon("recent_models", [model_id, *recent][:8])
