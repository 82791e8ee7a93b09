"""Embeddings from a local GGUF through llama.cpp, for searching documents by meaning.

Like a chat model, the embedding model has one owner thread, the only code that touches its
`Llama` (llama-cpp-python is not thread-safe), and it loads the way the CPU probe found safe on
this computer (`llama_probe.applied_config`). Texts are embedded in small batches so a stop or a
query waits at most one batch. Vectors come back L2-normalised float32, so a dot product is the
cosine similarity. Nothing here leaves the computer.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from app.core.embed_errors import CannotEmbed
from app.core.errors import Cancelled, HearthError, ModelLoadFailed
from app.providers import llama_probe
from app.providers.gguf_info import GgufDetails, read_gguf_details
from app.providers.llama_glue import llama_class, llama_cpp_module, recent_log
from app.providers.llama_local import default_threads
from app.providers.llama_owner import Owner

if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger(__name__)

# Tokens per text (longer texts are cut). Chunks are a few hundred tokens; a context of the full
# 2048 nomic-embed-text allows made each llama.cpp call about twice as slow for the same texts.
MAX_CONTEXT = 1024
BATCH_TEXTS = 16  # texts per llama.cpp call: a stop or a query waits at most this many


@dataclass(frozen=True, slots=True)
class Prefixes:
    """What a model wants before a text: retrieval models are trained with task instructions."""

    document: str = ""
    query: str = ""


_BGE_QUERY = "Represent this sentence for searching relevant passages: "
_NOMIC = Prefixes("search_document: ", "search_query: ")
# Matched in order against the GGUF's name and file name (lower case): the model cards' prefixes.
PREFIXES_BY_NAME: tuple[tuple[str, Prefixes], ...] = (
    ("nomic-embed", _NOMIC),
    ("bge-m3", Prefixes()),  # needs no instruction, unlike the English bge models
    ("bge-", Prefixes("", _BGE_QUERY)),
    ("mxbai-embed", Prefixes("", _BGE_QUERY)),
    ("snowflake-arctic-embed", Prefixes("", _BGE_QUERY)),
    ("e5-", Prefixes("passage: ", "query: ")),
    ("embeddinggemma", Prefixes("title: none | text: ", "task: search result | query: ")),
    (
        "qwen3-embedding",
        Prefixes(
            "",
            "Instruct: Given a web search query, retrieve relevant passages that answer the "
            "query\nQuery: ",
        ),
    ),
)
# When the name says nothing: by the GGUF's architecture.
PREFIXES_BY_ARCH: dict[str, Prefixes] = {"nomic-bert": _NOMIC, "nomic-bert-moe": _NOMIC}


def prefixes_for(details: GgufDetails) -> Prefixes:
    info = details.model_info
    names = " ".join(n for n in (info.display_name, Path(info.path or "").name) if n).lower()
    names = names.replace(" ", "-").replace("_", "-")
    for needle, prefixes in PREFIXES_BY_NAME:
        if needle in names:
            return prefixes
    return PREFIXES_BY_ARCH.get(info.architecture or "", Prefixes())


def model_key(path: str | Path) -> str:
    """The name vectors are stored under: the file's name without .gguf. Two quantizations of
    one model give different vectors, so they are different keys."""
    name = Path(path).name
    return name[: -len(".gguf")] if name.lower().endswith(".gguf") else name


class LlamaEmbedder:
    """One embedding model, loaded on first use and kept until close()."""

    def __init__(
        self,
        path: str | Path,
        *,
        config_dir: Path | None = None,
        n_threads: int | None = None,
        batch_texts: int = BATCH_TEXTS,
    ) -> None:
        self.path = Path(path)
        self.key = model_key(self.path)
        self.config_dir = config_dir  # where the CPU probe remembers its answer
        self.n_threads = n_threads or default_threads()
        self.batch_texts = batch_texts
        self.dim = 0
        self.prefixes = Prefixes()
        self._owner: Owner | None = None
        self._cancel = threading.Event()
        self._load_lock = asyncio.Lock()  # a query and the background embedding may both load

    @property
    def loaded(self) -> bool:
        return self._owner is not None

    async def load(self) -> None:
        """Load the model (once). Raises CannotEmbed for a chat-only model, else a HearthError."""
        async with self._load_lock:
            if self._owner is not None:
                return
            self._cancel = threading.Event()
            owner = Owner(name=f"llama-embed:{self.key}")
            try:
                await owner.call(lambda: self._load_on_owner(owner))
            except BaseException:
                self._cancel.set()  # also stops the probe if this task itself was cancelled
                owner.shut_down()
                raise
            self._owner = owner

    def _load_on_owner(self, owner: Owner) -> None:
        try:
            self._load_llama(owner)
        except HearthError:
            raise
        except Exception as err:
            log.exception("loading the embedding model %s failed", self.path)
            said = "".join(recent_log)
            if "unknown model architecture" in said:
                raise ModelLoadFailed(
                    "This embedding model's architecture is not supported by the built-in engine."
                ) from err
            raise ModelLoadFailed("The embedding model could not be loaded.") from err

    def _load_llama(self, owner: Owner) -> None:
        details = read_gguf_details(self.path)  # plain-words errors for broken files
        config = llama_probe.applied_config(self.config_dir, self._cancel)
        llama_cpp = llama_cpp_module()
        n_ctx = min(details.model_info.context_length or MAX_CONTEXT, MAX_CONTEXT)
        recent_log.clear()
        llama = llama_class()(
            str(self.path),
            on_progress=lambda _fraction: not self._cancel.is_set(),
            use_extra_bufts=config.use_extra_bufts,
            embedding=True,
            n_ctx=n_ctx,
            n_batch=n_ctx,
            n_ubatch=n_ctx,  # a non-causal model (BERT) needs each text in one micro-batch
            n_gpu_layers=-1 if llama_cpp.llama_supports_gpu_offload() else 0,
            n_threads=self.n_threads,
            n_threads_batch=self.n_threads,
            verbose=False,
        )
        if llama.pooling_type() == llama_cpp.LLAMA_POOLING_TYPE_NONE:
            # A chat model: llama.cpp would give one vector per token, not one per text.
            llama.close()
            raise CannotEmbed.named(details.model_info.display_name)
        owner.llama = llama
        self.dim = llama.n_embd()
        self.prefixes = prefixes_for(details)

    async def embed_documents(
        self, texts: Sequence[str], stop: threading.Event | None = None
    ) -> np.ndarray:
        """One row per text, with the model's document prefix. Raises Cancelled on `stop`."""
        return await self._embed([self.prefixes.document + t for t in texts], stop)

    async def embed_query(self, text: str) -> np.ndarray:
        """The vector of a question, with the model's query prefix."""
        return (await self._embed([self.prefixes.query + text], None))[0]

    async def embed_texts(self, texts: Sequence[str]) -> np.ndarray:
        """One row per text as given, no prefix (the local server's /v1/embeddings)."""
        return await self._embed(list(texts), None)

    async def _embed(self, texts: list[str], stop: threading.Event | None) -> np.ndarray:
        await self.load()
        owner = self._owner
        assert owner is not None
        return await owner.call(lambda: self._embed_on_owner(owner, texts, stop))

    def _embed_on_owner(
        self, owner: Owner, texts: list[str], stop: threading.Event | None
    ) -> np.ndarray:
        import numpy as np

        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for start in range(0, len(texts), self.batch_texts):
            if (stop is not None and stop.is_set()) or owner.llama is None:
                raise Cancelled()
            batch = texts[start : start + self.batch_texts]
            out[start : start + len(batch)] = owner.llama.embed(batch, truncate=True)
        return normalised(out)

    async def close(self) -> None:
        """Free the model now and end its thread."""
        self._cancel.set()
        owner, self._owner = self._owner, None
        if owner is not None:
            owner.shut_down()
            await asyncio.to_thread(owner.thread.join)


def normalised(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to length 1 (a zero row stays zero), as float32."""
    import numpy as np

    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return vectors / np.where(norms > 0, norms, 1.0).astype(np.float32)
