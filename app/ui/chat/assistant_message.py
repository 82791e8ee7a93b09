"""One reply from the model: rendered Markdown, then a quiet footer with actions and facts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from PySide6.QtCore import Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from app.core.errors import HearthError
from app.core.records import Message
from app.core.where import as_sent
from app.store.memory import Memory
from app.ui.chat.markdown_render import (
    CITE_ACTION,
    RenderedMarkdown,
    StreamedMarkdown,
    document_style_sheet,
    render_markdown,
)
from app.ui.chat.message_footer import (
    BRANCH_NEXT,
    BRANCH_PREVIOUS,
    CONTINUE,
    MORE,
    REGENERATE_WITH,
    REMEMBER,
    USED_MEMORIES,
    can_continue,
    error_actions,
    figures_text,
    footer_html,
)
from app.ui.chat.message_menu import Entry, attach_menu, show_more_menu
from app.ui.chat.message_view import MessageView
from app.ui.costs import CostNote
from app.ui.shell.theme import Theme

_THINKING = "<p style='color: gray;'>…</p>"
# While streaming, finished blocks move into their own view once the part still being redrawn
# grows past this many characters, so each frame redraws a short tail, not the whole reply.
SETTLE_AFTER_CHARS = 200

# The cost meter's line under a finished reply (tokens and cost), or None; see cost_text.
CostNoteFor = Callable[[Message], "CostNote | None"]


class AssistantMessage(QWidget):
    regenerate_requested = Signal()
    link_clicked = Signal(QUrl)
    # "retry", "open-settings", "use-local", "regenerate-with", "continue": the window acts;
    # "remember", "used-memories", "branch-previous", "branch-next": the chat view does
    action_requested = Signal(str)

    def __init__(
        self,
        message: Message,
        theme: Theme,
        parent: QWidget | None = None,
        *,
        cost_note: CostNoteFor | None = None,
    ) -> None:
        super().__init__(parent)
        self.message = message
        self._cost_note = cost_note
        self._theme = theme
        self._text = message.content
        self._code_blocks: tuple[str, ...] = ()
        self._dirty = False
        self._can_regenerate = False
        self._copied_note = ""
        self._live_note = ""  # e.g. the countdown before a retry
        self._actions = error_actions(message)
        self._branch: tuple[int, int] | None = None
        self._can_switch = True
        self.used_memories: tuple[Memory, ...] = ()
        self.more_menu = None  # the ⋯ menu, while it is open
        # Streaming state: views holding blocks no later text can change, and those blocks.
        self._settled_views: list[MessageView] = []
        self._stream = StreamedMarkdown(theme)
        self._tool_calls = None  # the calls it made, under its words (app.ui.tools)

        self.view = self._new_view()
        self.footer = QLabel(self)
        self.footer.setObjectName("messageFooter")
        self.footer.setTextFormat(Qt.TextFormat.RichText)
        self.footer.setWordWrap(True)
        self.footer.setOpenExternalLinks(False)
        self.footer.linkActivated.connect(lambda url: self._on_action(QUrl(url).path()))

        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 2, 0, 14)
        self._layout.setSpacing(0)
        self._layout.addWidget(self.view)
        self._layout.addSpacing(4)
        self._layout.addWidget(self.footer)
        self.set_theme(theme)
        if message.tool_calls:
            self.tool_calls().show_records(message.tool_calls)

    def _new_view(self) -> MessageView:
        view = MessageView(self)
        view.action_requested.connect(self._on_action)
        view.link_clicked.connect(self.link_clicked)
        attach_menu(view, self.menu_entries, self._on_action)
        return view

    # -- content -------------------------------------------------------------------------------

    @property
    def text(self) -> str:
        return self._text

    @property
    def is_dirty(self) -> bool:
        return self._dirty

    def set_streaming_text(self, text: str) -> None:
        """Remember the newest text; the chat view renders it on its next frame."""
        self._text = text
        self._dirty = True

    @property
    def is_streaming(self) -> bool:
        return self.message.status == "streaming"

    def render(self) -> None:
        self._dirty = False
        if self.is_streaming:
            self._render_tail()
        else:
            self._render_whole()

    def _render_whole(self) -> None:
        """The whole reply in one view: exact Markdown, and selectable from end to end."""
        self._drop_settled_views()
        cited = frozenset(s["n"] for s in self.message.cited_sources if isinstance(s.get("n"), int))
        rendered = render_markdown(self._text, self._theme, citations=cited)
        self._code_blocks = rendered.code_blocks
        self.view.setHtml(rendered.html)
        self.view.setVisible(bool(self._text))  # a reply that failed at once has only a footer

    def _render_tail(self) -> None:
        if not self._text.startswith(self._stream.settled_text):
            self._drop_settled_views()  # the reply started over (a retry)
        if len(self._text) - self._stream.settled_length > SETTLE_AFTER_CHARS:
            settled = self._stream.settle(self._text)
            if settled is not None:
                self._add_settled_view(settled)
        rest = self._stream.rest(self._text) or render_markdown(
            self._text[self._stream.settled_length :],
            self._theme,
            first_code_block=len(self._stream.code_blocks),
        )  # a link definition: the whole reply is drawn again at the end
        self._show_rest(rest)
        if not self._text:
            self.view.setHtml(_THINKING)
        self.view.setVisible(True)

    def _show_rest(self, rest: RenderedMarkdown) -> None:
        self._code_blocks = self._stream.code_blocks + rest.code_blocks
        self.view.setHtml(rest.html)
        self.view.setVisible(bool(rest.html))

    def _add_settled_view(self, rendered: RenderedMarkdown) -> None:
        """Settled blocks get a view of their own and are never drawn again."""
        view = self._new_view()
        view.document().setDefaultStyleSheet(document_style_sheet(self._theme))
        view.setHtml(rendered.html)
        view.keep_last_margin()
        self._layout.insertWidget(len(self._settled_views), view)
        self._settled_views.append(view)

    def _drop_settled_views(self) -> None:
        for view in self._settled_views:
            self._layout.removeWidget(view)
            view.deleteLater()
        self._settled_views = []
        self._stream = StreamedMarkdown(self._theme)

    def _finish_in_place(self) -> bool:
        """The reply as streamed, finished: only what follows the settled blocks is drawn again
        (the same HTML as a whole render, without re-rendering a long reply at once)."""
        if not self._settled_views:
            return False
        rest = self._stream.rest(self._text)
        if rest is None:
            return False
        self._show_rest(rest)
        return True

    def tool_calls(self):
        """The panel of this reply's tool calls (a ToolCallsPanel), under its words; made
        when the first call comes."""
        if self._tool_calls is None:
            from app.ui.tools import ToolCallsPanel

            self._tool_calls = ToolCallsPanel(self)
            self._layout.insertWidget(self._layout.indexOf(self.footer) - 1, self._tool_calls)
        return self._tool_calls

    def finish(self, message: Message, error: HearthError | None = None) -> None:
        self.message = message
        if self._tool_calls is not None or message.tool_calls:
            self.tool_calls().finish(message.tool_calls)
        self._text = message.content
        self._live_note = ""
        self._actions = error_actions(message, error)
        self._dirty = False
        if not self._finish_in_place():
            self.render()
        self._render_footer()

    def resume(self, message: Message) -> None:
        """The reply is being continued: it streams again, from the words it has."""
        self.message = message
        self._text = message.content
        self._actions = []
        self.render()
        self._render_footer()

    def mark_sent(self) -> None:
        """The request was written to the provider: the footer says so from now on."""
        where = as_sent(self.message.where)
        if where != self.message.where:
            self.message = replace(self.message, destination=where)
            self._render_footer()

    @property
    def actions(self) -> list[str]:
        """What the footer offers under a failed reply ("retry", "open-settings", ...)."""
        return list(self._actions)

    def set_live_note(self, text: str) -> None:
        if text != self._live_note:
            self._live_note = text
            self._render_footer()

    def set_can_regenerate(self, allowed: bool) -> None:
        if allowed != self._can_regenerate:
            self._can_regenerate = allowed
            self._render_footer()

    def set_branch(self, branch: tuple[int, int] | None) -> None:
        """(position, count) when this reply has other versions (regenerated), else None."""
        if branch != self._branch:
            self._branch = branch
            self._render_footer()

    @property
    def branch(self) -> tuple[int, int] | None:
        return self._branch

    def set_can_switch(self, allowed: bool) -> None:
        if allowed != self._can_switch:
            self._can_switch = allowed
            self._render_footer()

    def set_used_memories(self, memories: list[Memory] | tuple[Memory, ...]) -> None:
        """The memories put into this reply's prompt: “Used N memories” in the footer."""
        memories = tuple(memories)
        if memories != self.used_memories:
            self.used_memories = memories
            self._render_footer()

    def set_theme(self, theme: Theme) -> None:
        self._theme = theme
        self._drop_settled_views()  # drawn again below, in the new colours
        if getattr(self, "_tool_calls", None) is not None:
            self._tool_calls.set_theme(theme)
        self.view.document().setDefaultStyleSheet(document_style_sheet(theme))
        self.render()
        self._render_footer()

    def set_cost_note(self, cost_note: CostNoteFor | None) -> None:
        """A new way to price replies (a price or the reference model changed): redraw."""
        self._cost_note = cost_note
        self._render_footer()

    def code_block(self, number: int) -> str:
        return self._code_blocks[number]

    # -- actions -------------------------------------------------------------------------------

    def _on_action(self, action: str) -> None:
        if action == "copy-message":
            self._copy(self._text, "Copied")
        elif action.startswith("copy-code/"):
            number = int(action.split("/", 1)[1])
            if number < len(self._code_blocks):
                self._copy(self._code_blocks[number], "Code copied")
        elif action == "regenerate" and self._can_regenerate:
            self.regenerate_requested.emit()
        elif action == MORE:
            self.more_menu = show_more_menu(
                self.footer, self.menu_entries(), self._figures(), self._on_action
            )
        elif action in self._offered() or action.startswith(CITE_ACTION):
            self.action_requested.emit(action)  # a citation: the documents' side panel opens

    def menu_entries(self) -> list[Entry]:
        entries: list[Entry] = []
        if can_continue(self.message, can_regenerate=self._can_regenerate):
            entries.append((CONTINUE, "Continue where it stopped"))
        if self._text:
            entries.append(("copy-message", "Copy reply"))
            entries.append((REMEMBER, "Remember this"))
        if self._can_regenerate and self.message.status != "error":
            entries.append(("regenerate", "Regenerate"))
        if self._can_regenerate:
            entries.append((REGENERATE_WITH, "Regenerate with another model…"))
        if self.used_memories:
            entries.append((USED_MEMORIES, "Show the memories it used"))
        return entries

    def _offered(self) -> list[str]:
        """The actions the window or the chat view carry out, as the footer offers them now."""
        offered = [*self._actions, REMEMBER, USED_MEMORIES]
        if self._can_regenerate:
            offered.append(REGENERATE_WITH)
        if can_continue(self.message, can_regenerate=self._can_regenerate):
            offered.append(CONTINUE)
        if self._can_switch:
            offered += [BRANCH_PREVIOUS, BRANCH_NEXT]
        return offered

    def _copy(self, text: str, note: str) -> None:
        QGuiApplication.clipboard().setText(text)
        # A brief, quiet confirmation in the footer, instead of a pop-up.
        self._copied_note = note
        self._render_footer()
        QTimer.singleShot(1500, self._clear_copied_note)

    def _clear_copied_note(self) -> None:
        self._copied_note = ""
        self._render_footer()

    def _figures(self, note: CostNote | None = None) -> str:
        """Every figure about this reply (model, where, speed, tokens, exact cost)."""
        if note is None and self._cost_note is not None:
            note = self._cost_note(self.message)
        return figures_text(self.message, note.line if note else "", note.tip if note else "")

    def _render_footer(self) -> None:
        note = self._cost_note(self.message) if self._cost_note is not None else None
        html = footer_html(
            self.message,
            self._theme,
            can_regenerate=self._can_regenerate,
            actions=self._actions,
            live_note=self._live_note,
            cost=note.plain if note else "",
            branch=self._branch,
            can_switch=self._can_switch,
            memories_used=len(self.used_memories),
            sources=self.message.cited_sources,
        )
        self.footer.setToolTip(self._figures(note))
        if self._copied_note:
            html += f"&nbsp;&nbsp;&nbsp;<span style='color: {self._theme.accent};'>"
            html += f"{self._copied_note} ✓</span>"
        self.footer.setText(html)
