"""PyInstaller hook for llama-cpp-python.

llama_cpp opens llama.cpp with ctypes from `llama_cpp/lib` (a path built from its own __file__),
so import analysis never sees the libraries: collect them, keeping that relative folder. Their
own dependencies (libggml-*.so.0 through RUNPATH $ORIGIN; libgomp; CUDA's cudart/cublas in a CUDA
build) are then found by PyInstaller's binary analysis.
"""

from __future__ import annotations

import re
from pathlib import Path

from PyInstaller.utils.hooks import collect_dynamic_libs

# Linux wheels install each library three times as copies, not links (libllama.so, .so.0,
# .so.0.5.0). ctypes opens the bare name and the loader asks for the SONAME (.so.0), which binary
# analysis collects; nothing opens the fully versioned copy.
_FULLY_VERSIONED = re.compile(r"\.so\.\d+\.\d+")
# Multimodal helpers (image input): Hearth sends text only, so libmtmd/libllava stay out.
_UNUSED = re.compile(r"(mtmd|llava)", re.IGNORECASE)


def _wanted(src: str) -> bool:
    name = Path(src).name
    return not _FULLY_VERSIONED.search(name) and not _UNUSED.search(name)


binaries = [(src, dest) for src, dest in collect_dynamic_libs("llama_cpp") if _wanted(src)]

# The OpenAI-compatible server (FastAPI, uvicorn, pydantic) and the multimodal bindings would
# drag in large packages Hearth never calls.
excludedimports = ["llama_cpp.server", "llama_cpp.llava_cpp", "llama_cpp.mtmd_cpp"]
