"""The checks before words leave for an online model, shared by every way a reply is asked for
(a new message, Regenerate, Continue, edit-and-resend, Compare): the privacy warning over the
text, the history and the passages of the user's files, and the passages looked up and agreed to.

Owned by SendController (which keeps `check_then` and `with_documents` as its own); the other
controllers reach it through their hosts.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QWidget

from app.core.chat import ModelInfo
from app.core.errors import HearthError
from app.core.records import Message
from app.core.where import images_sent
from app.ui.chat.privacy_warning import LOCAL, SEND, PrivacyWarning

if TYPE_CHECKING:
    from app.services import Services
    from app.ui.chat.chat_view import ChatView
    from app.ui.chat.composer import Composer
    from app.ui.models import ModelController
    from app.ui.shell.tasks import TaskKeeper


class SendChecks:
    def __init__(
        self,
        window: QWidget,
        services: Services,
        tasks: TaskKeeper,
        *,
        chat_view: ChatView,
        composer: Composer,
        models: ModelController,
        keep: Callable[[QWidget], None],
        documents=None,
    ) -> None:
        self.window = window  # parent of the privacy warning
        self.services = services
        self.tasks = tasks
        self.chat_view = chat_view
        self.composer = composer
        self.models = models
        self.keep = keep  # keeps a non-modal dialog alive while it is open
        self.documents = documents  # SendDocuments, or None
        self.privacy_warning: PrivacyWarning | None = None

    def check_then(
        self,
        text: str,
        model: ModelInfo | None,
        proceed: Callable[[ModelInfo | None], None],
        *,
        history: list[Message] = (),
        pictures: int = 0,
        passages=(),
    ) -> None:
        """Before words go to an online model: warn about secrets and personal data found (in
        the text, the history it has not seen, and the passages of files going with it), and
        say that `pictures` (attached, or in an edited message) will be sent. Calls
        proceed(model), or proceed(local model) when the user picks one instead."""
        findings, said = [], ""
        if model is not None and not model.is_local:
            findings = self.services.providers.check_before_sending(
                text, model, history=history, passages=passages
            )
            said = images_sent(pictures, model.provider_name or model.provider)
        if not findings and not said:
            proceed(model)
            return
        local = self.models.default_local_model()
        only_passages = bool(passages) and not text and not history
        dialog = PrivacyWarning(
            findings, model, local, self.window, pictures=said, passages_only=only_passages
        )

        def chosen(choice: str) -> None:
            if choice == SEND:
                proceed(model)
            elif choice == LOCAL and local is not None:
                proceed(local)
            else:  # Edit (or Cancel): back to the composer, nothing lost
                if text and not self.composer.text().strip():
                    self.composer.set_text(text)
                self.composer.focus()

        dialog.chosen.connect(chosen)
        self.privacy_warning = dialog
        self.keep(dialog)
        dialog.open()

    def with_documents(
        self,
        question: str | Callable[[], Awaitable[str]],
        model: ModelInfo | None,
        proceed: Callable[..., None],
    ) -> None:
        """A reply made again (Regenerate, Continue, edit-and-resend, Compare) goes with the
        passages of the collections turned on, as a new message does: looked up first, and
        before they go to a cloud model the user reads how many, agrees, and the passages go
        through the privacy check. `question`: the text, or an async function that finds it.
        Calls proceed(documents=plan), proceed(documents=plan, model=local) when the user sends
        to a model on this computer instead, or proceed() when no collection is on."""
        if self.documents is None or not self.documents.in_use:
            proceed()
            return
        self.tasks.spawn(self._find_then(question, model, proceed), name="documents-find")

    async def _find_then(self, question, model: ModelInfo | None, proceed) -> None:
        text = question if isinstance(question, str) else await question()
        try:
            plan = await self.documents.find(text, model)
        except HearthError as error:
            self.chat_view.add_notice(error.plain(), error=True)
            return
        if model is None or model.is_local:
            proceed(documents=plan)
            return
        self.documents.confirm(
            plan, model, lambda: self.passages_then(plan, model, proceed), lambda: None
        )

    def passages_then(self, plan, model: ModelInfo, proceed: Callable[..., None]) -> None:
        """The passages agreed to, through the privacy check (the text and history were checked
        where the path checks them); a local model chosen instead is handed to proceed."""

        def after_privacy(chosen: ModelInfo | None) -> None:
            if chosen is model:
                proceed(documents=plan)
            else:
                proceed(documents=plan, model=chosen)

        self.check_then("", model, after_privacy, passages=plan.passages or ())
