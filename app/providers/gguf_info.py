"""What a GGUF model file says about itself: name, architecture, size, quantisation, shape.

A small reader of the GGUF header, not gguf.GGUFReader: GGUFReader builds a numpy view for every
element of every metadata array, and a real model's vocabulary (150k tokens) takes it seconds to
walk. Here string arrays are skipped by length over an mmap, so a multi-GB file with a large
vocabulary is read in tens of milliseconds. The gguf package still supplies the tables of tensor
types and file types, and is imported lazily because it pulls in numpy.
"""

from __future__ import annotations

import mmap
import struct
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.core.chat import ModelInfo
from app.core.errors import ModelFileError, NotAGgufFile, TruncatedModelFile
from app.core.tool_formats import takes_tools

GGUF_MAGIC = b"GGUF"
DEFAULT_ALIGNMENT = 32
# Arrays of numbers up to this length are kept (per-layer head counts); longer ones are skipped.
_KEEP_ARRAY_MAX = 4096

# GGUF value types -> struct format (8 is string, 9 is array).
_SCALAR_FORMATS = {
    0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?", 10: "<Q", 11: "<q",
    12: "<d",
}  # fmt: skip
_STRING, _ARRAY = 8, 9


@dataclass(frozen=True, slots=True)
class GgufDetails:
    """ModelInfo plus the shape numbers the engine needs to budget memory."""

    model_info: ModelInfo
    block_count: int | None
    embedding_length: int | None
    head_count: int | None
    head_count_kv: int | None
    key_length: int | None
    value_length: int | None
    vocab_size: int | None
    tensor_bytes: int
    chat_template: str | None
    pooling_type: int | None = None  # set by embedding models: one vector per text

    def kv_bytes_per_token(self, bytes_per_value: int = 2) -> int | None:
        """KV-cache bytes one token of context costs (f16 cache by default)."""
        if not (self.block_count and self.embedding_length and self.head_count):
            return None
        kv_heads = self.head_count_kv or self.head_count
        head_dim = self.embedding_length // self.head_count
        k_len, v_len = self.key_length or head_dim, self.value_length or head_dim
        return self.block_count * kv_heads * (k_len + v_len) * bytes_per_value


class _Cursor:
    """Reads little-endian GGUF values from a buffer; running off its end means a cut file."""

    def __init__(self, buf: mmap.mmap) -> None:
        self.buf, self.pos, self.end = buf, 0, len(buf)

    def take(self, n: int) -> int:
        start = self.pos
        if n < 0 or start + n > self.end:
            raise TruncatedModelFile()
        self.pos += n
        return start

    def scalar(self, fmt: str) -> Any:
        return struct.unpack_from(fmt, self.buf, self.take(struct.calcsize(fmt)))[0]

    def string(self) -> str:
        n = self.scalar("<Q")
        start = self.take(n)
        return bytes(self.buf[start : start + n]).decode("utf-8", errors="replace")

    def skip_string(self) -> None:
        self.take(self.scalar("<Q"))

    def value(self, vtype: int) -> Any:
        if vtype == _STRING:
            return self.string()
        if vtype == _ARRAY:
            return self.array()
        fmt = _SCALAR_FORMATS.get(vtype)
        if fmt is None:
            raise ModelFileError("This model file is damaged (unknown metadata type).")
        return self.scalar(fmt)

    def array(self) -> Any:
        """Small numeric arrays as lists; anything else as its length only, skipped fast."""
        itype, count = self.scalar("<I"), self.scalar("<Q")
        if itype == _STRING:
            for _ in range(count):
                self.skip_string()
            return _Skipped(count)
        fmt = _SCALAR_FORMATS.get(itype)
        if fmt is None:  # arrays of arrays: nothing we need lives there
            for _ in range(count):
                self.value(itype)
            return _Skipped(count)
        start = self.take(struct.calcsize(fmt) * count)
        if count > _KEEP_ARRAY_MAX:
            return _Skipped(count)
        return list(struct.unpack_from(f"<{count}{fmt[1]}", self.buf, start))


@dataclass(frozen=True, slots=True)
class _Skipped:
    length: int


@dataclass(frozen=True, slots=True)
class _Tensor:
    name: str
    ggml_type: int
    n_elements: int
    offset: int


def read_gguf_info(path: str | Path) -> ModelInfo:
    """Name, architecture, parameters, quantisation, context length and size of a GGUF file."""
    return read_gguf_details(path).model_info


def resolved_model_path(path: str | Path) -> Path:
    """The real path of a model file; a loop of symbolic links is said in plain words (Python
    raises RuntimeError or OSError ELOOP for it)."""
    path = Path(path).expanduser()
    try:
        return path.resolve()
    except (RuntimeError, OSError):
        raise ModelFileError(
            f"{path} is a link that leads back to itself (a loop of symbolic links), so there "
            "is no model file to read.",
            action="Choose the .gguf file itself, or fix the link.",
        ) from None


