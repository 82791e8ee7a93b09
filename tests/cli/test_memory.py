"""`hearth memory`, `hearth search`, `hearth import` through real subprocesses."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.cli import COMMANDS
from tests.cli.support import hearth

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "chatgpt_conversations.json"

pytestmark = pytest.mark.skipif(
    not {"memory", "search", "import"} <= COMMANDS.keys(),
    reason="memory/search/import not wired into app/cli.py COMMANDS yet",
)


def one_plain_line(result) -> str:
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("hearth: "), result.stderr
    return lines[0]


def test_memory_add_list_rm_pause(data_dir):
    added = hearth("memory", "add", "I live in Lyon", data_dir=data_dir).stdout
    assert added.strip() == "Remembered (id 1): I live in Lyon"
    hearth("memory", "add", "My", "cat", "is", "Miso", data_dir=data_dir)
    listed = hearth("memory", "list", data_dir=data_dir).stdout.splitlines()
    assert listed == ["2\tMy cat is Miso", "1\tI live in Lyon"]
    hearth("memory", "rm", "2", data_dir=data_dir)
    hearth("memory", "pause", data_dir=data_dir)
    after = hearth("memory", "list", data_dir=data_dir)
    assert after.stdout == "1\tI live in Lyon\n" and "paused" in after.stderr
    settings = json.loads((data_dir / "settings.json").read_text())
    assert settings["memory_paused"] is True


@pytest.mark.parametrize(
    "args, words",
    [
        (("memory", "rm", "42"), "does not exist"),
        (("memory", "rm", "abc"), "not a memory id"),
        (("memory", "add", "   "), "nothing to remember"),
    ],
)
def test_memory_errors_are_one_plain_line(data_dir, args, words):
    line = one_plain_line(hearth(*args, data_dir=data_dir, check=False))
    assert words in line


def test_import_then_search_and_history(data_dir):
    out = hearth("import", str(FIXTURE), data_dir=data_dir).stdout
    assert out.strip() == (
        "Imported 4 conversations (17 messages) from ChatGPT. "
        "Skipped 1 (already imported, or empty)."
    )
    history = hearth("history", data_dir=data_dir).stdout.splitlines()
    titles = [line.split("\t")[1] for line in history]
    assert "Sourdough starter smells odd" in titles and "Regional sales chart" in titles

    hits = hearth("search", "fridge", data_dir=data_dir).stdout.splitlines()
    cid, title, snippet = hits[0].split("\t")
    assert title == "Sourdough starter smells odd" and int(cid) > 0
    assert "«fridge»" in snippet
    assert len(hits) == 2, "the hidden branch's messages are found too"

    again = hearth("import", str(FIXTURE), data_dir=data_dir).stdout
    assert again.startswith("Imported 0 conversations")


def test_search_without_hits_and_bad_import(data_dir, tmp_path):
    line = one_plain_line(hearth("search", "nothing-here", data_dir=data_dir, check=False))
    assert "no message matches" in line
    broken = tmp_path / "conversations.json"
    broken.write_text(FIXTURE.read_text()[:5000])
    line = one_plain_line(hearth("import", str(broken), data_dir=data_dir, check=False))
    assert "not valid JSON" in line and "Nothing was imported" in line
    assert hearth("history", data_dir=data_dir).stdout == ""
