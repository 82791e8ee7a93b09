"""Long-term memory: remember facts, find the relevant ones for a turn, and keep them private.

Privacy rule: memories go to models on this computer (in-process, Ollama, LM Studio, any server
on loopback). A cloud provider gets them only if the user allowed it for that provider
(setting "memory_cloud_providers"). Suggestions are proposals: nothing is stored until approved,
and a cloud model is never asked unless the caller passes allow_cloud=True after asking the user.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass

from app.core.chat import ChatMessage, ChatRequest, ModelInfo
from app.core.errors import HearthError
from app.core.events import Error, TextDelta
from app.core.records import Message
from app.services.models import ModelService
from app.services.worker import DbWorker
from app.store import Store
from app.store import memory as store_memory
from app.store import personas as store_personas
from app.store.memory import DeletedMemory, Memory
from app.store.settings import Settings

PAUSED = "memory_paused"
CLOUD_PROVIDERS = "memory_cloud_providers"
SUGGESTIONS = "memory_suggestions"  # suggest facts after a conversation; off unless turned on
BUDGET = "memory_budget_tokens"
DEFAULT_BUDGET_TOKENS = 256
# Characters per token, roughly, for English text across common tokenizers. Only used to keep
# the memory block inside its budget, where being a little off does no harm.
CHARS_PER_TOKEN = 4
BULLET_TOKENS = 2  # "- " and the line break

MEMORY_HEADER = (
    "Things the user asked you to remember (use them only when they are relevant; "
    "do not mention this list):"
)
REMEMBER_COMMAND = "/remember"
MAX_SUGGESTIONS = 5
# The transcript a model reads when proposing facts: the end of the conversation matters most.
SUGGEST_TRANSCRIPT_CHARS = 12_000
SUGGEST_PROMPT = (
    "Read the conversation below. List facts about the user that are worth remembering for "
    "future conversations: lasting preferences, personal details they chose to share, ongoing "
    "projects. Write each fact as one short sentence about the user, on its own line starting "
    f'with "- ". Write at most {MAX_SUGGESTIONS}. If there is nothing worth remembering, '
    "reply with NONE."
)


class CloudMemoryNotAllowed(HearthError):
    action = "Choose a model on this computer, or allow it for this provider first."


@dataclass(frozen=True, slots=True)
class PromptPlan:
    """What goes into a turn's system prompt, and which memories are in it."""

    system_prompt: str
    memories: tuple[Memory, ...] = ()


def estimate_tokens(text: str) -> int:
    return max(1, math.ceil(len(text) / CHARS_PER_TOKEN))


def within_budget(
    ranked: list[Memory], budget_tokens: int, count: Callable[[str], int] = estimate_tokens
) -> list[Memory]:
    """Best first while they fit; a long memory that does not fit is skipped, not truncated."""
    chosen, used = [], 0
    for memory in ranked:
        cost = count(memory.text) + BULLET_TOKENS
        if used + cost <= budget_tokens:
            chosen.append(memory)
            used += cost
    return chosen


def system_prompt_with(memories: list[Memory] | tuple[Memory, ...], base: str) -> str:
    """The base system prompt followed by the memories as a short list."""
    base = (base or "").strip()
    if not memories:
        return base
    block = "\n".join([MEMORY_HEADER, *(f"- {m.text}" for m in memories)])
    return f"{base}\n\n{block}" if base else block


def parse_remember_command(text: str) -> str | None:
    """The fact in "/remember FACT", or None when the text is not that command."""
    stripped = (text or "").strip()
    if not _COMMAND.match(stripped):
        return None
    return stripped[len(REMEMBER_COMMAND) :].strip()


_COMMAND = re.compile(re.escape(REMEMBER_COMMAND) + r"(?:\s|$)", re.IGNORECASE)
_BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+(.*\S)\s*$")


