"""Runs one reply at a time and routes its updates to the chat view, the banner and the window."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from PySide6.QtCore import QObject, QTimer, Signal

from app.core.errors import HearthError
from app.core.events import Notice, RequestSent, Retrying, TextDelta
from app.core.records import Message
from app.services import Services
from app.services.chat import FallbackUsed, ModelLoading, ReplyFinished, ReplyStarted
from app.ui.chat.chat_view import ChatView
from app.ui.chat.retry_countdown import RetryCountdown
from app.ui.models import LoadingBanner
from app.ui.shell.tasks import TaskKeeper

# Notices about a slow step before the first words, shown in the banner (with Cancel) until the
# reply begins, not kept in the chat.
BANNER_NOTICES = frozenset({"looking_at_image"})


class ChatSession(QObject):
    busy_changed = Signal(bool)
    reply_started = Signal(object)  # ReplyStarted
    reply_finished = Signal(object)  # ReplyFinished
    failed = Signal(object)  # HearthError raised before a reply could start

    def __init__(
        self, services: Services, view: ChatView, banner: LoadingBanner, tasks: TaskKeeper
    ) -> None:
        super().__init__(view)
        self._services = services
        self._view = view
        self._banner = banner
        self._tasks = tasks
        self._task: asyncio.Task | None = None
        self.conversation_id: int | None = None
        self.reply_id: int | None = None
        self._text = ""
        self.unsaved_notice = None  # the last reply the disk had no room for, if any
        # Where a reply's ToolSession comes from (ui/tools' ToolController, set by the send
        # controller): every way a reply is asked for offers tools while “Tools on” is on.
        self.tools = None
        self.countdown = RetryCountdown(self._show_countdown, self)
        self._undrawn: ReplyStarted | None = None  # a reply started, its widgets not built yet
        self._step = 0  # how far drawing it has come (_draw_step)

    @property
    def busy(self) -> bool:
        return self._task is not None and not self._task.done()

    def send(
        self,
        *,
        conversation_id: int | None,
        text: str,
        model_id: str | None,
        images=(),
        documents=None,
        tools=None,
    ) -> asyncio.Task:
        """`images`: the pictures attached; `documents`: a DocumentPlan, the passages of the
        user's files that go with it; `tools`: a ToolSession when the model may call tools."""
        updates = self._services.chat.send(
            conversation_id=conversation_id,
            text=text,
            model_id=model_id,
            images=images,
            documents=documents,
            tools=tools,
        )
        return self._start(updates)

    def regenerate(
        self, *, conversation_id: int, model_id: str | None, documents=None
    ) -> asyncio.Task:
        self._view.remove_trailing_replies()
        updates = self._services.chat.regenerate(
            conversation_id=conversation_id,
            model_id=model_id,
            documents=documents,
            tools=self.tool_session(),
        )
        return self._start(updates)

    def reply_to(
        self, *, edited_id: int, user_message: Message, model_id: str | None, documents=None
    ) -> asyncio.Task:
        """Edit and resend, step two: the edited message and what followed it leave the screen
        and the new version (already stored) takes their place at once, so it stays shown even
        when no reply can start (no model, say); the reply follows it."""
        self._view.remove_from(edited_id)
        self._view.add_user_message(user_message)
        updates = self._services.chat.reply_to(
            conversation_id=user_message.conversation_id,
            user_message_id=user_message.id,
            model_id=model_id,
            documents=documents,
            tools=self.tool_session(),
        )
        return self._start(updates)

    def continue_reply(self, *, message_id: int, documents=None) -> asyncio.Task:
        """A stopped reply goes on in place: its widget streams again from its last word."""
        updates = self._services.chat.continue_reply(
            message_id=message_id, documents=documents, tools=self.tool_session()
        )
        return self._start(updates)

    def tool_session(self):
        """A ToolSession for the next reply while “Tools on” is on, else None."""
        return self.tools.session_for_reply() if self.tools is not None else None

    def stop(self) -> None:
        if self.busy:
            self._services.chat.stop()

    def _start(self, updates: AsyncIterator) -> asyncio.Task:
        self._task = self._tasks.spawn(self._consume(updates), name="reply")
        return self._task

    async def _consume(self, updates: AsyncIterator) -> None:
        self._set_busy(True)
        try:
            async for update in updates:
                self._apply(update)
        except HearthError as error:
            self.draw_pending()  # the reply it started, if any, before the failure is said
            self.failed.emit(error)
        finally:
            self.draw_pending()
            self._banner.hide()
            self.countdown.stop()
            self.reply_id = None
            self._set_busy(False)

    def _apply(self, update) -> None:
        if not isinstance(update, ReplyStarted):
            self.draw_pending()  # whatever comes next may need the reply's widget
        if isinstance(update, TextDelta):
            if self.countdown.active:
                self.countdown.stop()
            if not self._banner.isHidden():
                self._banner.hide()  # e.g. “Looking at the image…”: the answer has begun
            self._text += update.text
            self._view.stream_into(self.reply_id, self._text)
        elif isinstance(update, ReplyStarted):
            self._on_started(update)
        elif isinstance(update, ModelLoading):
            self._banner.show_progress(update.model, update.progress)
        elif isinstance(update, Retrying):
            self.countdown.start(update)
        elif isinstance(update, RequestSent):
            widget = self._view.reply_widget(self.reply_id) if self.reply_id else None
            if widget is not None:
                widget.mark_sent()  # "sending to OpenAI" becomes "sent to OpenAI"
        elif isinstance(update, FallbackUsed):
            self.countdown.stop()
            if self._is_shown():
                self._view.add_notice_before(self.reply_id, update.text)
        elif isinstance(update, Notice) and update.kind in BANNER_NOTICES:
            self._banner.show_busy(update.text)  # a step before the words, not a note to keep
        elif isinstance(update, Notice):
            if self._is_shown():
                self._view.add_notice(update.text)
        elif isinstance(update, ReplyFinished):
            self._banner.hide()
            self.countdown.stop()
            self._view.finish_reply(update.message, update.error)
            if update.save_error is not None and self._is_shown():
                self._offer_retry_saving(update)
            self.reply_finished.emit(update)
        # Reasoning text is not shown yet; the final reply is what the user asked for.

    def _offer_retry_saving(self, finished: ReplyFinished) -> None:
        """The disk had no room for the reply: it stays on screen, with Retry saving."""
        from app.ui.chat.unsaved_notice import UnsavedReplyNotice

        chat = self._services.chat
        notice = UnsavedReplyNotice(
            finished.message,
            finished.save_error,
            lambda message: chat.save_reply(message=message),
            self._tasks.spawn,
        )
        self._view.add_notice_widget(notice)
        self.unsaved_notice = notice

    def _on_started(self, started: ReplyStarted) -> None:
        self.conversation_id = started.conversation.id
        self.reply_id = started.reply.id
        self._text = started.reply.content  # "" for a new reply; the words so far, continued
        if self._view.conversation_id is None:
            self._view.conversation_id = started.conversation.id  # a new chat just got its id
        # Drawn from the loop's next turn, not now: the service builds the request and sends
        # it on as soon as this returns, so it does not wait for the widgets, and the drawing
        # overlaps the request's encoding and connection. Anything that arrives first draws
        # them before it is shown (_apply).
        self._undrawn, self._step = started, 0
        QTimer.singleShot(0, self._draw_next)

    def _draw_next(self) -> None:
        """One step a turn of the loop, so that no turn is long: the message, the reply, then
        what the window does with them (reply_started)."""
        if self._undrawn is None:
            return  # drawn already
        self._draw_step()
        if self._undrawn is not None:
            QTimer.singleShot(0, self._draw_next)

    def draw_pending(self) -> None:
        """Every step left, now: an update that needs the reply's widget has come (a text, a
        failure, a tool call's card)."""
        while self._undrawn is not None:
            self._draw_step()

    def _draw_step(self) -> None:
        started, step = self._undrawn, self._step
        self._step += 1
        if step == 0:
            user = started.user_message
            shown = user is None or self._view.widget_for_message(user.id) is not None
            if self._is_shown() and not shown:
                self._view.add_user_message(user)  # not drawn already (as an edit is)
        elif step == 1:
            if self._is_shown():
                self._draw_reply(started)
        else:
            self._undrawn = None
            self.reply_started.emit(started)

    def _draw_reply(self, started: ReplyStarted) -> None:
        continued = self._view.reply_widget(started.reply.id)
        if continued is not None:
            continued.resume(started.reply)
        else:
            self._view.add_reply(started.reply)
        if started.memories:
            self._view.set_used_memories({started.reply.id: started.memories})
        self._view.scroll_to_bottom()

    def _show_countdown(self, text: str) -> None:
        if self._is_shown():
            self._view.set_live_note(self.reply_id, text)

    def _is_shown(self) -> bool:
        return self._view.conversation_id == self.conversation_id

    def _set_busy(self, busy: bool) -> None:
        self._view.set_regenerate_allowed(not busy)
        self.busy_changed.emit(busy)
