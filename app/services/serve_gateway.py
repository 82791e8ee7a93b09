"""One served request, from "which model?" to its usage row: the same rules as a chat in the
window. Wire formats are app/server's business; this module sees ServeCall in, stream events
out.

Order of checks (each a typed refusal the server turns into its API's error): the model is
offered (local by name; cloud only with server_cloud_models), offline mode, the budget's hard
stop, the privacy scan, then the local queue. Local replies take turns on the one engine through
the chat's ReplySource, so a served request and a window reply never run on it at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.core.chat import ChatRequest, ModelInfo
from app.core.embed_models import is_embedding_only
from app.core.errors import HearthError, ModelNotFound
from app.core.events import Done, Error, StreamEvent, TextDelta, Usage
from app.core.privacy import KIND_LABELS, scan_for_sensitive
from app.core.tools import ToolCall
from app.netguard import offline_mode_enabled
from app.providers.registry import LOCAL, parse_model_id
from app.services.serve_extras import (
    Extras,
    cloud_options,
    enrich,
    picture_tokens,
    prepare_images,
    sources,
)
from app.services.serve_records import (
    SERVER_DEFAULTS,
    RequestMeter,
    ServeCall,
    ServedRequest,
)
from app.services.serve_store import keep_as_chat, keep_usage
from app.services.serving_errors import (
    BudgetReached,
    CloudModelsOff,
    ModelNotServed,
    NotForThisModel,
    QueueFull,
    SecretsInRequest,
    ServedOffline,
)

if TYPE_CHECKING:
    from app.services.doc_chat import DocumentChat
    from app.services.memory import MemoryService
    from app.services.models import ModelService
    from app.services.reply_source import ReplySource
    from app.services.usage import UsageService
    from app.services.worker import DbWorker
    from app.store.settings import Settings

log = logging.getLogger(__name__)

# What the privacy check refuses to send on another app's behalf: secrets, not every e-mail
# address a source file mentions (the window asks about those; a server cannot ask).
SECRET_KINDS = frozenset({"api_key", "private_key", "card", "iban"})
PASSED_EVENTS = (TextDelta, ToolCall, Usage, Done, Error)


class ServedReply:
    """An admitted request: iterate events() once; close() ends it (also when never iterated)."""

    def __init__(self, gateway: Gateway, model: ModelInfo, call: ServeCall, meter: RequestMeter):
        self.model = model
        self.budget_warning = ""
        self.extras: Extras | None = None  # what the `hearth` field put into the request
        self.kept_messages = call.messages
        self._gateway, self._call, self._meter = gateway, call, meter
        self._text: list[str] = []
        self._closed = False
        self._finished = False  # Done or Error seen
        self._ending: asyncio.Future | None = None

    async def events(self) -> AsyncIterator[StreamEvent]:
        request = self._gateway.chat_request(self.model, self._call)
        queue: asyncio.Queue = asyncio.Queue()
        from app.services.reply_source import END

        task = asyncio.create_task(self._gateway.source.run(self.model, request, queue))
        try:
            while (event := await queue.get()) is not END:
                if not isinstance(event, PASSED_EVENTS):
                    continue  # loading progress, retries, notices: the window's business
                self._note(event)
                yield event
        finally:
            task.cancel()  # the client left: ReplySource's engine stops between two tokens
            # The rest runs as its own task: a cancelled caller (Starlette cancels the whole
            # response when the client leaves) would otherwise cancel the bookkeeping too.
            self._ending = asyncio.ensure_future(self._end(task))
            with contextlib.suppress(BaseException):
                await asyncio.shield(self._ending)

    async def _end(self, task: asyncio.Task) -> None:
        with contextlib.suppress(BaseException):
            await task
        await self.close()

    def _note(self, event: StreamEvent) -> None:
        meter = self._meter
        if isinstance(event, TextDelta):
            self._text.append(event.text)
        elif isinstance(event, Usage):
            meter.input_tokens, meter.output_tokens = event.input_tokens, event.output_tokens
            meter.cost_usd = self._gateway.usage.cost_for_reply(model=self.model, usage=event)
        elif isinstance(event, Error):
            self._finished = True
            meter.status, meter.detail = type(event.error).__name__, event.error.plain()
        elif isinstance(event, Done):
            self._finished = True
            if event.finish_reason == "stopped":
                meter.status = "stopped"

    def hearth_info(self) -> dict[str, Any] | None:
        """The response's `hearth` object (None unless the client asked): how many memories
        went in, and the passages the reply cited as its sources."""
        if self.extras is None:
            return None
        info: dict[str, Any] = {"memories": self.extras.memories}
        if self.extras.asked_documents:
            info["sources"] = sources("".join(self._text), self.extras.passages)
        return info

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._meter.status == "ok" and not self._finished:
            self._meter.status = "stopped"  # the client left before the end
            # No usage came: count what was sent (a local model's deltas are about one token).
            self._meter.output_tokens = self._meter.output_tokens or len(self._text)
        kept = replace(self._call, messages=self.kept_messages)
        await self._gateway.finish(self.model, kept, self._meter, "".join(self._text))


class Gateway:
    def __init__(
        self,
        *,
        settings: Settings,
        models: ModelService,
        usage: UsageService,
        db: DbWorker,
        source: ReplySource,
        record: Callable[[ServedRequest], None],
        memory: MemoryService | None = None,
        documents: DocumentChat | None = None,
    ) -> None:
        self.settings, self.models, self.usage, self.db, self.source = (
            settings,
            models,
            usage,
            db,
            source,
        )
        self._record = record
        self.memory, self.documents = memory, documents
        self._local_in_flight = 0
        self._embedder: Any = None  # LlamaEmbedder of the last embedding model asked for

    def _setting(self, key: str) -> Any:
        value = self.settings.get(key)
        return SERVER_DEFAULTS.get(key) if value is None else value

    # -- what is offered ---------------------------------------------------------------------

    async def offered(self) -> list[ModelInfo]:
        """Exactly the models other apps may use: local chat models, then (when shared) the
        cloud models that have a key."""
        found = list(await self.models.list_models())
        if self._setting("server_cloud_models"):
            for group in await self.models.all_models():
                if group.provider is not None and not group.needs_key:
                    found.extend(m for m in group.models if m.provider != LOCAL)
        return found

    async def embedding_models(self) -> list[ModelInfo]:
        """The local models /v1/embeddings takes (listed by /v1/models after the chat ones)."""
        models = await self.models.list_models(embedding=True)
        return [m for m in models if m.provider == LOCAL and is_embedding_only(m)]

    async def resolve(self, name: str) -> ModelInfo:
        if not name:
            raise ModelNotServed("The request names no model.")
        provider, _ = parse_model_id(name)
        if provider != LOCAL and not self._setting("server_cloud_models"):
            raise CloudModelsOff()
        try:
            model = await self.models.resolve(name)
        except ModelNotFound:
            raise ModelNotServed(f"There is no model called “{name}” on this server.") from None
        if model.provider == LOCAL and model.path and name not in (model.id, model.display_name):
            raise ModelNotServed()  # a file path is for the owner, not other apps
        return model

    # -- admitting a request -----------------------------------------------------------------

    async def open(self, call: ServeCall, meter: RequestMeter) -> ServedReply:
        """Check the request against the rules and hold its place; raises a ServerError (the
        refusal is recorded) or returns the reply to stream."""
        meter.model = call.model
        asked = call.messages
        try:
            model = await self.resolve(call.model)
            meter.model, meter.is_local = model.id, model.is_local
            warning = await self._check(model, call)
            call = replace(call, messages=await prepare_images(call.messages, model))
            extras = None
            if call.hearth is not None:
                extras = await enrich(
                    call.messages,
                    call.hearth,
                    model,
                    memory=self.memory,
                    documents=self.documents,
                )
                call = replace(call, messages=extras.messages)
            if not model.is_local:
                self._check_privacy(call, meter.client)
            if model.provider == LOCAL:
                self._take_local_place()
        except HearthError as err:
            meter.status, meter.detail = type(err).__name__, err.plain()
            await self.finish(None, call, meter, "")
            raise
        reply = ServedReply(self, model, call, meter)
        reply.budget_warning, reply.extras = warning, extras
        reply.kept_messages = asked  # a kept chat holds the app's words, not the passages
        return reply

    async def refuse(self, meter: RequestMeter, err: BaseException) -> None:
        """A request refused before open() (bad body, no token): still in the live list."""
        detail = err.plain() if isinstance(err, HearthError) else "failed unexpectedly"
        meter.status, meter.detail = type(err).__name__, detail
        self._record(meter.finished())

    async def _check(self, model: ModelInfo, call: ServeCall) -> str:
        if call.tools and model.provider == LOCAL and not model.takes_tools:
            raise NotForThisModel(
                f"{model.display_name} was not trained to use tools (its chat template offers "
                "none), so it cannot take “tools”.",
                action="Send the request without tools, or use a model that takes them.",
            )
        if model.is_local:
            return ""
        # Either the setting or the process-wide switch (app.netguard) is enough: the window
        # and `hearth --offline` set one or the other.
        if offline_mode_enabled() or offline_mode_enabled(self.settings.get("offline_mode")):
            raise ServedOffline()
        warning = ""
        if self.usage.monthly_budget is not None:  # the month's totals only when they matter
            budget = await self.usage.budget_status()
            price = self.usage.price_for(model)
            free = price is not None and price.is_free
            over = budget.spent >= (budget.budget or 0)
            if budget.hard_stop and over and not free:
                raise BudgetReached()
            warning = budget.message if budget.level >= 80 else ""
        return warning

    def _check_privacy(self, call: ServeCall, client: str) -> None:
        """After memories and passages went in: what would leave, all of it, is scanned."""
        if self.settings.get("privacy_check") is not False:
            allowed = self._setting("server_privacy_allowed") or []
            if client not in allowed:
                self._scan(call)

    def _scan(self, call: ServeCall) -> None:
        texts = [m.content for m in call.messages] + ([call.prompt] if call.prompt else [])
        for text in texts:
            for finding in scan_for_sensitive(text):
                if finding.kind in SECRET_KINDS:
                    what = KIND_LABELS.get(finding.kind, "a secret")
                    raise SecretsInRequest(
                        f"The request contains {what} ({finding.excerpt_redacted}), so Hearth "
                        "did not send it to a cloud model."
                    )

    def _take_local_place(self) -> None:
        waiting = self._local_in_flight  # the one running and those queued behind it
        if waiting > int(self._setting("server_queue_length") or 0):
            raise QueueFull(retry_after=max(2.0, 2.0 * waiting))
        self._local_in_flight += 1

    # -- embeddings ----------------------------------------------------------------------------

    async def embed(self, name: str, texts: list[str]) -> list[Any]:
        """Vectors from a local embedding model, one per text (not normalised differently from
        document search: unit length)."""
        models = await self.models.list_models(embedding=True)
        model = next((m for m in models if name in (m.id, m.display_name)), None)
        if model is None or not model.path or not is_embedding_only(model):
            raise ModelNotServed(f"There is no embedding model called “{name}” on this server.")
        embedder = self._embedder
        if embedder is None or embedder.path != Path(model.path):
            from app.providers.llama_embed import LlamaEmbedder

            if embedder is not None:
                await embedder.close()
            embedder = self._embedder = LlamaEmbedder(
                model.path, config_dir=self.settings.path.parent
            )
        return list(await embedder.embed_texts(texts))

    async def count_tokens(self, call: ServeCall) -> int:
        """Input tokens of a request: the loaded local model's own count, else an estimate; each
        picture by its provider's published rule, at the size it would be sent."""
        model = await self.resolve(call.model)
        pictures = await picture_tokens(call.messages, model)
        loaded = self.models.loaded
        if model.provider == LOCAL and loaded is not None and loaded.id == model.id:
            backend = await self.models.backend_for(model)
            return pictures + await backend.count_prompt_tokens(call.messages)
        from app.core.context import estimate_tokens

        return pictures + sum(estimate_tokens(m.content) + 4 for m in call.messages)

    async def embedded(self, meter: RequestMeter) -> None:
        from app.core.money import ZERO

        meter.cost_usd = ZERO
        self._record(meter.finished())

    async def close(self) -> None:
        if self._embedder is not None:
            await self._embedder.close()
            self._embedder = None

    # -- the request for the engine ----------------------------------------------------------

    def chat_request(self, model: ModelInfo, call: ServeCall) -> ChatRequest:
        temperature = call.temperature
        if temperature is None:
            temperature = float(self.settings.get("temperature") or 0.7)
        extra: dict[str, Any] = {}
        if model.provider == LOCAL:
            extra = {
                k: v
                for k, v in (
                    ("top_p", call.top_p),
                    ("stop", list(call.stop) or None),
                    ("json_schema", call.json_schema),
                    ("raw_prompt", call.prompt),
                )
                if v is not None
            }
        else:
            extra = {"provider_options": cloud_options(model, call)}
        return ChatRequest(
            messages=call.messages,
            temperature=temperature,
            max_tokens=call.max_tokens,
            seed=call.seed,
            extra=extra,
            tools=call.tools,
            tool_choice="required" if call.tool_choice == "required" else "auto",
        )

    # -- when it ends -----------------------------------------------------------------------

    async def finish(
        self, model: ModelInfo | None, call: ServeCall, meter: RequestMeter, text: str
    ) -> None:
        if model is not None and model.provider == LOCAL:
            self._local_in_flight = max(0, self._local_in_flight - 1)
        if model is not None and meter.cost_usd is None and model.is_local:
            from app.core.money import ZERO

            meter.cost_usd = ZERO
        done = meter.finished()
        self._record(done)
        if model is None:
            return
        # Queued on the database worker, not awaited: the answer need not wait for a commit
        # (tens of ms on a slow disk). Writes and later reads (the budget) keep their order.
        if self._setting("server_keep_chats") and text:
            written = self.db.submit(keep_as_chat, model, call.messages, text, done)
        else:
            written = self.db.submit(keep_usage, model, done)
        written.add_done_callback(_log_failure)


def _log_failure(future) -> None:
    if not future.cancelled() and future.exception() is not None:
        log.error("Could not store a served request's usage", exc_info=future.exception())
