"""Chunks: near the size, overlapping, cut at the best boundary, offsets exact."""

from __future__ import annotations

import random

from app.documents.chunking import chunk_section
from app.documents.sections import Section


def check_exact(section: Section, chunks) -> None:
    for c in chunks:
        assert section.text[c.start : c.end] == c.text
        assert c.text == c.text.strip() and c.text


def test_offsets_are_exact_and_sizes_bounded():
    rng = random.Random(7)
    words = ["alpha", "beta.", "gamma\n\n", "delta,", "épée", "Zürich!", "x\n"]
    text = " ".join(rng.choice(words) for _ in range(3000))
    section = Section(text, page=4, heading="Costs")
    chunks = chunk_section(section)
    check_exact(section, chunks)
    assert all(len(c.text) <= 1000 for c in chunks)
    assert all(c.page == 4 and c.heading == "Costs" for c in chunks)
    for a, b in zip(chunks, chunks[1:], strict=False):
        assert 0 < a.end - b.start <= 150  # they overlap, by at most ~15%
    assert chunks[-1].end == len(text.rstrip())


def test_paragraphs_are_preferred_over_sentences_and_words():
    para = "This sentence is about rent. " * 20  # ~580 characters
    text = para.strip() + "\n\n" + para.strip() + "\n\n" + para.strip()
    chunks = chunk_section(Section(text))
    assert chunks[0].text == para.strip()  # cut at the paragraph break, not mid-paragraph
    check_exact(Section(text), chunks)


def test_a_short_section_is_one_chunk_and_blank_is_none():
    assert [c.text for c in chunk_section(Section("  \n Hello there.\n\n"))] == ["Hello there."]
    assert chunk_section(Section("   \n\n  ")) == []


def test_a_word_longer_than_a_chunk_is_cut_and_progress_is_made():
    text = "x" * 2500
    chunks = chunk_section(Section(text))
    check_exact(Section(text), chunks)
    assert chunks[0].start == 0 and chunks[-1].end == 2500