def read_gguf_details(path: str | Path) -> GgufDetails:
    """Parse the header of a GGUF file. Raises a ModelFileError subclass in plain words."""
    path = resolved_model_path(path)
    if not path.is_file():
        raise ModelFileError(f"The model file “{path.name}” was not found at {path.parent}.")
    size = path.stat().st_size
    if size < len(GGUF_MAGIC):
        raise NotAGgufFile()
    try:
        with path.open("rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as buf:
            metadata, tensors, data_start = _parse(_Cursor(buf))
    except OSError as err:
        raise ModelFileError(f"The model file could not be read ({err.strerror}).") from err
    if not tensors:  # llama.cpp's vocabulary-only files look like this
        raise ModelFileError(
            f"“{path.name}” is a GGUF file with no model weights in it (no tensors): it may be a "
            "vocabulary or metadata file rather than a model."
        )
    return _details(path, size, metadata, tensors, data_start)


def _parse(cur: _Cursor) -> tuple[dict[str, Any], list[_Tensor], int]:
    if bytes(cur.buf[: len(GGUF_MAGIC)]) != GGUF_MAGIC:
        raise NotAGgufFile()
    cur.take(len(GGUF_MAGIC))
    version = cur.scalar("<I")
    if version not in (2, 3):
        raise ModelFileError(
            f"This GGUF file uses format version {version}, which is not supported."
        )
    n_tensors, n_kv = cur.scalar("<Q"), cur.scalar("<Q")
    metadata: dict[str, Any] = {}
    for _ in range(n_kv):
        key = cur.string()
        metadata[key] = cur.value(cur.scalar("<I"))
    tensors = [_read_tensor_info(cur) for _ in range(n_tensors)]
    alignment = metadata.get("general.alignment") or DEFAULT_ALIGNMENT
    data_start = -(-cur.pos // alignment) * alignment
    return metadata, tensors, data_start


def _read_tensor_info(cur: _Cursor) -> _Tensor:
    name = cur.string()
    n_dims = cur.scalar("<I")
    if n_dims > 8:
        raise ModelFileError("This model file is damaged (a tensor has an impossible shape).")
    n_elements = 1
    for _ in range(n_dims):
        n_elements *= cur.scalar("<Q")
    ggml_type, offset = cur.scalar("<I"), cur.scalar("<Q")
    return _Tensor(name, ggml_type, n_elements, offset)


def _tensor_nbytes(tensor: _Tensor) -> int | None:
    import gguf  # lazy: pulls in numpy

    try:
        block, type_size = gguf.GGML_QUANT_SIZES[gguf.GGMLQuantizationType(tensor.ggml_type)]
    except (ValueError, KeyError):
        return None  # a type newer than the gguf package; llama.cpp will judge it
    return tensor.n_elements // block * type_size


def _details(
    path: Path, size: int, metadata: dict[str, Any], tensors: list[_Tensor], data_start: int
) -> GgufDetails:
    sizes = [_tensor_nbytes(t) for t in tensors]
    data_end = max(
        (data_start + t.offset + (n or 0) for t, n in zip(tensors, sizes, strict=True)), default=0
    )
    if data_end > size:
        raise TruncatedModelFile()

    arch = _str(metadata.get("general.architecture"))

    def arch_int(key: str) -> int | None:
        value = metadata.get(f"{arch}.{key}")
        if isinstance(value, list):  # per-layer values: the largest bounds the memory
            return max(value, default=None)
        return value if isinstance(value, int) else None

    tokens = metadata.get("tokenizer.ggml.tokens")
    vocab_size = arch_int("vocab_size") or (tokens.length if isinstance(tokens, _Skipped) else None)
    stem = path.name[: -len(".gguf")] if path.name.lower().endswith(".gguf") else path.stem
    info = ModelInfo(
        id=stem,
        provider="local",
        display_name=_str(metadata.get("general.name")) or stem,
        path=str(path),
        architecture=arch,
        parameters=sum(t.n_elements for t in tensors) or None,
        quantization=_quantization(metadata.get("general.file_type"), tensors, sizes),
        context_length=arch_int("context_length"),
        size_bytes=size,
        takes_tools=takes_tools(_str(metadata.get("tokenizer.chat_template"))),
    )
    return GgufDetails(
        model_info=info,
        block_count=arch_int("block_count"),
        embedding_length=arch_int("embedding_length"),
        head_count=arch_int("attention.head_count"),
        head_count_kv=arch_int("attention.head_count_kv"),
        key_length=arch_int("attention.key_length"),
        value_length=arch_int("attention.value_length"),
        vocab_size=vocab_size,
        tensor_bytes=sum(n or 0 for n in sizes),
        chat_template=_str(metadata.get("tokenizer.chat_template")),
        pooling_type=arch_int("pooling_type"),
    )


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _quantization(file_type: Any, tensors: list[_Tensor], sizes: list[int | None]) -> str | None:
    """ "Q4_K_M" from general.file_type, else the tensor type holding the most bytes."""
    import gguf  # lazy: pulls in numpy

    if isinstance(file_type, int):
        try:
            name = gguf.LlamaFileType(file_type).name
        except ValueError:
            name = ""
        if name and name != "GUESSED":
            return name.removeprefix("MOSTLY_").removeprefix("ALL_")
    by_type: Counter[int] = Counter()
    for tensor, nbytes in zip(tensors, sizes, strict=True):
        by_type[tensor.ggml_type] += nbytes or 0
    if not by_type:
        return None
    commonest = by_type.most_common(1)[0][0]
    try:
        return gguf.GGMLQuantizationType(commonest).name
    except ValueError:
        return f"type {commonest}"
