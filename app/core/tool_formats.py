"""How models running inside Hearth write tool calls, each in the format its chat template teaches
it, and how that text becomes ToolCalls. Pure: the grammar that keeps a small model to the format
is built in app/providers/llama_tool_grammar.py, the turn that uses both in llama_tool_turn.py.

- "hermes" (Qwen 2.5/3, Hermes 2/3): `<tool_call>{"name": ..., "arguments": {...}}</tool_call>`
  (a newline inside each tag), one block per call, after any words.
- "llama3" (Llama 3.1+): the whole reply is `{"name": ..., "parameters": {...}}`, maybe after
  `<|python_tag|>`; one call per turn (its template refuses more).
- "mistral" (Mistral v3 tokenizer): `[TOOL_CALLS][{"name": ..., "arguments": {...}}, ...]`;
  "mistral_args" (v11 tokenizer): `[TOOL_CALLS]name[ARGS]{...}` for each call.
"""

from __future__ import annotations

import json
import re
import secrets
import string
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from app.core.tools import ToolCall

ToolFormat = Literal["hermes", "llama3", "mistral", "mistral_args"]


@dataclass(frozen=True, slots=True)
class FormatRules:
    """Where a format's calls begin: `triggers` are the texts that open a call; `anywhere` says
    whether a call may come after words (else only at the start of the reply)."""

    triggers: tuple[str, ...]
    anywhere: bool
    # The key holding the arguments in the format's call object.
    arguments_key: str = "arguments"


RULES: dict[str, FormatRules] = {
    "hermes": FormatRules(("<tool_call>",), anywhere=True),
    "llama3": FormatRules(("<|python_tag|>", "{"), anywhere=False, arguments_key="parameters"),
    "mistral": FormatRules(("[TOOL_CALLS]",), anywhere=True),
    "mistral_args": FormatRules(("[TOOL_CALLS]",), anywhere=True),
}


def tool_format(template: str | None) -> ToolFormat | None:
    """The call format a chat template teaches its model; None when it takes no tools (it never
    mentions `tools`) or teaches a format Hearth cannot read."""
    if not template or not re.search(r"\btools\b", template):
        return None
    if "<tool_call>" in template:
        return "hermes"
    if "[TOOL_CALLS]" in template:
        return "mistral_args" if "[ARGS]" in template else "mistral"
    if "<|python_tag|>" in template or "<|start_header_id|>" in template:
        return "llama3"
    return None


def takes_tools(template: str | None) -> bool:
    return tool_format(template) is not None


_ID_CHARS = string.ascii_letters + string.digits


def new_call_id() -> str:
    """Nine letters and digits: Mistral's templates refuse any other shape of call id."""
    return "".join(secrets.choice(_ID_CHARS) for _ in range(9))


# ---------------------------------------------------------------- streaming split


class CallSplitter:
    """The generated text in, the words to show out; the text from the first call on is held
    back (for the parser), so the reader never sees `<tool_call>{...` scroll past."""

    def __init__(self, fmt: ToolFormat) -> None:
        self.rules = RULES[fmt]
        self.pending = ""  # words that may yet turn out to open a call
        self.call_text = ""  # from the trigger on
        self.in_call = False
        self.decided = False  # start-only formats: the reply began with words, so no call

    def feed(self, text: str) -> str:
        """The part of `text` that is safe to show now."""
        if self.in_call:
            self.call_text += text
            return ""
        self.pending += text
        if not self.rules.anywhere:
            return self._feed_start_only()
        found = [i for i in (self.pending.find(t) for t in self.rules.triggers) if i >= 0]
        if found:
            cut = min(found)
            out, self.call_text, self.in_call = self.pending[:cut], self.pending[cut:], True
            self.pending = ""
            return out
        keep = max((_partial(self.pending, t) for t in self.rules.triggers), default=0)
        cut = len(self.pending) - keep
        out, self.pending = self.pending[:cut], self.pending[cut:]
        return out

    def _feed_start_only(self) -> str:
        if self.decided:
            out, self.pending = self.pending, ""
            return out
        head = self.pending.lstrip()
        if any(head.startswith(t) for t in self.rules.triggers):
            self.call_text, self.pending, self.in_call = self.pending, "", True
            return ""
        if head and not any(t.startswith(head) for t in self.rules.triggers):
            self.decided = True
            out, self.pending = self.pending, ""
            return out
        return ""  # only blanks, or the start of a trigger: wait for more

    def finish(self) -> str:
        """Words still held back when the reply ends (a trigger's start that never finished)."""
        out, self.pending = self.pending, ""
        return out


