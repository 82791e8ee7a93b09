"""The command line, through real subprocesses, on the same store as the window."""

from __future__ import annotations

import json

import pytest

from tests.cli.support import hearth


@pytest.fixture
def with_model(data_dir, tiny_gguf):
    out = hearth("add", str(tiny_gguf), data_dir=data_dir)
    assert "Added tiny-chat" in out.stdout
    return "tiny-chat"


def test_ask_streams_stores_and_continues(data_dir, with_model):
    first = hearth(
        "ask", "--max-tokens", "24", "--model", with_model, "What is a hearth?", data_dir=data_dir
    )
    assert first.stdout.strip()
    assert "Traceback" not in first.stderr

    hearth("ask", "-c", "--max-tokens", "24", data_dir=data_dir, stdin="And a chimney?\n")
    history = hearth("history", data_dir=data_dir).stdout.strip().splitlines()
    assert len(history) == 1
    cid, title, _updated, count = history[0].split("\t")
    assert title == "What is a hearth?" and count == "4"

    shown = hearth("show", cid, data_dir=data_dir).stdout
    assert shown.startswith("# What is a hearth?")
    assert "## You" in shown and "And a chimney?" in shown
    assert "on this computer" in shown


def test_export_json_and_markdown(data_dir, with_model, tmp_path):
    hearth("ask", "--max-tokens", "24", "--model", with_model, "Export me", data_dir=data_dir)
    hearth("ask", "--max-tokens", "24", "--model", with_model, "Me too", data_dir=data_dir)
    data = json.loads(hearth("export", "last", "--format", "json", data_dir=data_dir).stdout)
    (conv,) = data["conversations"]
    assert conv["title"] == "Me too"
    user, reply = conv["messages"]
    assert user["role"] == "user" and user["content"] == "Me too"
    assert reply["role"] == "assistant" and reply["model"] == "tiny-chat"
    assert reply["provider"] == "local" and reply["cost_usd"] == "0"
    assert reply["usage"]["input_tokens"] > 0 and reply["usage"]["output_tokens"] > 0
    assert {"id", "title", "messages"} <= conv.keys()
    assert {"role", "content", "model", "provider", "created", "usage", "cost_usd"} <= reply.keys()

    target = tmp_path / "all.md"
    hearth("export", "--all", "--format", "md", "-o", str(target), data_dir=data_dir)
    text = target.read_text()
    assert "# Export me" in text and "# Me too" in text


def test_data_dir_option_beats_the_variable(tmp_path, tiny_gguf):
    elsewhere = tmp_path / "portable"
    env_dir = tmp_path / "env"
    hearth("--data-dir", str(elsewhere), "add", str(tiny_gguf), data_dir=env_dir)
    hearth("models", "--data-dir", str(elsewhere), data_dir=env_dir)
    assert (elsewhere / "hearth.db").exists()
    assert (elsewhere / "logs" / "hearth.log").exists()
    listed = hearth("models", data_dir=elsewhere).stdout
    assert listed.startswith("tiny-chat\ton this computer")
    assert not (env_dir / "hearth.db").exists()


@pytest.mark.parametrize(
    "args, words",
    [
        (("ask", "--model", "no-such-model", "hi"), "no model called"),
        (("show", "999"), "does not exist"),
        (("show", "abc"), "not a conversation id"),
        (("export",), "Say which conversation"),
        (("ask", "--model", "/nowhere/model.gguf", "hi"), "There is no file"),
    ],
)
def test_errors_are_one_plain_line(data_dir, args, words):
    result = hearth(*args, data_dir=data_dir, check=False)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("hearth: ")
    assert words in lines[0]


def test_adding_a_broken_file_exits_nonzero(data_dir, tmp_path):
    junk = tmp_path / "notes.gguf"
    junk.write_text("shopping list")
    result = hearth("add", str(junk), data_dir=data_dir, check=False)
    assert result.returncode == 1
    assert "not a GGUF model" in result.stderr
    assert "Traceback" not in result.stderr


def test_ask_without_a_model_says_how_to_get_one(data_dir):
    result = hearth("ask", "hello", data_dir=data_dir, check=False)
    assert result.returncode == 1
    assert "No model is chosen yet" in result.stderr


def test_keys_set_list_rm_never_print_or_store_the_key(data_dir, tmp_path):
    key = "sk-proj-cli-0123456789abcdefghijklmnop"
    out = hearth("keys", "set", "openai", data_dir=data_dir, stdin=key + "\n")
    assert "Stored the key for OpenAI" in out.stdout and key not in out.stdout
    listed = hearth("keys", "list", data_dir=data_dir).stdout
    assert listed.strip() == "openai\tkeychain"
    models = hearth("models", "--provider", "openai", data_dir=data_dir).stdout
    assert "openai:gpt-4o-mini\tsent to OpenAI" in models
    hearth("keys", "rm", "openai", data_dir=data_dir)
    assert hearth("keys", "list", data_dir=data_dir).stdout.strip() == ""
    for path in data_dir.rglob("*"):
        if path.is_file():
            assert key.encode() not in path.read_bytes(), path


def test_unknown_provider_is_one_plain_line(data_dir):
    result = hearth("keys", "set", "nope", data_dir=data_dir, stdin="x\n", check=False)
    assert result.returncode == 1
    assert "There is no provider called “nope”" in result.stderr


def test_models_counts_read_as_words(data_dir):
    # Together and Fireworks ship one built-in model each; OpenAI several.
    lines = hearth("models", data_dir=data_dir).stdout.splitlines()
    together = next(line for line in lines if line.startswith("together:"))
    assert together.split("\t")[2].startswith("1 model ")
    assert not any("1 models" in line for line in lines)
    openai = next(line for line in lines if line.startswith("openai:"))
    assert " models " in openai.split("\t")[2]
