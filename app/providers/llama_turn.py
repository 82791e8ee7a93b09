"""One conversation turn on a loaded model: the chat template, fitting the history into the
context, generating, and cutting the text at end-of-turn markers. Runs on the owner thread."""

from __future__ import annotations

import codecs
import ctypes
import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from app.core.chat import ChatMessage, ChatRequest
from app.core.context import fit_to_context
from app.core.errors import PromptTooLong
from app.core.events import Notice, StreamEvent, TextDelta
from app.core.tool_formats import tool_format
from app.core.tools import ToolSpec
from app.providers.llama_glue import llama_cpp_module
from app.providers.llama_tool_messages import message_dict, tool_dicts

log = logging.getLogger(__name__)

END_OF_TURN_MARKERS = ("<|im_end|>", "<|eot_id|>", "<end_of_turn>", "<|end|>", "</s>")


@dataclass(slots=True)
class TurnResult:
    finish: str
    output_tokens: int
    evaluated: int


class LlamaChat:
    """Prompt building and generation for one loaded Llama. Runs on its owner thread only."""

    def __init__(self, llama: Any, template: str) -> None:
        llama_cpp = llama_cpp_module()
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        model = llama._model
        self.llama = llama
        self.vocab = model.vocab
        self.is_eog = llama_cpp.llama_vocab_is_eog
        eos_id, bos_id = llama.token_eos(), llama.token_bos()
        self.eos_text = model.token_get_text(eos_id) if eos_id != -1 else ""
        self.bos_text = model.token_get_text(bos_id) if bos_id != -1 else ""
        self.add_bos = bool(model.add_bos_token()) and bos_id != -1
        self.formatter = Jinja2ChatFormatter(
            template=template, eos_token=self.eos_text, bos_token=self.bos_text
        )
        # End-of-turn tokens are caught by id (llama_vocab_is_eog); these strings catch a model
        # that spells the marker out in ordinary text pieces.
        markers = {m for m in END_OF_TURN_MARKERS if m in template} | {self.eos_text}
        self.stops = tuple(m for m in markers if m)
        # How this model writes tool calls, from its template; None: it is offered no tools.
        self.tool_format = tool_format(template)
        self._cut_at: ChatMessage | None = None  # first message kept when history was last cut

    @property
    def n_ctx(self) -> int:
        return self.llama.n_ctx()

    def render(self, messages: Sequence[ChatMessage], tools: Sequence[ToolSpec] = ()) -> str:
        """The prompt text, with `tools` offered through the template. A conversation that ends
        with the model's own words (a stopped reply being continued) is rendered up to the
        model's turn and then those words, so the model goes on from the last of them rather
        than starting a new reply."""
        if messages and messages[-1].role == "assistant" and not messages[-1].tool_calls:
            return self.render(messages[:-1], tools) + messages[-1].content
        as_dicts = [message_dict(m, self.tool_format is not None) for m in messages]
        offered = {"tools": tool_dicts(tools)} if tools and self.tool_format else {}
        try:
            return self.formatter(messages=as_dicts, **offered).prompt
        except Exception:
            # Some templates refuse a system role; fold it into the first user turn instead.
            if not any(m.role == "system" for m in messages):
                raise
            return self.formatter(messages=_fold_system_prompt(as_dicts), **offered).prompt

    def tokens(self, messages: Sequence[ChatMessage], tools: Sequence[ToolSpec] = ()) -> list[int]:
        text = self.render(messages, tools)
        add_bos = self.add_bos and not (self.bos_text and text.startswith(self.bos_text))
        return self.llama.tokenize(text.encode("utf-8"), add_bos=add_bos, special=True)

    def raw_tokens(self, text: str) -> list[int]:
        """Plain text as the prompt (a completion, not a chat); PromptTooLong if it fills the
        context (nothing is cut: the caller's text is the whole point)."""
        tokens = self.llama.tokenize(text.encode("utf-8"), add_bos=self.add_bos, special=True)
        if len(tokens) >= self.n_ctx - 1:
            raise PromptTooLong()
        return tokens

    def fit(
        self, messages: Sequence[ChatMessage], reserve: int, tools: Sequence[ToolSpec] = ()
    ) -> tuple[list[int], int]:
        """Prompt tokens, dropping the oldest turns if needed; also how many were dropped."""
        budget = self.n_ctx - reserve
        tokens = self.tokens(messages, tools)
        if len(tokens) <= budget:
            return tokens, 0
        # Cutting where the last turn was cut keeps the prompt's start unchanged, so the KV
        # cache still covers it; a fresh cut would make llama.cpp re-read the whole window.
        kept = self._same_cut(messages)
        if kept is not None and len(tokens := self.tokens(kept, tools)) <= budget:
            return tokens, len(messages) - len(kept)
        # A fresh cut goes a quarter of the context deeper than needed, so the next few
        # turns fit under the same cut.
        kept, dropped = fit_to_context(
            messages,
            count_tokens=lambda ms: len(self.tokens(ms, tools)),
            budget=max(budget - self.n_ctx // 4, 1),
        )
        tokens = self.tokens(kept, tools)
        if len(tokens) >= self.n_ctx - 1:
            raise PromptTooLong()
        self._cut_at = next((m for m in kept if m.role != "system"), None)
        return tokens, dropped

    def _same_cut(self, messages: Sequence[ChatMessage]) -> list[ChatMessage] | None:
        rest = [m for m in messages if m.role != "system"]
        if self._cut_at is None or self._cut_at not in rest:
            return None
        system = [m for m in messages if m.role == "system"]
        return system + rest[rest.index(self._cut_at) :]

    @contextmanager
    def cache_kept(self, keep: bool) -> Iterator[None]:
        """Around a side job (a title): the context holds the conversation again afterwards.

        Without this, the side job's prompt replaces the conversation in llama.cpp's cache and
        the next turn re-reads the whole chat (2 s instead of 0.2 s after one long reply).
        """
        if not keep or self.llama.n_tokens == 0:
            yield
            return
        saved, cut_at = SavedContext.of(self.llama), self._cut_at
        try:
            yield
        finally:
            saved.restore(self.llama)
            self._cut_at = cut_at

    def generate(
        self,
        prompt: list[int],
        request: ChatRequest,
        stop: threading.Event,
        emit: Callable[[StreamEvent], None],
        grammar: Any = None,
    ) -> TurnResult:
        """`grammar` (llama_tool_grammar.ToolGrammar): a tool turn; its tokens are spelled out
        with their special pieces too (`[TOOL_CALLS]` is a control token), for the parser."""
        llama = self.llama
        llama.set_seed(
            request.seed if request.seed is not None else llama_cpp_module().LLAMA_DEFAULT_SEED
        )
        llama.should_abort = stop.is_set
        llama.prompt_eval_tokens = None
        room = self.n_ctx - len(prompt)
        max_tokens = min(request.max_tokens or room, room)
        # The local server's options (request.extra): stop strings, top_p, a JSON schema.
        extra = request.extra or {}
        text = TextStream(emit, (*self.stops, *(extra.get("stop") or ())))
        result = TurnResult("length", 0, 0)
        llama.tool_grammar = grammar
        special = grammar is not None
        pieces = llama.generate(
            prompt,
            temp=request.temperature,
            top_k=40,
            top_p=extra.get("top_p", 0.95),
            min_p=0.05,
            grammar=schema_grammar(extra.get("json_schema")),
        )
        try:
            for token in pieces:
                if stop.is_set():
                    result.finish = "stopped"
                    break
                if self.is_eog(self.vocab, token):
                    result.finish = "stop"
                    break
                result.output_tokens += 1
                if text.feed(llama.detokenize([token], special=special)):
                    result.finish = "stop"
                    break
                if result.output_tokens >= max_tokens:
                    break
        except RuntimeError:
            # llama_decode returns 2 when our abort hook fired; anything else is a real failure.
            if not stop.is_set():
                raise
            result.finish = "stopped"
        finally:
            pieces.close()
            llama.should_abort = lambda: False
            llama.tool_grammar = None
        text.finish()
        result.evaluated = llama.prompt_eval_tokens or 0
        return result


@dataclass(slots=True)
class SavedContext:
    """llama.cpp's context (its KV cache) and the tokens it holds. Not Llama.save_state: that
    also copies the score matrix (n_batch x vocabulary floats, 300 MB for a 150k vocabulary),
    which the next turn does not need since it evaluates at least one token anyway."""

    data: ctypes.Array
    size: int
    tokens: list[int]

    @classmethod
    def of(cls, llama: Any) -> SavedContext:
        llama_cpp = llama_cpp_module()
        ctx = llama._ctx.ctx
        room = llama_cpp.llama_state_get_size(ctx)
        data = (ctypes.c_uint8 * room)()
        size = llama_cpp.llama_state_get_data(ctx, data, room)
        return cls(data, size, llama.input_ids[: llama.n_tokens].tolist())

    def restore(self, llama: Any) -> None:
        llama_cpp = llama_cpp_module()
        if llama_cpp.llama_state_set_data(llama._ctx.ctx, self.data, self.size) != self.size:
            log.warning("Could not restore the conversation's cache; it is read again")
            llama.reset()
            return
        llama.input_ids[: len(self.tokens)] = self.tokens
        llama.n_tokens = len(self.tokens)
        # The restored logits are not the live ones: the next turn decodes at least one token.
        llama._requires_eval = True


class TextStream:
    """Generated bytes in, text deltas out: whole UTF-8 characters only, stop strings cut off.

    Text goes out exactly as generated (an SPM model's reply may start with a space): stored
    verbatim, it re-tokenises on the next turn to the tokens already in the KV cache.
    """

    def __init__(self, emit: Callable[[StreamEvent], None], stops: Sequence[str]) -> None:
        self.emit = emit
        self.decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self.matcher = StopMatcher(stops)

    def feed(self, piece: bytes) -> bool:
        """Send what is safe to send; True when a stop string was reached."""
        text, hit = self.matcher.feed(self.decoder.decode(piece))
        self._send(text)
        return hit

    def finish(self) -> None:
        if not self.matcher.hit:
            self._send(self.matcher.flush() + self.decoder.decode(b"", final=True))

    def _send(self, text: str) -> None:
        if text:
            self.emit(TextDelta(text))


def schema_grammar(wrapper: dict | None) -> Any:
    """A llama.cpp grammar that only lets the model write JSON matching the schema (OpenAI's
    response_format json_schema: {"name", "schema"}), or None."""
    if not wrapper:
        return None
    import json

    from llama_cpp import LlamaGrammar

    schema = wrapper.get("schema") or {"type": "object"}
    return LlamaGrammar.from_json_schema(json.dumps(schema), verbose=False)


def _fold_system_prompt(messages: list[dict[str, str]]) -> list[dict[str, str]]:
    system = "\n\n".join(m["content"] for m in messages if m["role"] == "system")
    rest = [dict(m) for m in messages if m["role"] != "system"]
    for m in rest:
        if m["role"] == "user":
            m["content"] = f"{system}\n\n{m['content']}"
            break
    return rest


class StopMatcher:
    """Holds back text that could be the start of a stop string, so none of it leaks out."""

    def __init__(self, stops: Sequence[str]) -> None:
        self.stops = [s for s in stops if s]
        self.pending = ""
        self.hit = False

    def feed(self, text: str) -> tuple[str, bool]:
        self.pending += text
        found = [i for i in (self.pending.find(s) for s in self.stops) if i >= 0]
        if found:
            out, self.pending, self.hit = self.pending[: min(found)], "", True
            return out, True
        keep = max((self._partial(s) for s in self.stops), default=0)
        cut = len(self.pending) - keep
        out, self.pending = self.pending[:cut], self.pending[cut:]
        return out, False

    def _partial(self, stop: str) -> int:
        for n in range(min(len(stop) - 1, len(self.pending)), 0, -1):
            if self.pending.endswith(stop[:n]):
                return n
        return 0

    def flush(self) -> str:
        out, self.pending = self.pending, ""
        return out


def trim_notice(dropped: int) -> Notice:
    what = "1 earlier message was" if dropped == 1 else f"{dropped} earlier messages were"
    return Notice(
        kind="context_trimmed",
        text=f"{what} left out so the conversation fits the model's memory.",
    )
