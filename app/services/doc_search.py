"""Finding the passages of the user's documents that answer a question.

Two searches, fused by reciprocal rank fusion: FTS5 keywords (exact names and numbers, always
there, no download) and meaning, from vectors a local embedding model made of every chunk
(`embed_pending`, in the background). Without an embedding model, or while it cannot load, the
search is by keywords alone: documents are searchable the moment they are read.

The embedding model is the setting `docs_embed_model` (a GGUF path or a catalog name); unset, it
is the catalog's embedding model once downloaded. Embeddings are made on this computer only.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from app.core.doc_prompt import choose_passages
from app.core.documents import Passage, reciprocal_rank_fusion
from app.core.embed_errors import (
    CannotEmbed,
    EmbedModelNotDownloaded,
    EmbedModelNotFound,
)
from app.core.embed_models import can_embed
from app.core.errors import Cancelled, HearthError
from app.downloads.catalog import CatalogFile, CatalogModel, load_catalog
from app.paths import models_dir
from app.services.worker import DbWorker
from app.store import Store, doc_vectors
from app.store import documents as store_documents
from app.store.settings import Settings

if TYPE_CHECKING:  # the embedder (numpy, the GGUF reader) is imported when one is first made
    from app.providers.llama_embed import LlamaEmbedder

log = logging.getLogger(__name__)

SETTING = "docs_embed_model"
DEFAULT_BUDGET_TOKENS = 1500
CANDIDATES = 50  # taken from each search before fusing
EMBED_BATCH = 32  # chunks per round trip: read, embed, save


class StopFlag(Protocol):
    def is_set(self) -> bool: ...


@dataclass(frozen=True, slots=True)
class EmbedProgress:
    done: int  # chunks embedded in this run
    total: int  # chunks that had no vector when it started, plus any added since
    model: str


class DocumentSearch:
    def __init__(self, *, db: DbWorker, settings: Settings, data_dir: Path) -> None:
        self._db = db
        self._settings = settings
        self._data_dir = data_dir
        self._embedder: LlamaEmbedder | None = None
        self._embedding = asyncio.Lock()  # one background run at a time
        self._background: asyncio.Task | None = None  # chunks_added's run
        self._again = False
        self._stop_background = threading.Event()
        # Why search is by keywords only right now (a model that would not load), for the window.
        self.problem: HearthError | None = None
        # The file that would not load, not tried again at every question (a chat model's
        # gigabytes, read only to be refused); forgotten when another file is chosen.
        self._refused: tuple[Path, HearthError] | None = None

    # ---- which embedding model -----------------------------------------------------------------

    async def resolve_embed_model(self, name_or_path: str) -> Path:
        """The GGUF file for a path, a catalog name ("nomic-embed-text-v1.5", "…:Q8_0") or a
        registered model's name. Raises a plain error for a chat model of the catalog, a name
        not found, or a catalog model not downloaded yet."""
        path = await self._find_embed_model(name_or_path)
        await self._check_can_embed(path)
        return path

    async def _check_can_embed(self, path: Path) -> None:
        """A chat model is refused from its header (milliseconds), not after loading it."""
        from app.providers.gguf_info import read_gguf_details

        try:
            details = await asyncio.to_thread(read_gguf_details, path)
        except HearthError:
            return  # a broken file: loading it says why, in its own words
        info = details.model_info
        if not can_embed(info.architecture, details.pooling_type):
            raise CannotEmbed.named(info.display_name)

    async def _find_embed_model(self, name_or_path: str) -> Path:
        wanted = name_or_path.strip()
        path = Path(wanted).expanduser()
        if path.is_file():
            return path.resolve()
        found = load_catalog().find(wanted)
        if found is not None:
            model, file = found
            if not model.is_embedding:
                raise CannotEmbed.named(model.name)
            chosen = [file] if file is not None else list(model.files)
            for candidate in chosen:
                if (where := self.catalog_file_path(candidate)).is_file():
                    return where
            raise EmbedModelNotDownloaded.named(model.id if file is None else wanted)
        for info in await self._db.call(Store.local_models):
            if wanted in (info.id, info.display_name) and info.path:
                if Path(info.path).is_file():
                    return Path(info.path)
                raise EmbedModelNotFound(f"The file of “{wanted}” is missing: {info.path}.")
        if path.suffix.lower() == ".gguf" or len(path.parts) > 1:
            raise EmbedModelNotFound(f"There is no file at {path}.")
        raise EmbedModelNotFound(f"There is no embedding model called “{wanted}”.")

    def catalog_file_path(self, file: CatalogFile) -> Path:
        """Where a catalog file is once downloaded (DATA/models/<owner>/<repo>/<file>)."""
        owner, repo = file.repo.split("/", 1)
        return models_dir(self._data_dir) / owner / repo / file.file.rsplit("/", 1)[-1]

    def suggested_download(self) -> CatalogFile | None:
        """The catalog's embedding file to offer when documents are first added."""
        for model in load_catalog().embedding_models:
            return model.file_for("Q8_0") or (model.files[0] if model.files else None)
        return None

    async def embed_model_path(self) -> Path | None:
        """The chosen model's file; else the catalog's, when downloaded; else None."""
        chosen = self._settings.get(SETTING)
        if chosen:
            return await self.resolve_embed_model(chosen)
        return next((where for _model, _file, where in self.downloaded_catalog_files()), None)

    def downloaded_catalog_files(self) -> Iterator[tuple[CatalogModel, CatalogFile, Path]]:
        """The catalog's embedding files already on this computer, with where each is."""
        for model in load_catalog().embedding_models:
            for file in model.files:
                if (where := self.catalog_file_path(file)).is_file():
                    yield model, file, where

    async def use_embed_model(self, name_or_path: str | None) -> Path | None:
        """Check the model loads and makes embeddings, then remember it (None: back to the
        default). Raises CannotEmbed for a chat model, and nothing is changed."""
        if not name_or_path:
            self._settings.set(SETTING, None)
            await self._switch_to(None)
            return None
        path = await self.resolve_embed_model(name_or_path)
        from app.providers.llama_embed import LlamaEmbedder

        candidate = LlamaEmbedder(path, config_dir=self._data_dir)
        try:
            await candidate.load()
        except BaseException:
            await candidate.close()
            raise
        self._settings.set(SETTING, str(path))
        self._refused = self.problem = None
        await self._switch_to(candidate)
        return path

    async def embedder(self) -> LlamaEmbedder | None:
        """The embedder for the current choice (not loaded yet), or None: keyword search only."""
        path = await self.embed_model_path()
        if path is None:
            await self._switch_to(None)
        elif self._embedder is None or self._embedder.path != path:
            from app.providers.llama_embed import LlamaEmbedder

            await self._switch_to(LlamaEmbedder(path, config_dir=self._data_dir))
        return self._embedder

    async def loaded_embedder(self) -> LlamaEmbedder | None:
        """embedder(), loaded; raises the plain error of a model that cannot embed, once loaded
        and afterwards from memory."""
        embedder = await self.embedder()
        if embedder is None:
            return None
        if self._refused is not None and self._refused[0] == embedder.path:
            self.problem = self._refused[1]
            raise self._refused[1]
        try:
            await embedder.load()
        except HearthError as err:
            self._refused, self.problem = (embedder.path, err), err
            raise
        return embedder

    async def _switch_to(self, embedder: LlamaEmbedder | None) -> None:
        old, self._embedder = self._embedder, embedder
        if old is not None and old is not embedder:
            await old.close()

    # ---- embedding in the background -----------------------------------------------------------

    async def embed_pending(
        self,
        *,
        progress: Callable[[EmbedProgress], None] | None = None,
        cancel: StopFlag | None = None,
    ) -> int:
        """Embed every chunk that has no vector for the current model, a batch at a time, and
        return how many were embedded. The work runs on the model's thread and the database
        worker, never on the event loop. Stopped by `cancel` between batches; a later run goes
        on from there, since it only picks chunks still lacking a vector. No model: returns 0."""
        async with self._embedding:
            embedder = await self.loaded_embedder()
            if embedder is None:
                return 0
            key = embedder.key
            total = await self._db.call(doc_vectors.count_pending, key)
            done, after = 0, 0
            while not (cancel is not None and cancel.is_set()):
                batch = await self._db.call(
                    doc_vectors.pending_chunks, key, after=after, limit=EMBED_BATCH
                )
                if not batch:
                    break
                try:
                    vectors = await embedder.embed_documents([t for _, t in batch], stop=cancel)
                except Cancelled:
                    break
                ids = [cid for cid, _ in batch]
                rows = list(zip(ids, vectors, strict=True))
                await self._db.call(doc_vectors.save_vectors, key, rows)
                done, after = done + len(batch), ids[-1]
                total = max(total, done)  # chunks read meanwhile join this run
                if progress is not None:
                    progress(EmbedProgress(done, total, key))
            self.problem = None
            return done

    def chunks_added(self, _ids: list[int] | None = None) -> None:
        """New passages were read (DocumentService.on_chunks_written): embed them in the
        background, on the loop that called. Runs coalesce: one at a time, and one more after
        it when passages arrived meanwhile. Failures only leave search keyword-only (`problem`)."""
        if self._background is not None and not self._background.done():
            self._again = True
            return
        self._again = False
        self._background = asyncio.get_running_loop().create_task(self._embed_in_background())

    async def _embed_in_background(self) -> None:
        while True:
            try:
                if await self.embed_model_path() is not None:
                    await self.embed_pending(cancel=self._stop_background)
            except HearthError as err:
                log.info("Passages are found by keywords only: %s", err.plain())
            except Exception:
                log.warning("Embedding passages in the background failed", exc_info=True)
            if not self._again or self._stop_background.is_set():
                return
            self._again = False

    # ---- retrieval -----------------------------------------------------------------------------

    async def retrieve(
        self,
        question: str,
        *,
        collection_ids: list[int] | None = None,
        budget_tokens: int = DEFAULT_BUDGET_TOKENS,
    ) -> list[Passage]:
        """The passages best answering `question`, best first, as many as fit in
        `budget_tokens` (app.core.doc_prompt.choose_passages: the one budget rule, which also
        leaves out passages overlapping a better one). From the given collections, else from
        every enabled one. Keywords alone without a model."""
        if collection_ids is None:
            collection_ids = await self._db.call(store_documents.collection_ids)
        if not collection_ids or not question.strip():
            return []
        keyword = await self._db.call(
            store_documents.keyword_search, question, collection_ids=collection_ids,
            limit=CANDIDATES,
        )  # fmt: skip
        by_meaning = await self._vector_hits(question, collection_ids)
        fused = reciprocal_rank_fusion([p.chunk_id for p in keyword], by_meaning)
        scores = dict(fused[:CANDIDATES])
        found = await self._db.call(store_documents.passages, list(scores))
        ranked = [replace(p, score=scores[p.chunk_id]) for p in found]
        return choose_passages(ranked, budget_tokens)

    async def _vector_hits(self, question: str, collection_ids: list[int]) -> list[int]:
        try:
            embedder = await self.loaded_embedder()
            if embedder is None:
                return []
            query = await embedder.embed_query(question)
        except HearthError as err:
            # Documents stay searchable by their words; the window can say why not by meaning.
            log.warning("document search by meaning is off: %s", err.plain())
            self.problem = err
            return []
        hits = await self._db.call(
            doc_vectors.vector_search, embedder.key, query, collection_ids=collection_ids,
            limit=CANDIDATES,
        )  # fmt: skip
        self.problem = None
        return [cid for cid, _ in hits]

    async def close(self) -> None:
        self._stop_background.set()
        if self._background is not None and not self._background.done():
            await asyncio.wait([self._background])
        await self._switch_to(None)
