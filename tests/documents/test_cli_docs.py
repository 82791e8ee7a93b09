"""`hearth docs add|list|rm` through the real entry point, on the real data folder."""

from __future__ import annotations

import json

from app.__main__ import main
from app.documents.samples import sample_docx, sample_pdf


def hearth(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def make_folder(tmp_path):
    folder = tmp_path / "Taxes"
    folder.mkdir()
    (folder / "summary.pdf").write_bytes(sample_pdf(["Income 42,000.", "Deductions 3,100."]))
    sample_docx(folder / "letter.docx", [("h1", "Reply"), ("p", "Thank you for the forms.")])
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4 garbage")
    return folder


def test_add_reads_a_folder_names_the_broken_file_and_exits_0(capsys, tmp_path, data_dir):
    folder = make_folder(tmp_path)
    # An embedding model that is not on this computer: said plainly, the files are still read.
    code, out, err = hearth(capsys, "docs", "add", str(folder), "--embed-model", "nomic-embed")
    assert code == 0
    assert "Read 2 files into “Taxes” (3 passages); 1 could not be read." in out
    assert "summary.pdf: read (2 pages)" in out  # plain lines when not on a terminal
    (line,) = [x for x in err.splitlines() if "broken.pdf" in x]
    assert line.startswith("hearth: could not read ") and "damaged" in line
    assert any("nomic-embed" in x for x in err.splitlines() if not x.endswith("damaged."))
    assert "found by their words" in out and "hearth pull nomic-embed-text-v1.5" in out
    settings_file = data_dir / "settings.json"
    assert not settings_file.exists() or "docs_embed_model" not in settings_file.read_text()

    code, out, _ = hearth(capsys, "docs", "add", str(folder))
    assert code == 0 and out.strip() == "Nothing new to read: “Taxes” is up to date."

    code, out, _ = hearth(capsys, "docs", "list")
    lines = out.splitlines()
    assert code == 0 and lines[0] == "Taxes (3 files, 3 passages)"
    assert any(
        x.split()[0] == "failed" and "broken.pdf — This PDF file is damaged" in x for x in lines
    )
    assert any(x.split()[0] == "ready" and x.endswith("summary.pdf, 2 pages") for x in lines)


def test_add_with_nothing_readable_exits_1(capsys, tmp_path):
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"not a pdf at all")
    code, out, err = hearth(capsys, "docs", "add", str(bad), "--collection", "Junk")
    assert code == 1 and "Read 0 files into “Junk”" in out and "could not read" in err
    code, _, err = hearth(capsys, "docs", "add", str(tmp_path / "missing.md"))
    assert code == 1 and err.strip().endswith("missing.md: There is no file or folder here.")
    (tmp_path / "picture.png").write_bytes(b"\x89PNG")
    code, _, err = hearth(capsys, "docs", "add", str(tmp_path / "picture.png"))
    assert code == 1 and "Hearth can't read .png files yet." in err


def test_rm_removes_by_name_or_path_and_says_when_nothing_matches(capsys, tmp_path):
    folder = make_folder(tmp_path)
    notes = tmp_path / "notes.md"
    notes.write_text("# Dogs\n\nRex likes walks.\n", encoding="utf-8")
    hearth(capsys, "docs", "add", str(folder), "--collection", "Taxes 2026")
    hearth(capsys, "docs", "add", str(notes))
    code, out, _ = hearth(capsys, "docs", "rm", str(notes))
    assert code == 0 and out.strip() == f"Removed the file {notes}."
    code, out, _ = hearth(capsys, "docs", "rm", "taxes 2026")
    assert code == 0 and out.strip() == "Removed the collection “Taxes 2026”."
    code, _, err = hearth(capsys, "docs", "rm", "Nope")
    assert code == 1
    assert err.strip() == (
        "hearth: There is no collection, folder or file called “Nope”. "
        "Run `hearth docs list` to see the collections and files."
    )
    code, out, _ = hearth(capsys, "docs", "list")
    assert code == 0 and out.strip() == "My documents (0 files, 0 passages)"


def test_a_terminal_gets_one_line_redrawn_in_place():
    import io

    from app.cli.docs import DocsProgress
    from app.services.doc_indexing import Progress

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    screen = Terminal()
    printer = DocsProgress(screen)
    printer.update(Progress("/d/a.pdf", "reading", page=1, pages=3, files_total=2, chunks=1))
    printer.update(Progress("/d/a.pdf", "ready", page=3, pages=3, files_done=1, files_total=2))
    printer.close()
    drawn = screen.getvalue()
    assert drawn.count("\r") == 2 and drawn.endswith("\n") and drawn.count("\n") == 1
    assert "[0/2] a.pdf page 1/3, 1 passage " in drawn and "[1/2] a.pdf ready" in drawn


def test_add_with_an_embedding_model_embeds_every_passage_here(capsys, tmp_path, data_dir):
    import sqlite3

    from app.paths import db_path
    from tests.documents.embed_gguf import write_tiny_embed_gguf

    model = write_tiny_embed_gguf(tmp_path / "tiny-embed.gguf")
    folder = make_folder(tmp_path)
    code, out, err = hearth(capsys, "docs", "add", str(folder), "--embed-model", str(model))
    assert code == 0, err
    assert "Embedded 3 passages on this computer (nothing left it)." in out
    settings = json.loads((data_dir / "settings.json").read_text(encoding="utf-8"))
    assert settings["docs_embed_model"] == str(model)
    conn = sqlite3.connect(db_path(data_dir))
    try:
        assert conn.execute("SELECT count(*) FROM doc_vectors").fetchone()[0] == 3
    finally:
        conn.close()
