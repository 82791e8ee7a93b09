"""Tool calls on real llama.cpp: tiny GGUF files with each family's tools-aware template. The
weights are random, so what the model writes is whatever the grammar lets through: every call
must parse and its arguments validate against the tool's schema (required fields, enums, nested
objects), whichever way the random model wanders inside the grammar."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import jsonschema
import pytest

from app.core.chat import ChatMessage, ChatRequest, ModelInfo
from app.core.events import Done, Notice, TextDelta
from app.core.tools import ToolCall, ToolSpec
from app.providers.gguf_info import read_gguf_info
from app.providers.llama_local import LocalEngine
from app.providers.llama_tool_grammar import MAX_PARALLEL_CALLS, tool_grammar
from tests.gguf_factory import write_tiny_gguf
from tests.tools.chat_templates import LLAMA31, MISTRAL_V3, QWEN25

ADD = ToolSpec(
    "add",
    "Add two whole numbers.",
    {
        "type": "object",
        "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}},
        "required": ["a", "b"],
    },
)
# Required fields, an enum, a nested object with its own required field, an optional array.
BOOK = ToolSpec(
    "book",
    "Book a table.",
    {
        "type": "object",
        "properties": {
            "day": {"type": "string", "enum": ["mon", "tue", "wed"]},
            "party": {
                "type": "object",
                "properties": {
                    "size": {"type": "integer"},
                    "name": {"type": "string", "maxLength": 8},
                    "vip": {"type": "boolean"},
                },
                "required": ["size"],
            },
            "notes": {"type": "array", "items": {"enum": ["window", "quiet"]}, "maxItems": 2},
        },
        "required": ["day", "party"],
    },
)
TOOLS = (ADD, BOOK)
SCHEMAS = {t.name: t.parameters for t in TOOLS}


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("tool-models")


def model_with(models: Path, name: str, template: str) -> ModelInfo:
    path = write_tiny_gguf(models / f"{name}.gguf", chat_template=template, n_ctx=8192)
    return read_gguf_info(path)


def run(model: ModelInfo, *requests: ChatRequest) -> list[list]:
    async def main():
        engine = LocalEngine()
        try:
            await engine.load(model)
            return [[e async for e in engine.stream_chat(r)] for r in requests]
        finally:
            await engine.close()

    return asyncio.run(main())


def required(seed: int, tools=TOOLS) -> ChatRequest:
    return ChatRequest(
        (ChatMessage("user", "Book a table and add 40 and 2."),),
        tools=tools,
        tool_choice="required",
        max_tokens=400,
        seed=seed,
    )


@pytest.mark.parametrize(
    ("template", "max_calls"),
    [(QWEN25, MAX_PARALLEL_CALLS), (LLAMA31, 1), (MISTRAL_V3, MAX_PARALLEL_CALLS)],
    ids=["qwen", "llama3", "mistral"],
)
def test_the_grammar_forces_valid_calls_in_each_format(models, template, max_calls):
    model = model_with(models, f"m{max_calls}-{len(template)}", template)
    assert model.takes_tools
    for events in run(model, *(required(seed) for seed in range(4))):
        calls = [e for e in events if isinstance(e, ToolCall)]
        assert 1 <= len(calls) <= max_calls, events
        for call in calls:
            jsonschema.validate(call.parsed_arguments(), SCHEMAS[call.name])
        assert not [e for e in events if isinstance(e, TextDelta)]  # no call text shown
        assert not [e for e in events if isinstance(e, Notice)]
        assert isinstance(events[-1], Done)


def test_auto_leaves_the_words_free(models):
    model = model_with(models, "qwen-auto", QWEN25)
    request = ChatRequest((ChatMessage("user", "Hello"),), tools=TOOLS, max_tokens=30, seed=1)
    (events,) = run(model, request)
    assert "".join(e.text for e in events if isinstance(e, TextDelta))
    assert events[-1] == Done("length")


def test_tools_and_results_go_through_the_models_own_template(models):
    model = model_with(models, "qwen-render", QWEN25)
    call = ToolCall("abcDEF123", "add", '{"a": 40, "b": 2}')
    messages = (
        ChatMessage("user", "What is 40 + 2?"),
        ChatMessage("assistant", "", tool_calls=(call,)),
        ChatMessage("tool", "42", tool_call_id=call.id, tool_name="add"),
    )

    async def main():
        engine = LocalEngine()
        try:
            await engine.load(model)
            owner = engine._owner
            return await owner.call(lambda: owner.chat.render(messages, (ADD,)))
        finally:
            await engine.close()

    prompt = asyncio.run(main())
    assert '<tools>\n{"type": "function", "function": {"name": "add"' in prompt
    assert '<tool_call>\n{"name": "add", "arguments": {"a": 40, "b": 2}}\n</tool_call>' in prompt
    assert "<|im_start|>user\n<tool_response>\n42\n</tool_response><|im_end|>" in prompt
    assert prompt.endswith("<|im_start|>assistant\n")


def test_a_model_without_tools_in_its_template_is_offered_none(models, tiny_gguf):
    model = read_gguf_info(tiny_gguf)  # ChatML without tools
    assert model.takes_tools is False
    (events,) = run(model, required(0))
    assert not [e for e in events if isinstance(e, ToolCall)]
    assert [e for e in events if isinstance(e, TextDelta)]


def test_gbnf_from_a_schema():
    gbnf = tool_grammar("hermes", TOOLS, required=True).gbnf
    rules = dict(line.split(" ::= ", 1) for line in gbnf.strip().splitlines())
    assert rules["root"].startswith('hermes-call ( "\\n"? hermes-call ){0,3}')
    assert rules["call"] == "call0 | call1"
    assert rules["call0-name"] == '"\\"add\\""'
    # required fields in order, with no way round them
    assert rules["call0-arguments"] == (
        '"{" space call0-arguments-a-kv "," space call0-arguments-b-kv "}" space'
    )
    assert rules["call1-arguments-day"] == '"\\"mon\\"" | "\\"tue\\"" | "\\"wed\\""'  # enum
    nested = rules["call1-arguments-party"]  # nested object: size required, the rest optional
    assert nested.startswith('"{" space call1-arguments-party-size-kv ( "," space (')
    lazy = tool_grammar("mistral", TOOLS, required=False)
    assert lazy.triggers == (r"^[\s\S]*?(\[TOOL_CALLS\])[\s\S]*$",)
    assert lazy.gbnf.startswith('root ::= "[TOOL_CALLS]" "[" call')


def test_a_schema_beyond_the_converter_falls_back_to_any_object():
    odd = ToolSpec("odd", "", {"type": "object", "properties": {"x": {"$ref": "#/nowhere"}}})
    gbnf = tool_grammar("hermes", (odd,), required=True).gbnf
    assert "call0-any" in gbnf


def test_tool_call_results_from_another_model_read_as_plain_turns(models, tiny_gguf):
    model = read_gguf_info(tiny_gguf)
    messages = (
        ChatMessage("user", "Add"),
        ChatMessage("assistant", "", tool_calls=(ToolCall("c1", "add", "{}"),)),
        ChatMessage("tool", "42", tool_call_id="c1", tool_name="add"),
    )

    async def main():
        engine = LocalEngine()
        try:
            await engine.load(model)
            owner = engine._owner
            return await owner.call(lambda: owner.chat.render(messages))
        finally:
            await engine.close()

    assert "(Result of the tool add: 42)" in asyncio.run(main())
    assert json  # keeps the import for readers of the call arguments above
