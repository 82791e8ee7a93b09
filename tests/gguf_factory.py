"""Writes tiny but real llama-architecture GGUF files that llama.cpp loads and generates from.

The weights are random, so the text is gibberish; what matters is that every code path (load,
template, tokenizer, KV cache, abort) runs for real. Special tokens and byte tokens get a zero row
in output.weight, so greedy decoding never picks them and a reply does not end at once on EOS.
"""

from __future__ import annotations

import itertools
import os
import string
from pathlib import Path

import gguf
import numpy as np

# ChatML, as many small models ship it; the engine renders it with llama-cpp-python's formatter.
DEFAULT_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)

SPECIAL_TOKENS = ("<unk>", "<s>", "</s>", "<|im_start|>", "<|im_end|>")
UNK_ID, BOS_ID, EOS_ID = 0, 1, 2

# About the shape of a 0.5B chat model (Qwen2-0.5B-like widths, a smaller vocabulary).
REALISTIC = dict(
    n_layer=24,
    n_embd=896,
    n_head=14,
    n_head_kv=2,
    n_ff=4864,
    n_vocab_extra=3500,
    weight_type="q8_0",
)
# Tiny, but every width a multiple of 256 (K-quant blocks, AMX tiles) and enough rows for
# llama.cpp's repacking, so quantized weights take its optimized CPU paths (AMX, repacked
# kernels) as a real model's do: with weight_type "q8_0" or "q4_0".
KERNEL_SHAPE = dict(n_layer=2, n_embd=256, n_head=4, n_head_kv=2, n_ff=512, n_vocab_extra=600)
# Big enough that evaluating a ~1000-token prompt takes a noticeable time on two cores.
SLOW = dict(n_layer=8, n_embd=512, n_head=8, n_head_kv=4, n_ff=1536, weight_type="f16")

_WEIGHT_TYPES = {
    "f32": (gguf.GGMLQuantizationType.F32, gguf.LlamaFileType.ALL_F32),
    "f16": (gguf.GGMLQuantizationType.F16, gguf.LlamaFileType.MOSTLY_F16),
    "q8_0": (gguf.GGMLQuantizationType.Q8_0, gguf.LlamaFileType.MOSTLY_Q8_0),
    "q4_0": (gguf.GGMLQuantizationType.Q4_0, gguf.LlamaFileType.MOSTLY_Q4_0),
}


def build_vocab(n_words: int) -> tuple[list[str], list[float], list[int]]:
    """SPM vocabulary: specials, 256 byte tokens, single characters, then '▁'-words.

    Words are generated prefix-closed ('▁a', '▁ab', '▁abc'), so the SPM merge path to every word
    exists and tokenising ordinary text gives real multi-character tokens.
    """
    tokens = list(SPECIAL_TOKENS)
    types = [gguf.TokenType.UNKNOWN] + [gguf.TokenType.CONTROL] * (len(SPECIAL_TOKENS) - 1)
    tokens += [f"<0x{b:02X}>" for b in range(256)]
    types += [gguf.TokenType.BYTE] * 256
    chars = ["▁", *string.ascii_letters, *string.digits, *string.punctuation]
    words = _words(n_words)
    tokens += chars + words
    types += [gguf.TokenType.NORMAL] * (len(chars) + len(words))
    # Longer pieces merge first in SPM, so give them higher scores.
    scores = [0.0] * (len(SPECIAL_TOKENS) + 256)
    scores += [-1000.0 + len(t) - i * 1e-4 for i, t in enumerate(chars + words)]
    assert len(set(tokens)) == len(tokens), "token strings must be unique"
    return tokens, scores, [int(t) for t in types]


def _words(n: int) -> list[str]:
    letters = string.ascii_lowercase
    out: list[str] = []
    for length in itertools.count(1):
        for combo in itertools.product(letters, repeat=length):
            if len(out) >= n:
                return out
            out.append("▁" + "".join(combo))
    return out


