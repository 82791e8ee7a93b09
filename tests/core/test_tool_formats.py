"""Tool-call formats of models inside Hearth: which one a chat template teaches, the words/call
split while streaming, and the parsers of each format (parallel calls too)."""

from __future__ import annotations

import json

import pytest

from app.core.tool_formats import CallSplitter, new_call_id, parse_calls, tool_format
from tests.gguf_factory import DEFAULT_TEMPLATE
from tests.tools.chat_templates import LLAMA31, MISTRAL_V3, QWEN25


def ids():
    counter = iter(range(100))
    return lambda: f"call{next(counter)}"


@pytest.mark.parametrize(
    ("template", "fmt"),
    [
        (QWEN25, "hermes"),
        (LLAMA31, "llama3"),
        (MISTRAL_V3, "mistral"),
        ("{{ tools }}[TOOL_CALLS]{{ name }}[ARGS]{{ args }}", "mistral_args"),
        (DEFAULT_TEMPLATE, None),  # ChatML without tools
        ("{# tools are not supported #}{{ messages }}", None),  # mentions tools, no known format
        (None, None),
    ],
)
def test_format_from_the_template(template, fmt):
    assert tool_format(template) == fmt


def test_call_ids_have_the_shape_mistral_requires():
    call_id = new_call_id()
    assert len(call_id) == 9 and call_id.isalnum()


def test_hermes_parallel_calls_with_words_before():
    text = (
        '<tool_call>\n{"name": "add", "arguments": {"a": 40, "b": 2}}\n</tool_call>\n'
        '<tool_call>\n{"name": "env", "arguments": "{\\"name\\": \\"HOME\\"}"}\n</tool_call>'
    )
    calls = parse_calls("hermes", text, ids())
    assert [(c.id, c.name, json.loads(c.arguments)) for c in calls] == [
        ("call0", "add", {"a": 40, "b": 2}),
        ("call1", "env", {"name": "HOME"}),
    ]


def test_hermes_unclosed_last_block_still_counts():
    calls = parse_calls("hermes", '<tool_call>\n{"name": "add", "arguments": {"a": 1}}', ids())
    assert calls[0].name == "add" and json.loads(calls[0].arguments) == {"a": 1}


def test_llama3_json_call_with_python_tag_and_parameters():
    text = '<|python_tag|>{"name": "add", "parameters": {"a": 1, "b": 2}}'
    (call,) = parse_calls("llama3", text, ids())
    assert call.name == "add" and json.loads(call.arguments) == {"a": 1, "b": 2}
    two = parse_calls("llama3", '{"name": "a", "parameters": {}}; {"name": "b", "parameters": {}}')
    assert [c.name for c in two] == ["a", "b"]


def test_mistral_array_keeps_the_models_ids():
    text = '[TOOL_CALLS][{"name": "add", "arguments": {"a": 1}, "id": "abcDEF123"}, ' + (
        '{"name": "env", "arguments": {"name": "HOME"}}]'
    )
    calls = parse_calls("mistral", text, ids())
    assert [(c.id, c.name) for c in calls] == [("abcDEF123", "add"), ("call0", "env")]


def test_mistral_args_form():
    text = '[TOOL_CALLS]add[ARGS]{"a": 1, "b": 2}[TOOL_CALLS]env[ARGS]{"name": "HOME"}'
    calls = parse_calls("mistral_args", text, ids())
    assert [(c.name, json.loads(c.arguments)) for c in calls] == [
        ("add", {"a": 1, "b": 2}),
        ("env", {"name": "HOME"}),
    ]


@pytest.mark.parametrize(
    ("fmt", "text", "why"),
    [
        ("hermes", "<tool_call>\n{not json", "not valid JSON"),
        ("hermes", "<tool_call>\n", "wrote none in full"),
        ("llama3", '{"parameters": {}}', "no tool name"),
        ("mistral_args", "[TOOL_CALLS]add", "no arguments"),
        ("hermes", '<tool_call>{"name": "add", "arguments": "{oops"}', "not valid JSON"),
    ],
)
def test_malformed_calls_are_said_in_plain_words(fmt, text, why):
    with pytest.raises(ValueError, match=why):
        parse_calls(fmt, text)


def feed_all(splitter, pieces):
    shown = "".join(splitter.feed(p) for p in pieces)
    return shown + splitter.finish()


def test_splitter_shows_words_and_holds_back_a_call_split_across_pieces():
    splitter = CallSplitter("hermes")
    pieces = ["Let me ", "add. <tool", "_ca", 'll>\n{"name": "add"', "}\n</tool_call>"]
    assert feed_all(splitter, pieces) == "Let me add. "
    assert splitter.call_text == '<tool_call>\n{"name": "add"}\n</tool_call>'


def test_splitter_lets_through_a_false_start():
    splitter = CallSplitter("hermes")
    assert feed_all(splitter, ["a <tool", "box> b"]) == "a <toolbox> b"
    assert not splitter.in_call


def test_llama3_calls_only_at_the_start():
    call = CallSplitter("llama3")
    assert feed_all(call, ["  ", '{"name"', ': "x", "parameters": {}}']) == ""
    assert call.call_text.strip().startswith('{"name"')
    words = CallSplitter("llama3")
    assert feed_all(words, ["Sure: ", '{"a": 1}']) == 'Sure: {"a": 1}'
    assert not words.in_call
    tag = CallSplitter("llama3")
    assert feed_all(tag, ["<|python", '_tag|>{"name": "x"}']) == ""
    assert tag.in_call


def test_a_reply_cut_short_keeps_its_whole_calls():
    text = '<tool_call>\n{"name": "a", "arguments": {}}\n</tool_call>\n<tool_call>\n{"name": "b'
    assert [c.name for c in parse_calls("hermes", text, ids(), cut=True)] == ["a"]
    with pytest.raises(ValueError):
        parse_calls("hermes", text, ids())
