"""A tiny llama GGUF whose weights take llama.cpp's optimized quantized CPU paths.

The probe (llama_probe.py) generates a few tokens from it to see whether this computer survives
llama.cpp's fastest kernels. Each layer holds a different quantization type, the ones real models
ship (Q8_0, Q4_0, Q4_K, Q6_K), and every width is a multiple of 256 with enough rows for
llama.cpp's weight repacking (AMX tiles, 8x8 interleaving), so those kernels are the ones chosen.
The weights are random: the text is gibberish, only the arithmetic matters.
"""

from __future__ import annotations

import string
from pathlib import Path

N_EMBD = 256
N_FF = 512
N_HEAD, N_HEAD_KV = 4, 2
N_VOCAB = 512  # a multiple of 32, so the output matrix is eligible too
# One layer per type, plus the output matrix; K-quants are written as raw blocks because the gguf
# package cannot quantize to them.
LAYER_TYPES = ("Q8_0", "Q4_0", "Q4_K", "Q6_K")
OUTPUT_TYPE = "Q8_0"
_SPECIALS = ("<unk>", "<s>", "</s>")
# Bytes per 256-value block, and where the block's f16 scales sit.
_K_BLOCKS = {"Q4_K": (144, (0, 2)), "Q6_K": (210, (208,))}


def write_probe_model(path: str | Path, *, pooling: bool = False) -> Path:
    import gguf  # numpy and gguf are imported only when a probe runs
    import numpy as np

    path = Path(path)
    rng = np.random.default_rng(0)
    tokens = _vocab()
    writer = gguf.GGUFWriter(path, arch="llama")
    writer.add_name("Hearth probe")
    if pooling:  # an embedding model (mean pooling), for the self-test of document search
        writer.add_pooling_type(gguf.PoolingType.MEAN)
    writer.add_context_length(256)
    writer.add_embedding_length(N_EMBD)
    writer.add_block_count(len(LAYER_TYPES))
    writer.add_feed_forward_length(N_FF)
    writer.add_head_count(N_HEAD)
    writer.add_head_count_kv(N_HEAD_KV)
    writer.add_rope_dimension_count(N_EMBD // N_HEAD)
    writer.add_layer_norm_rms_eps(1e-5)
    writer.add_vocab_size(len(tokens))
    writer.add_file_type(int(gguf.LlamaFileType.MOSTLY_Q8_0))
    writer.add_tokenizer_model("llama")
    writer.add_token_list(tokens)
    writer.add_token_scores([0.0] * 259 + [-1000.0 + len(t) for t in tokens[259:]])
    writer.add_token_types(
        [int(gguf.TokenType.UNKNOWN)]
        + [int(gguf.TokenType.CONTROL)] * 2
        + [int(gguf.TokenType.BYTE)] * 256
        + [int(gguf.TokenType.NORMAL)] * (len(tokens) - 259)
    )
    writer.add_bos_token_id(1)
    writer.add_eos_token_id(2)
    writer.add_unk_token_id(0)

    def add(name: str, rows: int, cols: int, type_name: str) -> None:
        qtype = getattr(gguf.GGMLQuantizationType, type_name)
        if type_name in _K_BLOCKS:
            writer.add_tensor(name, _k_quant_rows(rng, rows, cols, type_name), raw_dtype=qtype)
            return
        data = rng.standard_normal((rows, cols), dtype=np.float32) / np.sqrt(cols)
        writer.add_tensor(name, gguf.quants.quantize(data, qtype), raw_dtype=qtype)

    def norm(name: str) -> None:
        writer.add_tensor(name, np.ones(N_EMBD, dtype=np.float32))

    add("token_embd.weight", N_VOCAB, N_EMBD, "Q8_0")
    norm("output_norm.weight")
    add("output.weight", N_VOCAB, N_EMBD, OUTPUT_TYPE)
    head_dim = N_EMBD // N_HEAD
    for i, qtype in enumerate(LAYER_TYPES):
        norm(f"blk.{i}.attn_norm.weight")
        norm(f"blk.{i}.ffn_norm.weight")
        add(f"blk.{i}.attn_q.weight", N_EMBD, N_EMBD, qtype)
        add(f"blk.{i}.attn_k.weight", N_HEAD_KV * head_dim, N_EMBD, qtype)
        add(f"blk.{i}.attn_v.weight", N_HEAD_KV * head_dim, N_EMBD, qtype)
        add(f"blk.{i}.attn_output.weight", N_EMBD, N_EMBD, qtype)
        add(f"blk.{i}.ffn_gate.weight", N_FF, N_EMBD, qtype)
        add(f"blk.{i}.ffn_up.weight", N_FF, N_EMBD, qtype)
        # ffn_down's rows are N_FF wide: also a multiple of 256, as K-quants need.
        add(f"blk.{i}.ffn_down.weight", N_EMBD, N_FF, qtype)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


def _vocab() -> list[str]:
    tokens = [*_SPECIALS, *(f"<0x{b:02X}>" for b in range(256))]
    pieces = ["▁", *string.ascii_lowercase]
    words = (f"▁{a}{b}" for a in string.ascii_lowercase for b in string.ascii_lowercase)
    tokens += pieces
    while len(tokens) < N_VOCAB:
        tokens.append(next(words))
    return tokens


def _k_quant_rows(rng, rows: int, cols: int, type_name: str):
    """Random K-quant blocks with small, finite f16 scales (random bytes there could be NaN)."""
    import numpy as np

    size, scale_offsets = _K_BLOCKS[type_name]
    blocks = rng.integers(0, 256, size=(rows, cols // 256, size), dtype=np.uint8)
    scale = np.frombuffer(np.float16(0.002).tobytes(), dtype=np.uint8)
    for offset in scale_offsets:
        blocks[:, :, offset : offset + 2] = scale
    return blocks.reshape(rows, -1)
