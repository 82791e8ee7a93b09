"""Reading GGUF headers, and the plain-words errors for files that are not usable models."""

from __future__ import annotations

import asyncio
import dataclasses
import sys
import time
from pathlib import Path

import gguf
import pytest

from app.core.errors import (
    HearthError,
    ModelFileError,
    NotAGgufFile,
    TruncatedModelFile,
    UnsupportedArchitecture,
)
from app.providers.gguf_info import read_gguf_details, read_gguf_info
from app.providers.llama_local import LocalEngine
from tests.gguf_factory import (
    build_vocab,
    write_header_only_copy,
    write_random_bytes,
    write_tiny_gguf,
    write_truncated_copy,
    write_unknown_arch_gguf,
)


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("gguf-info")


@pytest.fixture(scope="module")
def tiny(files: Path) -> Path:
    return write_tiny_gguf(files / "tiny-chat.gguf", n_ctx=1024)


def load_error(path: Path) -> HearthError:
    """The error LocalEngine.load raises for this file."""
    info = read_gguf_info(path)

    async def attempt() -> None:
        engine = LocalEngine()
        try:
            await engine.load(info)
        finally:
            await engine.close()

    with pytest.raises(HearthError) as caught:
        asyncio.run(attempt())
    return caught.value


def assert_plain(err: HearthError) -> None:
    text = err.plain()
    assert text and "Traceback" not in text and "Error" not in text
    assert "\n" not in text


def test_reads_name_architecture_size_and_context(tiny: Path) -> None:
    info = read_gguf_info(tiny)
    assert info.id == "tiny-chat"
    assert info.provider == "local"
    assert info.display_name == "Tiny Llama"
    assert info.path == str(tiny.resolve())
    assert info.architecture == "llama"
    assert info.context_length == 1024
    assert info.quantization == "F32"
    assert info.size_bytes == tiny.stat().st_size


def test_parameter_count_matches_gguf_reader(tiny: Path) -> None:
    reader = gguf.GGUFReader(tiny)
    expected = sum(int(t.n_elements) for t in reader.tensors)
    del reader
    assert read_gguf_info(tiny).parameters == expected


def test_shape_numbers_for_memory_budget(tiny: Path) -> None:
    details = read_gguf_details(tiny)
    assert (details.block_count, details.embedding_length) == (2, 64)
    assert (details.head_count, details.head_count_kv) == (4, 2)
    assert details.vocab_size == len(build_vocab(600)[0])
    # 2 layers x 2 KV heads x (16 + 16) head dims x 2 bytes (f16)
    assert details.kv_bytes_per_token() == 256
    assert "<|im_start|>" in (details.chat_template or "")


def test_quantization_name_from_file_type(files: Path) -> None:
    path = write_tiny_gguf(files / "q8.gguf", weight_type="q8_0")
    assert read_gguf_info(path).quantization == "Q8_0"


def test_large_vocabulary_is_read_quickly(files: Path) -> None:
    # gguf.GGUFReader needs seconds for a 150k-token vocabulary; the header reader must not.
    path = write_tiny_gguf(files / "big-vocab.gguf", n_embd=8, n_head=2, n_vocab_extra=150_000)
    started = time.perf_counter()
    details = read_gguf_details(path)
    assert time.perf_counter() - started < 2.0
    assert details.vocab_size > 150_000


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/maps")
def test_file_is_not_left_mapped(tiny: Path) -> None:
    read_gguf_info(tiny)
    assert str(tiny.resolve()) not in Path("/proc/self/maps").read_text()


def test_random_bytes_are_not_a_gguf(files: Path) -> None:
    with pytest.raises(NotAGgufFile) as caught:
        read_gguf_info(write_random_bytes(files / "noise.gguf"))
    assert_plain(caught.value)


def test_empty_file_is_not_a_gguf(files: Path) -> None:
    empty = files / "empty.gguf"
    empty.write_bytes(b"")
    with pytest.raises(NotAGgufFile):
        read_gguf_info(empty)


def test_cut_in_tensor_data_is_truncated(files: Path, tiny: Path) -> None:
    with pytest.raises(TruncatedModelFile) as caught:
        read_gguf_info(write_truncated_copy(tiny, files / "cut.gguf"))
    assert "incomplete" in str(caught.value)
    assert_plain(caught.value)


def test_cut_in_metadata_is_truncated(files: Path) -> None:
    big_vocab = write_tiny_gguf(files / "vocab-for-cut.gguf", n_vocab_extra=8000)
    with pytest.raises(TruncatedModelFile):
        read_gguf_info(write_header_only_copy(big_vocab, files / "cut-header.gguf"))


def test_missing_file_says_so(files: Path) -> None:
    with pytest.raises(ModelFileError) as caught:
        read_gguf_info(files / "gone.gguf")
    assert "gone.gguf" in str(caught.value) and "not found" in str(caught.value)
    assert_plain(caught.value)


def test_unknown_architecture_reads_but_does_not_load(files: Path) -> None:
    path = write_unknown_arch_gguf(files / "mystery.gguf")
    assert read_gguf_info(path).architecture == "notanarch"
    err = load_error(path)
    assert isinstance(err, UnsupportedArchitecture)
    assert "notanarch" in str(err)
    assert_plain(err)


def test_broken_files_give_the_same_errors_at_load(files: Path, tiny: Path) -> None:
    noise = write_random_bytes(files / "noise-load.gguf")
    cut = write_truncated_copy(tiny, files / "cut-load.gguf")
    # read_gguf_info would refuse these; build the ModelInfo a caller might still hold.
    for path, expected in ((noise, NotAGgufFile), (cut, TruncatedModelFile)):
        info = dataclasses.replace(read_gguf_info(tiny), path=str(path))
        with pytest.raises(expected):
            asyncio.run(LocalEngine().load(info))
