"""The tool loop of one reply: the model asks for tools → the user approves each call (or has
chosen "always" for that tool) → it runs on its MCP server → the result (privacy-checked when it
goes to a cloud model) goes back → the model goes on, until it answers without calls or the loop
limit ends it with a plain note.

It wraps ReplySource.run: the chat service reads one stream of events whatever the rounds. Every
round trip's tokens are added into one running Usage (so the reply's cost meters them all), and
each call with its outcome is kept in `ToolSession.outcomes`, stored with the reply.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import Literal

from app.core.chat import ChatMessage, ChatRequest, ModelInfo
from app.core.errors import HearthError
from app.core.events import Done, Error, Notice, TextDelta, Usage
from app.core.privacy import KIND_LABELS, REDACTED, scan_for_sensitive
from app.core.tools import ToolCall, ToolOutcome, ToolSpec
from app.services.reply_source import END, ReplySource
from app.services.tools import ToolsService
from app.store.settings import Settings
from app.tools.client import ToolInfo
from app.tools.errors import ToolError, ToolTimedOut

log = logging.getLogger(__name__)

DEFAULT_LIMIT = 10  # tool calls per reply
Decision = Literal["allow_once", "always", "deny"]
# Names a model may call: OpenAI's rule, the strictest of the three.
_BAD_NAME = re.compile(r"[^A-Za-z0-9_-]")


@dataclass(frozen=True, slots=True)
class PendingCall:
    """What the approval card (or the terminal) shows before a call runs."""

    call: ToolCall
    server: str
    tool: str
    arguments: dict
    destination: str  # where the result will go: "sent to OpenAI" / "on this computer"


Approve = Callable[[PendingCall], Awaitable[Decision]]


@dataclass
class ToolSession:
    """One reply's tools: the front end's approval callback, the limit, and what happened."""

    approve: Approve
    limit: int = DEFAULT_LIMIT
    timeout: float | None = None  # per call; None: the service's (60 s)
    outcomes: list[ToolOutcome] = field(default_factory=list)
    # Called as each call ends (the window shows it under the reply).
    on_outcome: Callable[[ToolOutcome], None] | None = None
    # Called as a call starts running, approved or always allowed (the card says “Running…”).
    on_running: Callable[[PendingCall], None] | None = None
    # "required": the reply must begin with a tool call (`hearth ask --require-tool`); once the
    # model has called one, it chooses freely again.
    tool_choice: Literal["auto", "required"] = "auto"

    def record(self) -> str | None:
        """The outcomes as JSON, for messages.tool_calls; None when no tool was called."""
        if not self.outcomes:
            return None
        return json.dumps([o.as_record() for o in self.outcomes], ensure_ascii=False)


def model_name_for(tool: ToolInfo, taken: set[str]) -> str:
    """The name the model sees: the tool's own, or server_tool when two servers share it."""
    name = _BAD_NAME.sub("_", tool.name)[:64] or "tool"
    if name in taken:
        name = _BAD_NAME.sub("_", f"{tool.server}_{tool.name}")[:64]
    return name


def _added(total: Usage | None, more: Usage) -> Usage:
    if total is None:
        return more
    return Usage(
        input_tokens=total.input_tokens + more.input_tokens,
        output_tokens=total.output_tokens + more.output_tokens,
        cached_tokens=total.cached_tokens + more.cached_tokens,
        reasoning_tokens=total.reasoning_tokens + more.reasoning_tokens,
        counted_locally=total.counted_locally or more.counted_locally,
    )