def _partial(text: str, trigger: str) -> int:
    for n in range(min(len(trigger) - 1, len(text)), 0, -1):
        if text.endswith(trigger[:n]):
            return n
    return 0


# ---------------------------------------------------------------- parsing


def parse_calls(
    fmt: ToolFormat, text: str, make_id: Callable[[], str] = new_call_id, *, cut: bool = False
) -> list[ToolCall]:
    """The calls in `text` (which starts at the first trigger). ValueError, in plain words, when
    it holds no well-formed call. `cut`: the reply hit its length limit, so a last call left
    unfinished is dropped and the whole ones before it kept."""
    if cut and fmt == "hermes":
        whole = text[: text.rfind("</tool_call>") + len("</tool_call>")]
        text = whole if "</tool_call>" in text else text
    parse = {
        "hermes": _hermes,
        "llama3": _llama3,
        "mistral": _mistral,
        "mistral_args": _mistral_args,
    }[fmt]
    objects = parse(text)
    if not objects:
        raise ValueError("the model began a tool call but wrote none in full")
    key = RULES[fmt].arguments_key
    return [_call(obj, key, make_id) for obj in objects]


def _call(obj: Any, key: str, make_id: Callable[[], str]) -> ToolCall:
    if not isinstance(obj, dict) or not isinstance(obj.get("name"), str):
        raise ValueError("a tool call has no tool name")
    arguments = obj.get(key, obj.get("arguments", obj.get("parameters", {})))
    if isinstance(arguments, str):  # some models write the arguments as a JSON string
        try:
            arguments = json.loads(arguments or "{}")
        except ValueError:
            raise ValueError(f"the arguments to {obj['name']} are not valid JSON") from None
    call_id = obj.get("id") if isinstance(obj.get("id"), str) and obj.get("id") else make_id()
    return ToolCall(call_id, obj["name"], json.dumps(arguments, ensure_ascii=False))


_HERMES_BLOCK = re.compile(r"<tool_call>(.*?)(?:</tool_call>|$)", re.DOTALL)


def _hermes(text: str) -> list[Any]:
    return [_json(block.strip()) for block in _HERMES_BLOCK.findall(text) if block.strip()]


def _llama3(text: str) -> list[Any]:
    text = text.strip().removeprefix("<|python_tag|>").strip()
    objects, decoder, at = [], json.JSONDecoder(), 0
    while at < len(text):
        try:
            value, at = decoder.raw_decode(text, at)
        except ValueError:
            raise ValueError("a tool call is not valid JSON") from None
        objects.append(value)
        at = _skip(text, at, " \n\t;")
    return objects


def _mistral(text: str) -> list[Any]:
    objects = []
    for part in text.split("[TOOL_CALLS]"):
        if part.strip():
            value = _json(part.strip())
            objects.extend(value if isinstance(value, list) else [value])
    return objects


def _mistral_args(text: str) -> list[Any]:
    objects = []
    for part in text.split("[TOOL_CALLS]"):
        if not part.strip():
            continue
        name, sep, arguments = part.partition("[ARGS]")
        if not sep:
            raise ValueError("a tool call has no arguments")
        objects.append({"name": name.strip(), "arguments": _json(arguments.strip())})
    return objects


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        raise ValueError("a tool call is not valid JSON") from None


def _skip(text: str, at: int, chars: str) -> int:
    while at < len(text) and text[at] in chars:
        at += 1
    return at
