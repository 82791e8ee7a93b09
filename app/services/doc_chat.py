"""Asking about documents: which collections a question searches, the passages that go with it
into the prompt, the sources a reply cited, and what the user is told before passages leave this
computer.

Retrieval is a callable handed in (`retrieve(question=, collection_ids=, budget_tokens=)`, async,
best passages first, kept to the budget by app.core.doc_prompt.choose_passages): keyword search
on the database worker by default; open_services() passes the better one (DocumentSearch.retrieve)
once it exists. Nothing else here depends on which.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace

from app.core.chat import ChatRequest, ModelInfo
from app.core.doc_prompt import (
    choose_passages,
    cited_passages,
    question_with_sources,
    sources_json,
)
from app.core.documents import Passage
from app.core.errors import HearthError
from app.core.where import passages_sent
from app.services.reply_state import ReplyState, provider_name
from app.services.worker import DbWorker
from app.store import doc_sources
from app.store import documents as store_documents
from app.store.doc_sources import CollectionName
from app.store.settings import Settings

log = logging.getLogger(__name__)

Retrieve = Callable[..., Awaitable[list[Passage]]]

BUDGET = "documents_budget_tokens"
DEFAULT_BUDGET_TOKENS = 1500
# Passages take at most this share of a model's context window: the conversation, the question
# and the reply need the rest.
CONTEXT_SHARE = 1 / 3
KEYWORD_CANDIDATES = 50


class NoDocuments(HearthError):
    message = "You have no documents to ask about yet."
    action = "Add files to a collection first."


class UnknownCollection(HearthError):
    def __init__(self, name: str, names: Sequence[str]) -> None:
        known = ", ".join(f"“{n}”" for n in names)
        super().__init__(
            f"There is no collection named “{name}”. Your collections: {known}.",
            action="Ask with one of these names, or with --docs alone for all of them.",
        )


@dataclass(frozen=True, slots=True)
class DocumentPlan:
    """The documents a reply is asked with: which collections, and the passages once looked up.

    Look them up first (ChatService.find_passages) to check them and tell the user before a
    cloud send; send() then uses exactly those. Without passages, send() looks them up itself.
    """

    collection_ids: tuple[int, ...] | None = None  # None: every enabled collection
    passages: tuple[Passage, ...] | None = None  # None: not looked up yet

    def notice(self, model: ModelInfo) -> str | None:
        """ "3 passages from your files will be sent to OpenAI."; None when nothing leaves."""
        if model.is_local or not self.passages:
            return None
        return passages_sent(len(self.passages), provider_name(model))


def keyword_retriever(db: DbWorker) -> Retrieve:
    """Retrieval by keywords alone (FTS5, BM25), within the budget."""

    async def retrieve(
        *, question: str, collection_ids: list[int], budget_tokens: int
    ) -> list[Passage]:
        ranked = await db.call(
            store_documents.keyword_search,
            question,
            collection_ids=list(collection_ids),
            limit=KEYWORD_CANDIDATES,
        )
        return choose_passages(ranked, budget_tokens)

    return retrieve


class DocumentChat:
    def __init__(
        self, *, db: DbWorker, settings: Settings, retrieve: Retrieve | None = None
    ) -> None:
        self._db = db
        self._settings = settings
        self._retrieve = retrieve or keyword_retriever(db)

    async def collections(self) -> list[CollectionName]:
        return await self._db.call(doc_sources.collection_names)

    async def collection_ids(self, name: str | None = None) -> list[int]:
        """The named collection's id, or every enabled one's (None). UnknownCollection names the
        ones there are; NoDocuments when there is nothing to search in them yet."""
        collections = await self.collections()
        if not collections:
            raise NoDocuments()
        if name is None:
            ids = [c.id for c in collections if c.enabled]
        else:
            ids = await self._db.call(store_documents.collection_ids, [name])
            if not ids:
                raise UnknownCollection(name, [c.name for c in collections])
        if not await self._db.call(doc_sources.searchable_chunks, ids):
            if name is None:
                raise NoDocuments("None of your collections has a file read yet.")
            raise NoDocuments(f"The collection “{name}” has no file read yet.")
        return ids

    def budget_for(self, model: ModelInfo) -> int:
        budget = int(self._settings.get(BUDGET) or DEFAULT_BUDGET_TOKENS)
        if model.context_length:
            budget = min(budget, int(model.context_length * CONTEXT_SHARE))
        return max(budget, 0)

    async def find(
        self, *, question: str, model: ModelInfo, collection_ids: Sequence[int] | None = None
    ) -> DocumentPlan:
        """The passages for this question and model (the budget follows its context window)."""
        ids = (
            list(collection_ids)
            if collection_ids is not None
            else await self._db.call(store_documents.collection_ids)
        )
        budget = self.budget_for(model)
        found: list[Passage] = []
        if ids and question.strip() and budget:
            # The retriever keeps to the budget (app.core.doc_prompt.choose_passages): not
            # chosen a second time here.
            result = self._retrieve(question=question, collection_ids=ids, budget_tokens=budget)
            found = await result if inspect.isawaitable(result) else result
        return DocumentPlan(None if collection_ids is None else tuple(ids), tuple(found))

    async def for_reply(
        self,
        plan: DocumentPlan,
        *,
        question: str,
        model: ModelInfo,
        state: ReplyState,
        active: dict[asyncio.Task, ReplyState],
    ) -> DocumentPlan | None:
        """The plan with its passages, looked up now unless it has them. The lookup is one of
        the chat's `active` tasks, so Stop cancels it as it cancels a reply; a failed lookup
        becomes the reply's error. None when stopped or failed."""
        if plan.passages is not None:
            return plan
        lookup = asyncio.create_task(
            self.find(question=question, model=model, collection_ids=plan.collection_ids)
        )
        active[lookup] = state
        try:
            return await lookup
        except asyncio.CancelledError:
            if not state.stop_requested:
                raise
        except HearthError as err:
            state.error = err
        except Exception:
            log.exception("Looking up passages failed")
            state.error = HearthError("Your documents could not be searched.", action="Try again.")
        finally:
            active.pop(lookup, None)
        return None


def with_passages(request: ChatRequest, passages: Sequence[Passage]) -> ChatRequest:
    """The request with the numbered passages and the citing rule put into its newest user
    turn (the stored message stays the user's own words)."""
    messages = list(request.messages)
    for i in range(len(messages) - 1, -1, -1):
        if messages[i].role == "user":
            question = question_with_sources(messages[i].content, passages)
            messages[i] = replace(messages[i], content=question)  # its pictures stay with it
            break
    return replace(request, messages=tuple(messages))


def sources_for(reply: str, passages: Sequence[Passage]) -> str | None:
    """messages.sources for a finished reply: the passages it cited (None: it cited none)."""
    return sources_json(cited_passages(reply, passages))
