"""Use cases over the store and the engines. Plain async Python, no Qt."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

# The services are imported when open_services() builds them, not with this package: the command
# line's read-only listings use two of them and skip the rest (httpx, the engines, downloads).
if TYPE_CHECKING:
    from app.services.chat import ChatService
    from app.services.conversations import ConversationService
    from app.services.doc_search import DocumentSearch
    from app.services.documents import DocumentService
    from app.services.downloads import DownloadService
    from app.services.history import HistoryService
    from app.services.memory import MemoryService
    from app.services.models import ModelService
    from app.services.providers import ProviderService
    from app.services.serving import ServerService
    from app.services.tools import ToolsService
    from app.services.transfer import TransferService
    from app.services.usage import UsageService
    from app.services.worker import DbWorker
    from app.store.settings import Settings


@dataclass
class Services:
    data_dir: Path
    db: DbWorker
    settings: Settings
    models: ModelService
    chat: ChatService
    conversations: ConversationService
    providers: ProviderService
    downloads: DownloadService
    usage: UsageService
    memory: MemoryService
    history: HistoryService
    transfer: TransferService
    documents: DocumentService
    doc_search: DocumentSearch
    tools: ToolsService
    server: ServerService  # the local API server (off until started)

    async def close(self) -> None:
        await self.server.stop()
        self.chat.stop()
        await self.tools.close()
        self.documents.close()
        await self.downloads.close()
        await self.doc_search.close()
        await self.models.close()
        self.db.close()
        self.settings.flush()  # a write set_soon started is on disk before the next open


@dataclass
class Listings:
    """What the command line's read-only listings (history, search, models) use: the store
    without sqlite-utils when it needs no migrating (Store.for_listing), and no engine, httpx or
    download code, so `hearth history` starts in a fraction of the time."""

    data_dir: Path
    db: DbWorker
    settings: Settings
    models: ModelService
    conversations: ConversationService
    history: HistoryService

    async def close(self) -> None:
        self.db.close()


def open_listings(data_dir: Path) -> Listings:
    from app.paths import db_path
    from app.services.conversations import ConversationService
    from app.services.history import HistoryService
    from app.services.models import ModelService
    from app.services.worker import DbWorker
    from app.store.settings import Settings

    db = DbWorker(db_path(data_dir), for_listing=True)
    settings = Settings(data_dir / "settings.json")
    models = ModelService(db, settings)
    return Listings(
        data_dir=data_dir,
        db=db,
        settings=settings,
        models=models,
        conversations=ConversationService(db),
        history=HistoryService(db=db, models=models),
    )


def open_services(data_dir: Path) -> Services:
    from app.paths import db_path
    from app.providers.model_vision import sees_images
    from app.providers.prices import PriceBook
    from app.services.chat import ChatService
    from app.services.conversations import ConversationService
    from app.services.doc_chat import DocumentChat
    from app.services.doc_search import DocumentSearch
    from app.services.documents import DocumentService
    from app.services.downloads import DownloadService
    from app.services.history import HistoryService
    from app.services.memory import MemoryService
    from app.services.models import ModelService
    from app.services.providers import ProviderService
    from app.services.serving import ServerService
    from app.services.tools import ToolsService
    from app.services.transfer import TransferService
    from app.services.usage import UsageService
    from app.services.worker import DbWorker
    from app.store.settings import Settings

    db = DbWorker(db_path(data_dir))
    settings = Settings(data_dir / "settings.json")
    models = ModelService(db, settings)
    memory = MemoryService(db=db, settings=settings, models=models)
    # Documents: read into passages (documents), embedded in the background as they are read
    # and found again by keywords and meaning (doc_search), given to replies (doc_chat).
    doc_search = DocumentSearch(db=db, settings=settings, data_dir=data_dir)
    documents = DocumentService(db, settings, on_chunks_written=doc_search.chunks_added)
    doc_chat = DocumentChat(db=db, settings=settings, retrieve=doc_search.retrieve)
    prices = PriceBook.load(settings.get("price_overrides") or {}, data_dir=data_dir)
    models.vision = partial(sees_images, prices)
    usage = UsageService(db, settings, prices, data_dir=data_dir)
    tools = ToolsService(settings)
    chat = ChatService(
        db, models, settings, usage=usage, memory=memory, documents=doc_chat, tools=tools
    )
    return Services(
        data_dir=data_dir,
        db=db,
        settings=settings,
        models=models,
        chat=chat,
        conversations=ConversationService(db),
        providers=ProviderService(models, settings),
        downloads=DownloadService(models=models, settings=settings, data_dir=data_dir),
        usage=usage,
        memory=memory,
        history=HistoryService(db=db, models=models),
        transfer=TransferService(db=db),
        documents=documents,
        doc_search=doc_search,
        tools=tools,
        # Served requests take turns on the one engine with the window's replies.
        server=ServerService(
            settings=settings,
            models=models,
            usage=usage,
            db=db,
            source=chat.reply_source,
            memory=memory,
            documents=doc_chat,
        ),
    )
