"""Small real documents made on the fly with the same libraries that read them: the self-test
proves the readers load in the installed app, and the tests read files like a user's."""

from __future__ import annotations

import io
from pathlib import Path


def sample_pdf(pages: list[str | None], *, password: str | None = None) -> bytes:
    """A PDF with one page per item: its lines as real text, or (None) a scanned page, which is
    only a picture. `password` encrypts it (RC4, which pypdf does without extra libraries)."""
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject, NumberObject

    writer = PdfWriter()
    font = writer._add_object(
        DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Font"),
                NameObject("/Subtype"): NameObject("/Type1"),
                NameObject("/BaseFont"): NameObject("/Helvetica"),
            }
        )
    )
    for text in pages:
        page = writer.add_blank_page(612, 792)
        content = DecodedStreamObject()
        if text is None:
            image = DecodedStreamObject()
            image.set_data(b"\x80" * 4)
            image.update(
                {
                    NameObject("/Type"): NameObject("/XObject"),
                    NameObject("/Subtype"): NameObject("/Image"),
                    NameObject("/Width"): NumberObject(2),
                    NameObject("/Height"): NumberObject(2),
                    NameObject("/ColorSpace"): NameObject("/DeviceGray"),
                    NameObject("/BitsPerComponent"): NumberObject(8),
                }
            )
            resources = {
                NameObject("/XObject"): DictionaryObject(
                    {NameObject("/Im1"): writer._add_object(image)}
                )
            }
            content.set_data(b"q 500 0 0 700 50 50 cm /Im1 Do Q")
        else:
            resources = {NameObject("/Font"): DictionaryObject({NameObject("/F1"): font})}
            lines = [_pdf_string(line) for line in text.splitlines()]
            body = b" Tj 0 -14 Td ".join(lines)
            content.set_data(b"BT /F1 11 Tf 72 740 Td " + body + b" Tj ET")
        page[NameObject("/Resources")] = DictionaryObject(resources)
        page[NameObject("/Contents")] = writer._add_object(content)
    if password is not None:
        writer.encrypt(user_password=password, owner_password=None, algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _pdf_string(line: str) -> bytes:
    raw = line.encode("latin-1", errors="replace")
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def sample_docx(path: Path, blocks: list[tuple[str, str]]) -> Path:
    """A Word file of (style, text) blocks: style "h1".."h3" for headings, "p" for paragraphs."""
    from docx import Document

    doc = Document()
    for style, text in blocks:
        if style.startswith("h"):
            doc.add_heading(text, level=int(style[1:]))
        else:
            doc.add_paragraph(text)
    doc.save(str(path))
    return path
