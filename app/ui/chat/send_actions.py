"""Sending, regenerating and comparing: the checks before words leave (privacy, then the monthly
budget's hard stop), and what a failed reply offers (Retry, Open Settings, use a local model).

A mixin of MainWindow, kept apart so each file stays small.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from PySide6.QtGui import QCursor
from PySide6.QtWidgets import QMenu

from app.core.chat import ModelInfo
from app.core.errors import HearthError
from app.core.records import Message
from app.providers.registry import all_providers
from app.services.chat import ReplyFinished, ReplyStarted
from app.ui.chat.message_footer import (
    CONTINUE,
    OPEN_SETTINGS,
    REGENERATE_WITH,
    RETRY,
    USE_LOCAL,
    model_label,
)
from app.ui.chat.privacy_warning import LOCAL, SEND, PrivacyWarning
from app.ui.compare import CompareChooser
from app.ui.models import REGENERATE

REGENERATE_MENU_SIZE = 5


class SendActions:
    # -- sending -------------------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        return self.session.busy or self.compare_session.busy

    def send(self, text: str) -> None:
        if self.remember_command(text):
            return  # “/remember …” is stored here and never sent to a model
        if self.busy:
            return
        model = self.current_model
        if model is None or model.is_local:
            self._send_now(text, model)  # nothing leaves this computer: no check, no wait
            return
        self.tasks.spawn(self._check_history_then_send(text, model))

    async def _check_history_then_send(self, text: str, model: ModelInfo) -> None:
        # A chat that moves from a local model to a cloud one sends its whole history: check it.
        cid = self.conversation_id
        history = await self.services.conversations.messages(cid) if cid is not None else []

        def after_privacy(chosen: ModelInfo | None) -> None:
            self.guard_budget(
                [chosen],
                text,
                lambda: self._send_now(text, chosen),
                on_cancel=lambda: self.costs.restore_draft(text),
            )

        self.check_then(text, model, after_privacy, history=history)

    def check_then(
        self,
        text: str,
        model: ModelInfo | None,
        proceed: Callable[[ModelInfo | None], None],
        *,
        history: list[Message] = (),
    ) -> None:
        """Before words go to an online model: warn about secrets and personal data found."""
        findings = []
        if model is not None and not model.is_local:
            findings = self.services.providers.check_before_sending(text, model, history=history)
        if not findings:
            proceed(model)
            return
        local = self.default_local_model()
        dialog = PrivacyWarning(findings, model, local, self)

        def chosen(choice: str) -> None:
            if choice == SEND:
                proceed(model)
            elif choice == LOCAL and local is not None:
                proceed(local)
            else:  # Edit: back to the composer, nothing lost
                if not self.composer.text().strip():
                    self.composer.set_text(text)
                self.composer.focus()

        dialog.chosen.connect(chosen)
        self.privacy_warning = dialog
        self._keep(dialog)
        dialog.open()

    def _send_now(self, text: str, model: ModelInfo | None) -> None:
        if self.busy:
            return
        self._last_sent_text = text
        self.chat_stack.setCurrentWidget(self.chat_view)
        self.session.send(
            conversation_id=self.conversation_id, text=text, model_id=model.id if model else None
        )

    def regenerate(self, model_id: str | None = None) -> None:
        """A new answer to the last message, by the chosen model or the one given."""
        if self.busy or self.conversation_id is None:
            return
        if model_id is None and self.current_model is not None:
            model_id = self.current_model.id
        conversation_id = self.conversation_id

        def proceed() -> None:
            if not self.busy and conversation_id == self.conversation_id:
                self.session.regenerate(conversation_id=conversation_id, model_id=model_id)

        self.guard_budget([self.find_model(model_id)], "", proceed)

    def stop_reply(self) -> None:
        self.session.stop()
        self.compare_session.stop()

    # -- what a reply's footer asks for --------------------------------------------------------

    def on_reply_action(self, action: str, message: Message) -> None:
        if action == RETRY:
            self.regenerate(model_id=message.model_id)
        elif action == OPEN_SETTINGS:
            if self.services.providers.offline and not message.is_local:
                self.open_settings("privacy")
            else:
                self.open_settings("providers", self._known_provider(message.provider))
        elif action == USE_LOCAL:
            local = self.default_local_model()
            if local is None:
                self.choose_model_files()
                return
            self.choose_model(local.id)
            self.regenerate(model_id=local.id)
        elif action == REGENERATE_WITH:
            self.show_regenerate_menu()
        elif action == CONTINUE:
            self.continue_reply(message)

    def continue_reply(self, message: Message) -> None:
        """Continue a stopped reply, by its own model (online ones check the budget first)."""
        if self.busy or message.conversation_id != self.conversation_id:
            return
        model = self.find_model(message.model_id)

        def proceed() -> None:
            if not self.busy and message.conversation_id == self.conversation_id:
                self.session.continue_reply(message_id=message.id)

        self.guard_budget([model], message.content, proceed)

    def _known_provider(self, provider_id: str | None) -> str | None:
        known = {spec.id for spec in all_providers()}
        return provider_id if provider_id in known else None

    def show_regenerate_menu(self) -> QMenu:
        """“Regenerate with …”: the recent models, then the whole picker."""
        menu = QMenu(self)
        offline = self.services.providers.offline
        recent = self.services.settings.get("recent_models") or []
        for model_id in recent[:REGENERATE_MENU_SIZE]:
            model = self.find_model(model_id)
            if model is None:
                continue
            action = menu.addAction(f"With {model_label(model.id)}  ·  {model.where}")
            action.setEnabled(not (offline and not model.is_local))
            action.triggered.connect(lambda _c=False, m=model.id: self.regenerate(model_id=m))
        if not menu.isEmpty():
            menu.addSeparator()
        menu.addAction("Choose another model…", lambda: self.open_picker(REGENERATE))
        self.regenerate_menu = menu
        menu.popup(QCursor.pos())
        return menu

    # -- compare -------------------------------------------------------------------------------

    def ask_compare(self, text: str) -> CompareChooser:
        settings = self.services.settings
        chooser = CompareChooser(
            self.groups,
            favourites=settings.get("favourite_models") or [],
            recent=settings.get("recent_models") or [],
            offline=self.services.providers.offline,
            current_id=self.current_model.id if self.current_model else None,
            parent=self,
        )
        chooser.chosen.connect(lambda ids: self.compare(text, ids))
        self.compare_chooser = chooser
        self._keep(chooser)
        chooser.open()
        return chooser

    def compare(self, text: str, model_ids: list[str]) -> None:
        models = [m for m in (self.find_model(i) for i in model_ids) if m is not None]
        if self.busy or len(models) < 2:
            return
        online = next((m for m in models if not m.is_local), None)

        def proceed(model: ModelInfo | None) -> None:
            if model is online:
                self.guard_budget(models, text, lambda: self._start_compare(text, models))
            else:  # "send to a model on this computer instead": an ordinary message, kept here
                self.composer.clear()
                self._send_now(text, model)

        self.check_then(text, online, proceed)

    def _start_compare(self, text: str, models: list[ModelInfo]) -> None:
        self.composer.clear()
        self.chat_stack.setCurrentWidget(self.compare_view)
        self.compare_session.start(conversation_id=self.conversation_id, text=text, models=models)

    def keep_answer(self, message_id: int) -> asyncio.Task:
        return self.tasks.spawn(self._keep_answer(message_id), name="keep")

    async def _keep_answer(self, message_id: int) -> None:
        conversation_id = await self._end_compare()
        if conversation_id is None:
            return
        await self.services.chat.keep(conversation_id=conversation_id, message_id=message_id)
        await self._back_to_chat(conversation_id)

    def leave_compare(self) -> asyncio.Task:
        async def leave() -> None:
            conversation_id = await self._end_compare()
            if conversation_id is None:
                self.chat_stack.setCurrentWidget(self.empty_chat)
                return
            await self._back_to_chat(conversation_id)

        return self.tasks.spawn(leave(), name="leave-compare")

    async def _end_compare(self) -> int | None:
        """Stop what is still being written; the answers so far stay in the conversation."""
        task = self.compare_session.task
        if task is not None and not task.done():
            self.compare_session.stop()
            await asyncio.wait([task])
        return self.compare_session.conversation_id

    async def _back_to_chat(self, conversation_id: int) -> None:
        self.conversation_id = conversation_id
        await self.open_conversation(conversation_id)
        self.compare_view.clear()
        await self.refresh_conversations()

    # -- what the chat and compare sessions say --------------------------------------------------

    def _on_busy_changed(self, what: str, busy: bool) -> None:
        self._busy_with[what] = busy
        busy = any(self._busy_with.values())  # a reply or a compare is being written
        self.composer.set_busy(busy)
        self.stop_shortcut.setEnabled(busy)

    def _on_reply_started(self, started: ReplyStarted) -> None:
        conversation = started.conversation
        if self.conversation_id is None and self.chat_view.conversation_id == conversation.id:
            self.conversation_id = conversation.id  # the new chat was just saved
            self.services.settings.set("last_conversation", conversation.id)
        if conversation.id == self.conversation_id:
            self.header.set_chat_title(conversation.title)
        self.tasks.spawn(self.refresh_conversations())

    def _on_reply_finished(self, finished: ReplyFinished) -> None:
        self.tasks.spawn(self.refresh_conversations())
        self.costs.after_reply()  # the chat's total, today, this month, the budget
        self.on_reply_done(finished)  # a new chat's title; memory suggestions later

    def _on_compare_started(self, started: ReplyStarted) -> None:
        conversation = started.conversation
        if self.conversation_id is None:
            self.conversation_id = conversation.id
            self.services.settings.set("last_conversation", conversation.id)
        self.header.set_chat_title(conversation.title)
        self.tasks.spawn(self.refresh_conversations())

    def _on_compare_failed(self, error: HearthError) -> None:
        self.leave_compare()
        self._on_send_failed(error)

    def _on_send_failed(self, error: HearthError) -> None:
        self.chat_view.add_notice(error.plain(), error=True)
        if not self.composer.text():
            self.composer.set_text(self._last_sent_text)  # nothing typed is lost
