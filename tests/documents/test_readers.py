"""Each reader on real files written here: PDFs made with pypdf, a Word file with python-docx."""

from __future__ import annotations

import io
import itertools
from pathlib import Path

import pytest

from app.documents.errors import (
    DamagedDocument,
    EmptyDocument,
    PasswordProtected,
    UnsupportedDocument,
)
from app.documents.readers import open_document
from app.documents.samples import sample_docx, sample_pdf
from app.documents.sections import SECTION_CHARS


def sections(path: Path, start: int = 0) -> list:
    document = open_document(path)
    try:
        return list(document.sections(start))
    finally:
        document.close()


def test_pdf_pages_are_sections_with_their_numbers(tmp_path):
    path = tmp_path / "report.pdf"
    path.write_bytes(sample_pdf(["Rent is 900 euros.", "The cat is called Miso.", "Last page."]))
    document = open_document(path)
    assert document.pages == 3
    document.close()
    read = sections(path)
    assert [s.page for s in read] == [1, 2, 3]
    assert "Miso" in read[1].text and read[1].offset == 0 and read[1].problem is None
    assert [s.page for s in sections(path, start=2)] == [3]  # resuming skips to the page


def test_a_scanned_page_is_marked_and_a_blank_one_is_not(tmp_path):
    path = tmp_path / "scan.pdf"
    path.write_bytes(sample_pdf(["Typed page.", None, ""]))
    read = sections(path)
    assert [(s.page, s.problem) for s in read] == [(1, None), (2, "scanned"), (3, None)]
    assert read[1].text == ""


def test_a_password_protected_pdf_says_so(tmp_path):
    path = tmp_path / "secret.pdf"
    path.write_bytes(sample_pdf(["Secret numbers."], password="hunter2"))
    with pytest.raises(PasswordProtected) as err:
        open_document(path)
    assert "password" in err.value.plain()


def test_a_pdf_locked_only_against_printing_still_reads(tmp_path):
    path = tmp_path / "owner.pdf"
    path.write_bytes(sample_pdf(["Readable by anyone."], password=""))
    assert "Readable" in sections(path)[0].text


