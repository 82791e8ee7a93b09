"""The llama.cpp grammar (GBNF) that holds a model inside Hearth to well-formed tool calls: the
call in its own format (app/core/tool_formats.py), a tool name it was offered, and arguments
that validate against that tool's JSON Schema (required fields, enums, nested objects, as
llama-cpp-python's JSON-Schema-to-GBNF converter renders them).

With tool_choice "auto" the grammar is lazy: the words are free until the model writes the
format's opening (`<tool_call>`, `[TOOL_CALLS]`, or a reply that starts with `{` for Llama 3),
and from there the call is constrained. With "required" it applies from the first token.
"""

from __future__ import annotations

import copy
import json
import logging
import re
from dataclasses import dataclass
from typing import Any

from app.core.tool_formats import ToolFormat
from app.core.tools import ToolSpec
from app.providers.llama_glue import llama_cpp_module

log = logging.getLogger(__name__)

# Parallel calls in one turn. Small models that start repeating a call would otherwise fill the
# reply with copies of it; ToolLoop's limit (10 per reply) still bounds the whole reply.
MAX_PARALLEL_CALLS = 4


@dataclass(frozen=True, slots=True)
class ToolGrammar:
    """GBNF text (root rule "root") and, for a lazy grammar, the regular expressions (matched
    against the whole text so far; the first group is where the constrained part starts)."""

    gbnf: str
    triggers: tuple[str, ...] = ()


def tool_grammar(fmt: ToolFormat, tools: tuple[ToolSpec, ...], *, required: bool) -> ToolGrammar:
    converter = _converter()
    if fmt == "mistral_args":
        body = _mistral_args_rules(converter, tools)
    else:
        calls = " | ".join(_call_rule(converter, fmt, i, t) for i, t in enumerate(tools))
        converter._add_rule("call", calls)
        body = _ROOTS[fmt]
    rules = converter.format_grammar()
    gbnf = f"root ::= {body}\n{rules}\n"
    return ToolGrammar(gbnf, () if required else _triggers(fmt))


def _converter() -> Any:
    llama_cpp_module()  # llama.cpp's log goes to ours before anything of llama_cpp is imported
    from llama_cpp.llama_grammar import SchemaConverter

    order = {"name": 0, "arguments": 1, "parameters": 1}
    return SchemaConverter(prop_order=order, allow_fetch=False, dotall=False, raw_pattern=False)


_MORE = f"{{0,{MAX_PARALLEL_CALLS - 1}}}"
_ROOTS: dict[str, str] = {
    # Qwen writes `<tool_call>\n{...}\n</tool_call>`, one block per line.
    "hermes": f'hermes-call ( "\\n"? hermes-call ){_MORE}\n'
    'hermes-call ::= "<tool_call>" "\\n"? call "\\n"? "</tool_call>"',
    # Llama 3's template takes one call per assistant turn.
    "llama3": '"<|python_tag|>"? call',
    "mistral": f'"[TOOL_CALLS]" "[" call ( "," space call ){_MORE} "]"',
}


def _call_rule(converter: Any, fmt: ToolFormat, index: int, tool: ToolSpec) -> str:
    """One tool's call object, {"name": <its name>, "arguments"|"parameters": <its schema>}."""
    key = "parameters" if fmt == "llama3" else "arguments"
    parameters = _parameters(tool)
    schema: dict[str, Any] = {
        "type": "object",
        "properties": {"name": {"const": tool.name}, key: parameters},
        "required": ["name", key],
    }
    for defs in ("$defs", "definitions"):  # "#/$defs/X" refs resolve from the root
        if defs in parameters:
            schema[defs] = parameters[defs]
    return _visit(converter, schema, f"call{index}", tool, fallback=_any_arguments(schema, key))


def _mistral_args_rules(converter: Any, tools: tuple[ToolSpec, ...]) -> str:
    """`[TOOL_CALLS]name[ARGS]{...}` for each call (Mistral's v11 tokenizer)."""
    options = []
    for index, tool in enumerate(tools):
        schema = _parameters(tool)
        args = _visit(converter, schema, f"args{index}", tool, fallback={"type": "object"})
        options.append(f'{_literal(tool.name)} "[ARGS]" {args}')
    converter._add_rule("mistral-call", '"[TOOL_CALLS]" ( ' + " | ".join(options) + " )")
    return f"mistral-call ( mistral-call ){_MORE}"


def _visit(converter: Any, schema: dict, name: str, tool: ToolSpec, *, fallback: dict) -> str:
    """The rule for `schema`; a schema the converter cannot render (a remote $ref, a pattern it
    does not know) falls back to any JSON object for the arguments, said in the log."""
    try:
        resolved = converter.resolve_refs(copy.deepcopy(schema), name)
        return converter.visit(resolved, name)
    except Exception:  # noqa: BLE001 - the converter raises AssertionError, KeyError, ...
        log.warning("The schema of the tool %s is beyond the grammar: any object goes", tool.name)
        log.debug("schema of %s: %s", tool.name, json.dumps(schema)[:2000])
        return converter.visit(fallback, name + "-any")


def _parameters(tool: ToolSpec) -> dict[str, Any]:
    schema = tool.parameters if isinstance(tool.parameters, dict) else {}
    schema = {k: v for k, v in schema.items() if k not in ("title", "$schema")}
    return schema or {"type": "object"}


def _any_arguments(schema: dict, key: str) -> dict:
    return {**schema, "properties": {**schema["properties"], key: {"type": "object"}}}


def _literal(text: str) -> str:
    return json.dumps(text)  # GBNF string literals escape as JSON strings do


def _triggers(fmt: ToolFormat) -> tuple[str, ...]:
    """Regular expressions over the whole reply so far: where a call begins (group 1)."""
    if fmt == "llama3":
        return (r"^\s*(\{|<\|python_tag\|>)[\s\S]*$",)
    opening = "<tool_call>" if fmt == "hermes" else "[TOOL_CALLS]"
    return (rf"^[\s\S]*?({re.escape(opening)})[\s\S]*$",)
