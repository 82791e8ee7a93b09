"""Attaching pictures to the message being written, and what sending them asks first.

A controller MainWindow composes: it is given the services, the task keeper, the composer (it
adds the thumbnail strip and the paperclip there, and takes pasted or dropped pictures through
the composer's one `mime_hook`), the widgets a picture may be dropped on (the chat, the empty
chat) and the model controller (which models can see). The send controller asks it for the
pictures (`kept`) and, before a send, whether the model can see them (`check_model`).

Drops: a drag of pictures only is taken here; a drag with any other file (a PDF, or a PDF beside
a photo) passes through whole, to the documents' drop on the window, which can hand picture
files back through `add_file` (`is_image_file` tells them apart).

Every picture is made safe as soon as it is attached: decoded, turned upright, scaled and
stripped of its metadata by the services on a worker thread (ChatService.images.keep), while its
thumbnail is read at its small size on another. The UI thread never decodes a photo. Files that
are not pictures are left alone (they become documents elsewhere).
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QBuffer, QEvent, QIODevice, QMimeData, QObject, QSize, Qt
from PySide6.QtGui import QGuiApplication, QImage
from PySide6.QtWidgets import QFileDialog, QToolButton, QWidget

from app.core.chat import ModelInfo
from app.core.errors import HearthError
from app.services.chat_images import PASTED, KeptImage, can_see_images
from app.ui.images.image_offer import SeeingModelsOffer
from app.ui.images.image_strip import COMPOSER_THUMB, AttachmentStrip, paperclip_icon
from app.ui.images.image_thumbs import is_image_file, read_thumbnail, set_data_dir, shrink

if TYPE_CHECKING:
    from app.services import Services
    from app.ui.chat import Composer
    from app.ui.models import ModelController
    from app.ui.shell.tasks import TaskKeeper

FILE_FILTER = "Pictures (*.png *.jpg *.jpeg *.webp *.gif *.heic *.heif)"
_DRAG_EVENTS = (QEvent.Type.DragEnter, QEvent.Type.DragMove, QEvent.Type.Drop)


@dataclass
class Attached:
    number: int
    name: str
    kept: KeptImage | None = None
    task: asyncio.Task | None = None


class ImageController(QObject):
    def __init__(
        self,
        window: QWidget,
        services: Services,
        tasks: TaskKeeper,
        *,
        composer: Composer,
        drop_on: list[QWidget],
        models: ModelController,
    ) -> None:
        super().__init__(window)
        self.window = window
        self.services = services
        self.tasks = tasks
        self.composer = composer
        self.models = models
        self.attached: dict[int, Attached] = {}
        self._numbers = itertools.count(1)
        self.offer: SeeingModelsOffer | None = None
        self.file_dialog: QFileDialog | None = None
        set_data_dir(services.data_dir)
        self.strip = AttachmentStrip(composer)
        self.strip.remove_requested.connect(self.remove)
        self.paperclip = QToolButton(composer)
        self.paperclip.setObjectName("attachButton")
        self.paperclip.setIcon(paperclip_icon(composer.palette().text().color()))
        self.paperclip.setIconSize(QSize(20, 20))
        self.paperclip.setAutoRaise(True)
        self.paperclip.setCursor(Qt.CursorShape.PointingHandCursor)
        self.paperclip.setToolTip("Attach pictures (or paste one, or drop it here)")
        self.paperclip.clicked.connect(self.choose_files)
        composer.add_attachments(self.strip, self.paperclip)
        composer.edit.mime_hook = self
        composer.image_sizes = self.sizes
        composer.attachment_count = lambda: self.count
        for widget in drop_on:
            viewport = widget.viewport() if hasattr(widget, "viewport") else None
            for target in (widget, viewport):
                if target is not None:
                    target.setAcceptDrops(True)
                    target.installEventFilter(self)

    # -- what is attached ------------------------------------------------------------------------

    @property
    def count(self) -> int:
        return len(self.attached)

    @property
    def preparing(self) -> bool:
        return any(a.kept is None for a in self.attached.values())

    def kept(self) -> list[KeptImage]:
        """The pictures ready to send, in the order attached."""
        return [a.kept for a in self.attached.values() if a.kept is not None]

    def sizes(self) -> list[tuple[int, int]]:
        return [(k.ref.width, k.ref.height) for k in self.kept()]

    async def wait_ready(self) -> None:
        pending = [a.task for a in self.attached.values() if a.task and not a.task.done()]
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)

    def remove(self, number: int) -> None:
        attached = self.attached.pop(number, None)
        if attached is not None and attached.task is not None and not attached.task.done():
            attached.task.cancel()
        self.strip.remove(number)
        self._changed()

    def forget_sent(self, refs) -> None:
        """These pictures went with a message: they leave the composer (newer ones stay)."""
        sent = {ref.sha256 for ref in refs}
        for attached in list(self.attached.values()):
            if attached.kept is not None and attached.kept.ref.sha256 in sent:
                self.remove(attached.number)

    def clear(self) -> None:
        for number in list(self.attached):
            self.remove(number)
        self.strip.clear()

    # -- attaching ---------------------------------------------------------------------------

    def choose_files(self) -> QFileDialog:
        dialog = QFileDialog(self.window, "Attach pictures", "", FILE_FILTER)
        dialog.setFileMode(QFileDialog.FileMode.ExistingFiles)
        dialog.filesSelected.connect(lambda paths: [self.add_file(p) for p in paths])
        self.file_dialog = dialog
        dialog.open()
        return dialog

    def add_file(self, path: str | Path) -> Attached:
        path = Path(path)
        return self._attach(path.name, path, lambda: read_thumbnail(path, COMPOSER_THUMB))

    def add_image(self, image: QImage) -> Attached:
        """A picture pasted from the clipboard: encoded as PNG on a worker thread."""
        # No copy: QImage is shared copy-on-write, so a later clipboard change detaches it.

        def thumbnail() -> QImage:
            return shrink(image, COMPOSER_THUMB)

        return self._attach(PASTED, None, thumbnail, image=image)

    def paste(self) -> bool:
        return self.take(QGuiApplication.clipboard().mimeData())

    def _attach(self, name, path, thumbnail: Callable[[], QImage], image=None) -> Attached:
        attached = Attached(next(self._numbers), name)
        self.attached[attached.number] = attached
        chip = self.strip.add(attached.number, name)
        attached.task = self.tasks.spawn(self._prepare(attached, chip, path, image, thumbnail))
        self._changed()
        return attached

    async def _prepare(self, attached, chip, path, image, thumbnail) -> None:
        shown = asyncio.ensure_future(asyncio.to_thread(thumbnail))
        shown.add_done_callback(lambda f: _show_thumbnail(f, chip))  # as soon as it is read
        try:
            source = path if path is not None else await asyncio.to_thread(_png_bytes, image)
            [kept] = await self.services.chat.images.keep([source])
        except HearthError as error:
            shown.cancel()
            if attached.number in self.attached:
                self.remove(attached.number)
                self.strip.show_problem(f"{attached.name}: {error.plain()}")
            return
        if attached.number not in self.attached:
            return
        attached.kept = kept
        await asyncio.wait([shown])
        chip.set_ready(kept.had_location)
        self._changed()

    def _changed(self) -> None:
        self.composer.edit.textChanged.emit()  # the estimate and the Send button look again

    # -- pasted and dropped (the composer's mime_hook, and drops on the chat) -------------------

    def can_take(self, mime: QMimeData) -> bool:
        return bool(_image_paths(mime)) or (mime.hasImage() and not mime.hasUrls())

    def take(self, mime: QMimeData) -> bool:
        paths = _image_paths(mime)
        if paths:
            for path in paths:
                self.add_file(path)
            return True
        if mime.hasImage() and not mime.hasUrls():
            image = QImage(mime.imageData())
            if not image.isNull():
                self.add_image(image)
                return True
        return False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() not in _DRAG_EVENTS or not self.can_take(event.mimeData()):
            return False  # not a picture: left to whoever takes files (documents)
        if _other_files(event.mimeData()):
            return False  # pictures with other files: all left to the documents' drop, whole
        event.acceptProposedAction()
        if event.type() == QEvent.Type.Drop:
            self.take(event.mimeData())
        return True

    # -- before sending ------------------------------------------------------------------------

    def check_model(
        self,
        model: ModelInfo | None,
        proceed: Callable[[ModelInfo], None],
        on_cancel: Callable[[], None],
    ) -> bool:
        """True when `model` can see the attached pictures (or none are attached). Otherwise the
        models that can are offered; choosing one switches to it and calls `proceed` with it,
        Cancel calls `on_cancel` (the words go back; the pictures never left)."""
        if not self.attached or model is None or can_see_images(model):
            return True
        seeing = [m for m in self.models.models if m.sees_images and can_see_images(m)]
        seeing.sort(key=lambda m: not m.is_local)  # on this computer first
        offline = self.services.providers.offline
        seeing = [m for m in seeing if m.is_local or not offline]
        dialog = SeeingModelsOffer(model, seeing, self.window)

        def chosen(other: ModelInfo | None) -> None:
            if other is not None:
                self.models.choose_model(other.id)
                proceed(other)
            else:
                on_cancel()

        dialog.chosen.connect(chosen)
        self.offer = dialog
        dialog.open()
        return False


def _show_thumbnail(future: asyncio.Future, chip) -> None:
    if future.cancelled() or future.exception() is not None:
        return
    try:
        chip.set_thumbnail(future.result())
    except RuntimeError:  # removed (×) before its thumbnail was read
        pass


def _png_bytes(image: QImage) -> bytes:
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG", 80)  # light compression: Pillow re-encodes it anyway
    return bytes(buffer.data())


def _other_files(mime: QMimeData) -> bool:
    """Files in the drag that are not pictures (a PDF beside a photo)."""
    return any(url.isLocalFile() and not is_image_file(url.toLocalFile()) for url in mime.urls())


def _image_paths(mime: QMimeData) -> list[str]:
    if not mime.hasUrls():
        return []
    return [
        url.toLocalFile()
        for url in mime.urls()
        if url.isLocalFile() and is_image_file(url.toLocalFile())
    ]