def test_an_aes_pdf_locked_only_against_changes_still_reads(tmp_path):
    """Bank statements and tax forms often come "secured" with AES and no opening password."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(sample_pdf(["Statement total 12.50"]))))
    writer.encrypt(user_password="", owner_password="bank", algorithm="AES-256")
    out = io.BytesIO()
    writer.write(out)
    path = tmp_path / "statement.pdf"
    path.write_bytes(out.getvalue())
    assert sections(path)[0].text == "Statement total 12.50"


def test_a_corrupt_pdf_is_damaged_in_plain_words(tmp_path):
    path = tmp_path / "broken.pdf"
    path.write_bytes(sample_pdf(["Fine start."])[:120])
    with pytest.raises(DamagedDocument) as err:
        sections(path)
    assert err.value.plain().startswith("This PDF file is damaged or incomplete")


@pytest.mark.parametrize("name", ["empty.pdf", "empty.txt", "empty.docx", "empty.md"])
def test_an_empty_file_is_empty(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(b"")
    with pytest.raises(EmptyDocument):
        open_document(path)


def test_unsupported_and_binary_files_are_refused(tmp_path):
    with pytest.raises(UnsupportedDocument):
        open_document(tmp_path / "photo.jpg")
    binary = tmp_path / "data.txt"
    binary.write_bytes(b"\x00\x01\x02text")
    with pytest.raises(UnsupportedDocument):
        open_document(binary)


def test_docx_splits_at_headings_and_keeps_tables(tmp_path):
    path = sample_docx(
        tmp_path / "taxes.docx",
        [("h1", "Taxes 2026"), ("p", "File by April."), ("h2", "Budget"), ("p", "Rent is 900.")],
    )
    read = sections(path)
    assert [s.heading for s in read] == ["Taxes 2026", "Budget"]
    assert "File by April." in read[0].text and "Rent is 900." in read[1].text
    assert read[1].offset == len(read[0].text)  # offsets into the whole document's text


def test_a_large_docx_is_read_as_a_stream_of_bounded_sections(tmp_path):
    """No headings, 4,000 paragraphs (about 1 MB of text): sections of about SECTION_CHARS,
    handed out one at a time (the first before the last paragraph is reached), together the
    whole text with exact offsets."""
    words = "The heron waits by the water for the fish to come close enough. " * 4
    paragraphs = [f"Paragraph {i}. {words}" for i in range(4000)]
    path = sample_docx(tmp_path / "big.docx", [("p", t) for t in paragraphs])
    document = open_document(path)
    try:
        stream = document.sections()
        first = next(stream)
        assert first.text.startswith("Paragraph 0.") and "Paragraph 3999." not in first.text
        rest = list(stream)
    finally:
        document.close()
    read = [first, *rest]
    assert len(read) >= 20  # several sections, not the file at once
    assert all(len(s.text) <= SECTION_CHARS + len(paragraphs[-1]) + 4 for s in read)
    assert [s.offset for s in read[1:]] == list(
        itertools.accumulate(len(s.text) for s in read[:-1])
    )
    assert "".join(s.text for s in read) == "".join(t.strip() + "\n\n" for t in paragraphs)
    assert [s.offset for s in sections(path, start=3)] == [s.offset for s in read[3:]]


def test_html_is_read_a_section_at_a_time(tmp_path):
    path = tmp_path / "page.html"
    body = "".join(f"<h2>Part {i}</h2><p>Text of part {i}.</p>" for i in range(50))
    path.write_text(f"<html><title>Big</title><body>{body}</body></html>", encoding="utf-8")
    document = open_document(path)
    try:
        stream = document.sections()
        assert next(stream).heading == "Big"
        rest = list(stream)
    finally:
        document.close()
    assert [s.heading for s in rest] == [f"Part {i}" for i in range(50)]


def test_a_damaged_docx_is_damaged(tmp_path):
    path = tmp_path / "broken.docx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(DamagedDocument):
        open_document(path)


def test_markdown_splits_at_headings_outside_code(tmp_path):
    text = (
        "Intro line.\n\n# Plan\n\nStep one.\n\n```\n# a comment, not a heading\n```\n"
        "## Money ##\nRent.\n"
    )
    path = tmp_path / "notes.md"
    path.write_text(text, encoding="utf-8")
    read = sections(path)
    assert [s.heading for s in read] == [None, "Plan", "Money"]
    for s in read:
        assert text[s.offset : s.offset + len(s.text)] == s.text
    assert "# a comment" in read[1].text


def test_text_encodings_are_read_robustly(tmp_path):
    latin = tmp_path / "latin.txt"
    latin.write_bytes("Café crème à Noël\n".encode("latin-1"))
    assert sections(latin)[0].text == "Café crème à Noël\n"
    bom = tmp_path / "bom.txt"
    bom.write_bytes("\ufeffÉté\n".encode("utf-8"))
    assert sections(bom)[0].text == "Été\n"
    windows = tmp_path / "quotes.txt"
    windows.write_bytes("“quoted” — dash\r\n".encode("cp1252"))
    assert sections(windows)[0].text == "“quoted” — dash\r\n"  # line ends kept: offsets exact
    utf16 = tmp_path / "notepad.txt"
    utf16.write_text("Ünïcode from Notepad\n", encoding="utf-16")
    assert sections(utf16)[0].text == "Ünïcode from Notepad\n"


def test_html_reads_visible_text_split_at_headings(tmp_path):
    path = tmp_path / "page.html"
    path.write_text(
        "<html><head><title>Guide</title><style>p{color:red}</style></head><body>"
        "<h1>Boiler</h1><p>Bleed the <b>radiators</b> in autumn.</p><script>track()</script>"
        "<h2>Water</h2><ul><li>Stopcock under the sink</li></ul></body></html>",
        encoding="utf-8",
    )
    read = sections(path)
    headings = [s.heading for s in read]
    assert headings[-2:] == ["Boiler", "Water"]
    whole = "".join(s.text for s in read)
    assert "Bleed the radiators in autumn." in whole and "Stopcock under the sink" in whole
    assert "track()" not in whole and "color:red" not in whole


def test_eml_reads_headers_and_body(tmp_path):
    path = tmp_path / "mail.eml"
    path.write_bytes(
        b"From: Ana <ana@example.org>\r\nTo: me@example.org\r\nSubject: Tax papers\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n\r\nThe forms are due in April.\r\n"
    )
    (only,) = sections(path)
    assert only.heading == "Tax papers"
    assert "From: Ana" in only.text and "due in April" in only.text


def test_html_email_body_is_turned_into_text(tmp_path):
    path = tmp_path / "mail.eml"
    path.write_bytes(
        b"Subject: Menu\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
        b"<p>Soup on <i>Friday</i></p>\r\n"
    )
    assert "Soup on Friday" in sections(path)[0].text