class ToolLoop:
    def __init__(self, source: ReplySource, tools: ToolsService, settings: Settings) -> None:
        self._source = source
        self._tools = tools
        self._settings = settings

    async def offer(self, model: ModelInfo) -> dict[str, ToolInfo]:
        """The enabled tools by the name the model will see. None for a model in this process
        whose chat template takes no tools."""
        if model.provider == "local" and not model.takes_tools:
            return {}
        offered: dict[str, ToolInfo] = {}
        for tool in await self._tools.enabled_tools():
            offered[model_name_for(tool, set(offered))] = tool
        return offered

    async def run(
        self,
        model: ModelInfo,
        request: ChatRequest,
        queue: asyncio.Queue,
        session: ToolSession,
    ) -> None:
        """Like ReplySource.run (events on the queue, then END), over as many rounds as the
        model's tool calls need."""
        if model.provider == "local" and not model.takes_tools:
            queue.put_nowait(
                Notice(
                    "tools_unsupported",
                    f"{model.display_name} was not trained to use tools (its chat template "
                    "offers none), so it answers without them.",
                )
            )
        try:
            offered = await self.offer(model)
        except Exception:  # never lose the reply over a tool server: answer without tools
            log.exception("Could not list the tools")
            offered = {}
        if not offered:
            await self._source.run(model, request, queue)
            return
        request = replace(
            request,
            tools=tuple(_spec(name, t) for name, t in offered.items()),
            tool_choice=session.tool_choice,
        )
        usage: Usage | None = None
        wrote = False
        try:
            while True:
                calls, text, done, usage, failed = await self._round(
                    model, request, queue, usage, wrote
                )
                wrote = wrote or bool(text)
                if failed or not calls:
                    if done is not None:
                        queue.put_nowait(done)
                    return
                if len(session.outcomes) + len(calls) > session.limit:
                    queue.put_nowait(
                        Notice(
                            "tool_limit",
                            f"The model asked for more than {session.limit} tool calls in this "
                            "reply, so Hearth stopped it there.",
                        )
                    )
                    queue.put_nowait(Done("stop"))
                    return
                outcomes = [await self._one(call, offered, session, model, queue) for call in calls]
                request = replace(
                    request,
                    tool_choice="auto",
                    messages=(
                        *request.messages,
                        ChatMessage("assistant", text, tool_calls=tuple(calls)),
                        *(
                            ChatMessage(
                                "tool",
                                o.content,
                                tool_call_id=o.call.id,
                                tool_name=o.call.name,
                                is_error=o.is_error,
                            )
                            for o in outcomes
                        ),
                    ),
                )
        finally:
            queue.put_nowait(END)

    async def _round(
        self,
        model: ModelInfo,
        request: ChatRequest,
        queue: asyncio.Queue,
        usage: Usage | None,
        wrote: bool,
    ) -> tuple[list[ToolCall], str, Done | None, Usage | None, bool]:
        """One request to the model: its events passed on as they come, except the calls (kept
        for the loop), Done (held: only the last round's ends the reply) and Usage (added).
        `wrote`: an earlier round wrote words, so this round's start on a new paragraph."""
        inner: asyncio.Queue = asyncio.Queue()
        task = asyncio.create_task(self._source.run(model, request, inner))
        calls: list[ToolCall] = []
        parts: list[str] = []
        done, failed = None, False
        try:
            while (event := await inner.get()) is not END:
                if isinstance(event, ToolCall):
                    calls.append(event)
                    continue
                if isinstance(event, Usage):
                    usage = _added(usage, event)
                    event = usage
                elif isinstance(event, Done):
                    done = event
                    continue
                elif isinstance(event, TextDelta):
                    if wrote and not parts:
                        queue.put_nowait(TextDelta("\n\n"))
                    parts.append(event.text)
                elif isinstance(event, Error):
                    failed = True
                queue.put_nowait(event)
        finally:
            if not task.done():
                task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if done is not None and done.finish_reason == "stopped":
            failed = True
        return calls, "".join(parts), done, usage, failed

    async def _one(
        self,
        call: ToolCall,
        offered: dict[str, ToolInfo],
        session: ToolSession,
        model: ModelInfo,
        queue: asyncio.Queue,
    ) -> ToolOutcome:
        outcome = await self._decide_and_run(call, offered, session, model)
        if not model.is_local and not outcome.is_error:
            outcome = self._privacy_checked(outcome, model, queue)
        session.outcomes.append(outcome)
        if session.on_outcome is not None:
            session.on_outcome(outcome)
        log.info("Tool call %s: %s", call.name, outcome.status)
        return outcome

    async def _decide_and_run(
        self, call: ToolCall, offered: dict[str, ToolInfo], session: ToolSession, model: ModelInfo
    ) -> ToolOutcome:
        tool = offered.get(call.name)
        if tool is None:
            return ToolOutcome(call, f"There is no tool named “{call.name}”.", True, "error")
        try:
            arguments = call.parsed_arguments()
        except ValueError as exc:
            return ToolOutcome(call, f"The call was not run: {exc}.", True, "error")
        pending = PendingCall(call, tool.server, tool.name, arguments, model.where)
        if not self._tools.always_allowed(tool.server, tool.name):
            decision = await session.approve(pending)
            if decision == "deny":
                return ToolOutcome(
                    call, "The user denied this tool call; it was not run.", True, "denied"
                )
            if decision == "always":
                self._tools.set_always_allow(tool.server, tool.name)
        if session.on_running is not None:
            session.on_running(pending)
        try:
            result = await self._tools.call(
                tool.server, tool.name, arguments, timeout=session.timeout
            )
        except ToolTimedOut as err:
            return ToolOutcome(call, err.message, True, "timeout")
        except ToolError as err:
            return ToolOutcome(call, err.message, True, "error")
        except HearthError as err:
            return ToolOutcome(call, err.message, True, "error")
        return ToolOutcome(call, result.text, result.is_error, "error" if result.is_error else "ok")

    def _privacy_checked(
        self, outcome: ToolOutcome, model: ModelInfo, queue: asyncio.Queue
    ) -> ToolOutcome:
        """A tool result is about to leave for a cloud model: secrets and personal data found in
        it are taken out (the privacy check, when on) and the user is told what."""
        if not self._settings.get("privacy_check", True):
            return outcome
        findings = scan_for_sensitive(outcome.content)
        if not findings:
            return outcome
        text = outcome.content
        for finding in sorted(findings, key=lambda f: f.start, reverse=True):
            text = text[: finding.start] + REDACTED + text[finding.end :]
        kinds = sorted({KIND_LABELS.get(f.kind, f.kind) for f in findings})
        queue.put_nowait(
            Notice(
                "privacy",
                f"The result of {outcome.call.name} held {', '.join(kinds)}; Hearth took "
                f"{'it' if len(findings) == 1 else 'them'} out before it was {model.where}.",
            )
        )
        return replace(outcome, content=text)


def _spec(name: str, tool: ToolInfo) -> ToolSpec:
    schema = tool.input_schema if isinstance(tool.input_schema, dict) else {}
    return ToolSpec(
        name=name, description=tool.description, parameters=schema or {"type": "object"}
    )