def parse_suggestions(reply: str, existing: list[Memory]) -> list[str]:
    """Bullet lines of a model's reply, minus ones already remembered, at most MAX_SUGGESTIONS."""
    known = {m.text.casefold() for m in existing}
    found: list[str] = []
    for line in (reply or "").splitlines():
        match = _BULLET.match(line)
        if not match:
            continue
        fact = " ".join(match.group(1).split()).strip("\"'")
        if (
            fact
            and len(fact) <= store_memory.MAX_MEMORY_CHARS
            and fact.casefold() not in known
            and fact.upper() != "NONE"
        ):
            known.add(fact.casefold())
            found.append(fact)
    return found[:MAX_SUGGESTIONS]


def transcript(messages: list[Message], limit: int = SUGGEST_TRANSCRIPT_CHARS) -> str:
    lines = [
        f"{'User' if m.role == 'user' else 'Assistant'}: {m.content.strip()}"
        for m in messages
        if m.role in ("user", "assistant") and m.content.strip()
    ]
    text = "\n\n".join(lines)
    return text if len(text) <= limit else "…" + text[-limit:]


class MemoryService:
    def __init__(self, *, db: DbWorker, settings: Settings, models: ModelService) -> None:
        self._db = db
        self._settings = settings
        self._models = models

    # -- the memory manager ----------------------------------------------------------------------

    async def remember(self, *, text: str, source_message_id: int | None = None) -> Memory:
        """Store a fact ("Remember this" on a message passes the message id)."""
        return await self._db.call(
            store_memory.add_memory, text, source_message_id=source_message_id
        )

    async def command(self, *, text: str) -> Memory | None:
        """Handle "/remember FACT" typed in the composer; None when the text is not a command
        (the caller then sends it as a message)."""
        fact = parse_remember_command(text)
        if fact is None:
            return None
        if not fact:
            raise store_memory.MemoryTextInvalid(
                "There is nothing to remember.", action="Write the fact after /remember."
            )
        return await self.remember(text=fact)

    async def list(self) -> list[Memory]:
        return await self._db.call(store_memory.list_memories)

    async def edit(self, *, memory_id: int, text: str) -> Memory:
        return await self._db.call(store_memory.update_memory, memory_id, text)

    async def delete(self, *, memory_id: int) -> DeletedMemory:
        """Returns what was removed, for restore() (Undo)."""
        return await self._db.call(store_memory.delete_memory, memory_id)

    async def restore(self, *, deleted: DeletedMemory) -> Memory:
        return await self._db.call(store_memory.restore_memory, deleted)

    @property
    def paused(self) -> bool:
        return bool(self._settings.get(PAUSED, False))

    def pause_all(self) -> None:
        """No memory goes into any prompt until resume(); the memories themselves stay."""
        self._settings.set(PAUSED, True)

    def resume(self) -> None:
        self._settings.set(PAUSED, False)

    # -- the privacy rule --------------------------------------------------------------------------

    def cloud_providers(self) -> list[str]:
        return list(self._settings.get(CLOUD_PROVIDERS) or [])

    def allow_cloud(self, *, provider: str, allowed: bool) -> None:
        """Let (or stop letting) memories go to this cloud provider."""
        current = [p for p in self.cloud_providers() if p != provider]
        self._settings.set(CLOUD_PROVIDERS, [*current, provider] if allowed else current)

    def allowed_for(self, model: ModelInfo) -> bool:
        return model.is_local or model.provider in self.cloud_providers()

    # -- retrieval ---------------------------------------------------------------------------------

    @property
    def budget_tokens(self) -> int:
        return int(self._settings.get(BUDGET) or DEFAULT_BUDGET_TOKENS)

    async def relevant(self, *, query: str, budget_tokens: int | None = None) -> list[Memory]:
        """The memories sharing the most words with `query` (BM25), within the token budget."""
        budget = self.budget_tokens if budget_tokens is None else budget_tokens
        ranked = await self._db.call(store_memory.search_memories, query)
        return within_budget([m for m, _score in ranked], budget)

    async def memories_for(
        self, *, model: ModelInfo, query: str, budget_tokens: int | None = None
    ) -> list[Memory]:
        """What this model may be given for this turn: nothing while paused, nothing for a cloud
        provider the user has not allowed."""
        if self.paused or not self.allowed_for(model):
            return []
        return await self.relevant(query=query, budget_tokens=budget_tokens)

    async def plan_prompt(
        self,
        *,
        conversation_id: int,
        model: ModelInfo,
        history: list[Message],
        default_prompt: str | None = None,
    ) -> PromptPlan:
        """The system prompt for the next reply: the conversation's own prompt (a persona's, or
        one set for this chat), else `default_prompt` (the model's or the app-wide one), plus the
        memories relevant to the newest user message that this model may see."""
        own = await self._db.call(store_personas.conversation_system_prompt, conversation_id)
        if default_prompt is None:
            default_prompt = self._settings.get("system_prompt") or ""
        base = own if own is not None else default_prompt
        query = next((m.content for m in reversed(history) if m.role == "user"), "")
        memories = await self.memories_for(model=model, query=query)
        return PromptPlan(system_prompt_with(memories, base), tuple(memories))

    async def record_used(self, *, message_id: int, memories: list[Memory] | tuple) -> None:
        if memories:
            await self._db.call(store_memory.record_used, message_id, list(memories))

    async def used_by(self, *, message_id: int) -> list[Memory]:
        """The memories a reply was given, as they were worded then (click to see them)."""
        return await self._db.call(store_memory.used_by, message_id)

    async def used_by_many(self, *, message_ids: list[int]) -> dict[int, list[Memory]]:
        """used_by for the replies on screen, in one read; those given none are left out."""
        return await self._db.call(store_memory.used_by_many, list(message_ids))

    # -- suggestions -------------------------------------------------------------------------------

    @property
    def suggestions_enabled(self) -> bool:
        return bool(self._settings.get(SUGGESTIONS, False))

    def set_suggestions_enabled(self, enabled: bool) -> None:
        self._settings.set(SUGGESTIONS, enabled)

    def should_suggest_after(self, model: ModelInfo) -> bool:
        """Whether to propose facts on our own after a conversation: only when turned on, not
        paused, and through a model on this computer (a cloud model needs the user's yes)."""
        return self.suggestions_enabled and not self.paused and model.is_local

    async def suggest(
        self, *, conversation_id: int, model: ModelInfo, allow_cloud: bool = False
    ) -> list[str]:
        """Facts the model proposes from the conversation's shown branch. Nothing is stored:
        the user approves some with approve()."""
        if not model.is_local and not allow_cloud:
            raise CloudMemoryNotAllowed(
                f"Suggesting memories would send this conversation to "
                f"{model.provider_name or model.provider}."
            )
        messages = await self._db.call(Store.messages, conversation_id)
        text = transcript(messages)
        if not text:
            return []
        reply = await self._complete(model, text)
        return parse_suggestions(reply, await self.list())

    async def approve(
        self, *, proposals: list[str], source_message_id: int | None = None
    ) -> list[Memory]:
        return [await self.remember(text=p, source_message_id=source_message_id) for p in proposals]

    async def _complete(self, model: ModelInfo, conversation: str) -> str:
        request = ChatRequest(
            messages=(ChatMessage("system", SUGGEST_PROMPT), ChatMessage("user", conversation)),
            temperature=0.2,
            max_tokens=200,
            keep_cache=True,  # the chat may go on: its cache must survive the suggestions
        )
        return await complete_text(self._models, model, request)


async def complete_text(models: ModelService, model: ModelInfo, request: ChatRequest) -> str:
    """A whole reply as one string, for small side jobs (titles, suggestions)."""
    backend = await models.backend_for(model)
    parts: list[str] = []
    async for event in backend.stream_chat(request):
        if isinstance(event, TextDelta):
            parts.append(event.text)
        elif isinstance(event, Error):
            raise event.error
    return "".join(parts)
