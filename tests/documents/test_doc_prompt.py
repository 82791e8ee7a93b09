"""The numbered passages in a prompt, and which of them a reply cited (app.core.doc_prompt)."""

from __future__ import annotations

import json

import pytest

from app.core.doc_prompt import (
    CITE_INSTRUCTION,
    NOTHING_FOUND,
    choose_passages,
    cited_numbers,
    cited_passages,
    parse_sources,
    question_with_sources,
    source_lines,
    sources_block,
    sources_json,
)
from app.core.documents import Passage
from app.core.records import Message
from app.core.where import passages_sent


def passage(n: int, text: str = "some words", page: int | None = 3, **kw) -> Passage:
    defaults = dict(file_id=1, path="/docs/report.pdf", heading=None, start=0, end=len(text))
    return Passage(chunk_id=n, page=page, text=text, **{**defaults, **kw})


def test_the_best_passages_that_fit_the_budget_go_in_a_long_one_is_skipped_not_cut():
    short, long = passage(1, "a" * 40), passage(2, "b" * 4000, start=40, end=4040)
    other = passage(3, "c" * 40, start=4040, end=4080)
    chosen = choose_passages([short, long, other, short], budget_tokens=60)
    assert chosen == [short, other]  # best first; the long one skipped; a repeat counts once
    assert choose_passages([short], budget_tokens=5) == []


def test_the_block_numbers_each_passage_with_its_file_and_page():
    block = sources_block(
        [
            passage(1, "Rent is 900 euros.", page=3),
            passage(2, "Bake at 220.", page=None, path="/n/notes.md", heading="Bread"),
            passage(3, "Plain text.", page=None, path="/x/todo.txt"),
        ]
    )
    lines = [line for line in block.splitlines() if line.startswith("[")]
    assert lines == [
        "[1] report.pdf, page 3: Rent is 900 euros.",
        "[2] notes.md, Bread: Bake at 220.",
        "[3] todo.txt: Plain text.",
    ]


def test_the_question_comes_after_the_passages_and_the_rule_to_cite_them():
    prompt = question_with_sources("What is the rent?", [passage(1, "Rent is 900 euros.")])
    assert prompt.index("[1] report.pdf, page 3: Rent is 900 euros.") < prompt.index(
        CITE_INSTRUCTION
    )
    assert "[n]" in CITE_INSTRUCTION and "do not contain" in CITE_INSTRUCTION
    assert prompt.endswith("Question: What is the rent?")
    empty = question_with_sources("What is the rent?", [])
    assert empty.startswith(NOTHING_FOUND) and empty.endswith("What is the rent?")


@pytest.mark.parametrize(
    ("reply", "numbers"),
    [
        ("The rent is 900 euros [1].", [1]),
        ("Rent [2] and deposit [1, 3]; again [2].", [2, 1, 3]),
        ("Both [1][2] say so.", [1, 2]),
        ("Lists [1,3] too.", [1, 3]),
        ("No passage [7] behind it, nor [0]; a real one [2].", [2]),
        ("See [1](https://example.com) for a link, and [3].", [3]),
        ("Code `a[1]` is not a citation, this is [2].", [2]),
        ("```python\nx = rows[1]\n```\nThe answer [3].", [3]),
        ("~~~\n[1]\n~~~\n", []),
        ("The documents do not say.", []),
        ("", []),
    ],
)
def test_markers_the_reply_used_in_order_of_first_use(reply, numbers):
    assert cited_numbers(reply, count=3) == numbers


def test_cited_sources_are_stored_with_their_marker_and_read_back():
    passages = [passage(10, "Rent is 900 euros.", page=3), passage(11, "Deposit.", page=4)]
    cited = cited_passages("Deposit [2], rent [1].", passages)
    assert [(n, p.chunk_id) for n, p in cited] == [(2, 11), (1, 10)]
    stored = sources_json(cited)
    first = json.loads(stored)[0]
    assert first == {
        "n": 2,
        "file": "/docs/report.pdf",
        "page": 4,
        "text": "Deposit.",
        "heading": None,
        "start": 0,
        "end": 8,
    }
    assert sources_json([]) is None
    assert parse_sources(stored) == json.loads(stored)
    assert parse_sources(None) == parse_sources("not json") == parse_sources('{"a": 1}') == []
    assert source_lines(parse_sources(stored)) == [
        "[2] report.pdf, page 4",
        "[1] report.pdf, page 3",
    ]


def test_a_message_reads_its_sources():
    message = Message(1, 1, None, "assistant", "x [1]", None, None, "complete", "now")
    assert message.sources is None and message.cited_sources == []
    stored = sources_json([(1, passage(1, "Rent."))])
    assert message.__class__(**{**_fields(message), "sources": stored}).cited_sources[0]["n"] == 1


def _fields(message: Message) -> dict:
    return {f: getattr(message, f) for f in Message.__dataclass_fields__}


def test_what_the_user_is_told_before_passages_leave():
    assert passages_sent(3, "OpenAI") == "3 passages from your files will be sent to OpenAI."
    assert passages_sent(1, "Anthropic") == ("1 passage from your files will be sent to Anthropic.")