def write_tiny_gguf(
    path: str | os.PathLike,
    *,
    n_ctx: int = 2048,
    n_layer: int = 2,
    n_embd: int = 64,
    n_head: int = 4,
    n_head_kv: int = 2,
    n_ff: int | None = None,
    n_vocab_extra: int = 600,
    chat_template: str | None = DEFAULT_TEMPLATE,
    weight_type: str = "f32",
    name: str = "Tiny Llama",
    seed: int = 0,
) -> Path:
    """Write a llama GGUF with random weights; returns the path."""
    path = Path(path)
    tensor_type, file_type = _WEIGHT_TYPES[weight_type]
    tokens, scores, types = build_vocab(n_vocab_extra)
    n_ff = n_ff or 2 * n_embd
    head_dim = n_embd // n_head

    writer = gguf.GGUFWriter(path, arch="llama")
    writer.add_name(name)
    writer.add_context_length(n_ctx)
    writer.add_embedding_length(n_embd)
    writer.add_block_count(n_layer)
    writer.add_feed_forward_length(n_ff)
    writer.add_head_count(n_head)
    writer.add_head_count_kv(n_head_kv)
    writer.add_rope_dimension_count(head_dim)
    writer.add_layer_norm_rms_eps(1e-5)
    writer.add_vocab_size(len(tokens))
    writer.add_file_type(int(file_type))
    writer.add_tokenizer_model("llama")
    writer.add_token_list(tokens)
    writer.add_token_scores(scores)
    writer.add_token_types(types)
    writer.add_bos_token_id(BOS_ID)
    writer.add_eos_token_id(EOS_ID)
    writer.add_unk_token_id(UNK_ID)
    writer.add_add_bos_token(True)
    writer.add_add_eos_token(False)
    if chat_template is not None:
        writer.add_chat_template(chat_template)

    rng = np.random.default_rng(seed)

    def matrix(rows: int, cols: int, scale: float = 1.0) -> np.ndarray:
        return rng.standard_normal((rows, cols), dtype=np.float32) * (scale / np.sqrt(cols))

    def add(name: str, data: np.ndarray) -> None:
        if data.ndim == 1 or tensor_type == gguf.GGMLQuantizationType.F32:
            writer.add_tensor(name, data.astype(np.float32))  # norms stay f32, as converters do
        elif tensor_type == gguf.GGMLQuantizationType.F16:
            writer.add_tensor(name, data.astype(np.float16))
        else:
            quantized = gguf.quants.quantize(data, tensor_type)
            writer.add_tensor(name, quantized, raw_dtype=tensor_type)

    n_vocab = len(tokens)
    add("token_embd.weight", matrix(n_vocab, n_embd, scale=np.sqrt(n_embd)))
    add("output_norm.weight", np.ones(n_embd, dtype=np.float32))
    output = matrix(n_vocab, n_embd, scale=4.0)
    output[: len(SPECIAL_TOKENS) + 256] = 0.0  # never end at once; never emit raw bytes
    add("output.weight", output)
    for i in range(n_layer):
        add(f"blk.{i}.attn_norm.weight", np.ones(n_embd, dtype=np.float32))
        add(f"blk.{i}.attn_q.weight", matrix(n_head * head_dim, n_embd))
        add(f"blk.{i}.attn_k.weight", matrix(n_head_kv * head_dim, n_embd))
        add(f"blk.{i}.attn_v.weight", matrix(n_head_kv * head_dim, n_embd))
        add(f"blk.{i}.attn_output.weight", matrix(n_embd, n_head * head_dim, scale=0.5))
        add(f"blk.{i}.ffn_norm.weight", np.ones(n_embd, dtype=np.float32))
        add(f"blk.{i}.ffn_gate.weight", matrix(n_ff, n_embd))
        add(f"blk.{i}.ffn_up.weight", matrix(n_ff, n_embd))
        add(f"blk.{i}.ffn_down.weight", matrix(n_embd, n_ff, scale=0.5))

    _finish(writer)
    return path


def _finish(writer: gguf.GGUFWriter) -> None:
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


def write_truncated_copy(
    src: str | os.PathLike, dst: str | os.PathLike, *, keep: float = 0.6
) -> Path:
    """Copy the first `keep` fraction of a GGUF file, like a download that stopped early."""
    data = Path(src).read_bytes()
    dst = Path(dst)
    dst.write_bytes(data[: max(8, int(len(data) * keep))])
    return dst


def write_header_only_copy(src: str | os.PathLike, dst: str | os.PathLike) -> Path:
    """Keep only the first 64 KB: cut inside the metadata of any realistic file."""
    dst = Path(dst)
    dst.write_bytes(Path(src).read_bytes()[:65536])
    return dst


def write_random_bytes(path: str | os.PathLike, size: int = 4096, *, seed: int = 0) -> Path:
    path = Path(path)
    path.write_bytes(np.random.default_rng(seed).bytes(size))
    return path


def write_unknown_arch_gguf(path: str | os.PathLike, arch: str = "notanarch") -> Path:
    """A well-formed GGUF whose architecture llama.cpp does not know."""
    writer = gguf.GGUFWriter(Path(path), arch=arch)
    writer.add_name("Mystery model")
    writer.add_context_length(512)
    writer.add_file_type(int(gguf.LlamaFileType.ALL_F32))
    writer.add_tensor("token_embd.weight", np.zeros((8, 16), dtype=np.float32))
    _finish(writer)
    return Path(path)
