"""Documents in the window: adding files and folders (buttons, or dropped anywhere on the main
window), reading them on the service's reading thread with progress, Cancel and Resume, the
collections' “use in chats” switches and the chip by the composer, the passages that go with a
message (and the sentence shown before they go to a cloud model), and the citations of a reply
opened in the side panel.

A controller MainWindow composes: it is given the services, the task keeper, the chat view and
the sidebar's Documents button, makes the chip and the side panel the window lays out, and asks
the window only through the narrow `DocumentHost` interface. Reading never runs on the event
loop (DocumentService reads on a thread of its own and writes through the database worker): the
loop only shows the progress it reports.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QPushButton, QVBoxLayout, QWidget

from app.core.chat import ModelInfo
from app.core.errors import HearthError
from app.core.records import Message
from app.services.doc_chat import DocumentPlan
from app.services.doc_indexing import IndexResult, Progress
from app.services.documents import AddResult, CollectionListing
from app.ui.documents.doc_text import finished_text, progress_state_text, progress_text
from app.ui.documents.documents_chip import DocumentsChip
from app.ui.documents.drop_files import DropCatcher

if TYPE_CHECKING:
    from app.services import Services
    from app.ui.chat import ChatView
    from app.ui.documents.documents_window import DocumentsWindow
    from app.ui.documents.embedding_choice import EmbeddingChoice
    from app.ui.documents.passage_panel import PassagePanel
    from app.ui.shell.tasks import TaskKeeper

log = logging.getLogger(__name__)

CITE = "cite/"
RELIST_EVERY_S = 0.5  # a reply's [n] marker or footer source: "cite/2"


class DocumentHost(Protocol):
    """What documents ask of the window."""

    def _warn(self, heading: str, detail: str) -> None: ...

    def _keep(self, dialog: QWidget) -> None: ...  # a non-modal dialog, kept alive while open


class DocumentController(QObject):
    listing_changed = Signal()  # the collections were listed again
    reading_done = Signal(object)  # IndexResult of a whole reading (tests and the bench wait)

    def __init__(
        self,
        window: QWidget,
        services: Services,
        tasks: TaskKeeper,
        *,
        button: QPushButton,
        chat_view: ChatView,
        host: DocumentHost,
    ) -> None:
        super().__init__(window)
        self.window = window
        self.services = services
        self.tasks = tasks
        self.chip = chip = DocumentsChip()  # MainWindow lays both out in the chat pane
        # The passage panel is built with the first citation opened (start-up stays quick); its
        # place beside the chat is this empty, hidden slot MainWindow lays out.
        self.side = QWidget()
        self.side.setLayout(QVBoxLayout())
        self.side.layout().setContentsMargins(0, 0, 0, 0)
        self.side.hide()
        self._panel: PassagePanel | None = None
        self.chat_view = chat_view
        self.host = host
        self.listing: list[CollectionListing] = []
        self.docs_window: DocumentsWindow | None = None
        self.reading: asyncio.Task | None = None
        self.last_progress: Progress | None = None
        self.status = ""  # the reading line when nothing is read
        self._cancel = asyncio.Event()
        self._again = False  # files were added while reading: read once more after
        self._relisting: asyncio.Task | None = None
        self.confirm_dialog: QWidget | None = None  # the passages-sent question, while open
        self.embedding_offer: QWidget | None = None  # shown once, when files are first added
        self.embedding_choice: EmbeddingChoice | None = None  # built with the Documents window
        self.drops = DropCatcher(window, self.add_dropped)
        chip.toggled_collection.connect(lambda n, on: self.tasks.spawn(self.set_enabled(n, on)))
        chip.manage_requested.connect(self.open_window)
        button.clicked.connect(lambda: self.open_window())
        chat_view.reply_action.connect(self._on_reply_action)

    @property
    def panel(self) -> PassagePanel:
        if self._panel is None:
            from app.ui.documents.passage_panel import PassagePanel

            self._panel = PassagePanel()
            self.side.layout().addWidget(self._panel)
            self.side.show()
        return self._panel

    # -- start and close ------------------------------------------------------------------------

    def start(self) -> asyncio.Task:
        """After the window is shown: list the collections, then re-scan the folders and read
        what is new, changed or was interrupted by the last quit."""
        self.drops.watch_children()  # the window is laid out: the composer takes files too
        return self.tasks.spawn(self._start(), name="documents")

    async def _start(self) -> None:
        await self.refresh_listing()
        if self.listing:
            self.read(refresh=True)

    def close(self) -> None:
        self._cancel.set()
        if self.docs_window is not None:
            self.docs_window.close()

    # -- the Documents window -------------------------------------------------------------------

    def open_window(self) -> DocumentsWindow:
        from app.ui.documents.documents_window import DocumentsWindow

        if self.docs_window is None:
            w = DocumentsWindow(self.window)
            w.add_requested.connect(lambda paths, c: self.tasks.spawn(self.add(paths, c)))
            w.rename_requested.connect(lambda old, new: self.tasks.spawn(self.rename(old, new)))
            w.remove_requested.connect(lambda _kind, what: self.tasks.spawn(self.remove(what)))
            w.enabled_changed.connect(lambda n, on: self.tasks.spawn(self.set_enabled(n, on)))
            w.cancel_requested.connect(self.cancel_reading)
            w.resume_requested.connect(lambda: self.read())
            self.docs_window = w
            w.show_listing(self.listing)
            self._show_state()
            from app.ui.documents.embedding_choice import EmbeddingChoice

            self.embedding_choice = EmbeddingChoice(self.services, self.tasks)
            w.show_search_choice(self.embedding_choice)
        self.embedding_choice.refresh()  # a model downloaded meanwhile is named
        self.docs_window.show()
        self.docs_window.raise_()
        self.docs_window.activateWindow()
        return self.docs_window

    def _show_state(self) -> None:
        w = self.docs_window
        if w is None:
            return
        p = self.last_progress
        if self.is_reading and p is not None:
            w.show_reading(progress_text(p), p.files_done, p.files_total)
        elif self.is_reading:
            w.show_reading("Looking for new and changed files…", 0, 0)
        else:
            waiting = sum(f.state in ("waiting", "reading") for e in self.listing for f in e.files)
            w.show_idle(self.status, can_resume=bool(waiting))

    async def refresh_listing(self) -> None:
        self.listing = await self.services.documents.list()
        self.chip.set_collections([(e.collection.name, e.collection.enabled) for e in self.listing])
        if self.docs_window is not None:
            self.docs_window.show_listing(self.listing)
            self._show_state()
        self.listing_changed.emit()

    def _relist_soon(self) -> None:
        """List again after a file is done: at most one listing at a time and a few a second,
        however fast small files are read (the list shows each file's state, not each page)."""
        if self._relisting is None or self._relisting.done():
            self._relisting = self.tasks.spawn(self._relist_after_pause(), name="documents-list")

    async def _relist_after_pause(self) -> None:
        await asyncio.sleep(RELIST_EVERY_S)
        await self.refresh_listing()

    # -- adding and reading ---------------------------------------------------------------------

    def add_dropped(self, paths: list[str]) -> None:
        """Files or folders dropped on the main window: a new collection named after the folder
        (or “My documents”), read at once, with the Documents window showing the progress."""
        self.open_window()
        self.tasks.spawn(self.add(paths, None), name="documents-add")

    async def add(self, paths: list[str], collection: str | None = None) -> AddResult | None:
        first = not self.listing
        try:
            result = await self.services.documents.add(paths, collection=collection)
        except HearthError as err:
            self.host._warn("These files could not be added", err.plain())
            return None
        if result.problems:
            lines = [f"{path}: {reason}" for path, reason in result.problems]
            self.host._warn("Some files could not be added", "\n".join(lines))
        await self.refresh_listing()
        if result.queued:
            self.read()
        if first:
            await self.offer_embedding()
        return result

    async def offer_embedding(self) -> None:
        """The first time documents are added: the catalog's embedding model, unless one is
        chosen or downloaded already, or the offer was declined (embedding_offer)."""
        from app.ui.documents.embedding_offer import OFFER_DECLINED, EmbeddingOffer

        search, settings = self.services.doc_search, self.services.settings
        file = search.suggested_download()
        if file is None or settings.get(OFFER_DECLINED):
            return
        try:
            if await search.embed_model_path() is not None:
                return
        except HearthError:
            return  # one is chosen, even if it can't be used now: not this offer's business
        offer = EmbeddingOffer(file)
        offer.accepted.connect(lambda f: self.tasks.spawn(self._download_embedding(f)))
        offer.declined.connect(lambda: settings.set(OFFER_DECLINED, True))
        self.embedding_offer = offer
        self.open_window().show_offer(offer)

    async def _download_embedding(self, file) -> None:
        try:
            await self.services.downloads.start_file(file=file)
        except HearthError as err:
            self.host._warn("The download could not start", err.plain())

    @property
    def is_reading(self) -> bool:
        return self.reading is not None and not self.reading.done()

    def read(self, *, refresh: bool = False) -> asyncio.Task:
        """Read what is queued, on the service's reading thread; one reading at a time (files
        added meanwhile are read by the same one, after)."""
        if self.is_reading:
            self._again = True
            return self.reading
        self._cancel = asyncio.Event()
        self.last_progress = None
        self.reading = self.tasks.spawn(self._read(refresh), name="documents-read")
        self._show_state()
        return self.reading

    def cancel_reading(self) -> None:
        self._cancel.set()

    async def _read(self, refresh: bool) -> IndexResult:
        docs = self.services.documents
        total = IndexResult()
        try:
            while True:
                self._again = False
                run = docs.refresh if refresh else docs.index
                result = await run(progress=self._on_progress, cancel=self._cancel)
                refresh = False
                total.ready += result.ready
                total.failed += result.failed
                total.chunks += result.chunks
                total.cancelled = result.cancelled
                if result.cancelled or not self._again:
                    break
            self.status = ""
        except HearthError as err:
            self.status = err.plain()
        except Exception:
            log.exception("Reading documents failed")
            self.status = "Reading stopped because of an unexpected problem. Try Resume reading."
        finally:
            self.reading = None
        await self.refresh_listing()
        if not self.status:
            left = sum(f.state in ("waiting", "reading") for e in self.listing for f in e.files)
            self.status = finished_text(len(total.ready), len(total.failed), total.cancelled, left)
        self._show_state()
        self.reading_done.emit(total)
        return total

    def _on_progress(self, p: Progress) -> None:
        self.last_progress = p
        if self.docs_window is not None:
            self.docs_window.show_reading(progress_text(p), p.files_done, p.files_total)
            failed = p.state == "failed"
            self.docs_window.show_file_state(p.file, progress_state_text(p), failed=failed)
        if p.state != "reading":
            self._relist_soon()  # a file is done: its state in the list

    # -- collections ----------------------------------------------------------------------------

    async def set_enabled(self, name: str, enabled: bool) -> None:
        await self._change(self.services.documents.set_enabled(name, enabled))

    async def rename(self, name: str, new_name: str) -> None:
        await self._change(self.services.documents.rename(name, new_name))

    async def remove(self, name_or_path: str) -> None:
        await self._change(self.services.documents.remove(name_or_path))

    async def _change(self, change) -> None:
        try:
            await change
        except HearthError as err:
            self.host._warn("That did not work", err.plain())
        await self.refresh_listing()

    # -- sending with documents (SendController asks) -----------------------------------------

    @property
    def in_use(self) -> bool:
        """A collection is on: passages of its files go with the next message."""
        return self.chip.in_use

    async def find(self, text: str, model: ModelInfo | None) -> DocumentPlan:
        """The passages for this message from the collections turned on (NoDocuments, said
        plainly, when none of their files is read yet)."""
        ids = await self.services.chat.documents.collection_ids(None)
        return await self.services.chat.find_passages(
            text=text, model_id=model.id if model else None, collection_ids=ids
        )

    def confirm(
        self,
        plan: DocumentPlan,
        model: ModelInfo,
        proceed: Callable[[], None],
        on_cancel: Callable[[], None],
    ) -> None:
        """Before passages go to a cloud model, the user reads how many and where to, and
        agrees; Cancel (or closing) sends nothing."""
        if plan.notice(model) is None:
            proceed()
            return
        from app.ui.documents.passages_confirm import PassagesConfirm

        dialog = PassagesConfirm(plan, model, self.window)
        dialog.decided.connect(lambda agreed: proceed() if agreed else on_cancel())
        self.confirm_dialog = dialog
        self.host._keep(dialog)
        dialog.open()

    # -- citations ------------------------------------------------------------------------------

    def _on_reply_action(self, action: str, message: Message) -> None:
        if action.startswith(CITE) and action[len(CITE) :].isdigit():
            self.show_citation(message, int(action[len(CITE) :]))

    def show_citation(self, message: Message, n: int) -> bool:
        """The side panel with source [n] of this reply, the question's words highlighted."""
        sources = message.cited_sources
        source = next((s for s in sources if s.get("n") == n), None)
        if source is None:
            return False
        question = ""
        if message.parent_id is not None:
            asked = self.chat_view.widget_for_message(message.parent_id)
            question = asked.message.content if asked is not None else ""
        self.panel.show_source(source, question)
        return True
