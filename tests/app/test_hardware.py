"""Will it run here? Detection on this machine, and the estimate on made-up machines."""

from __future__ import annotations

from dataclasses import dataclass, replace

import pytest

from app import hardware as hw

GB = 1024**3


@dataclass(frozen=True)
class File:
    size: int
    quant: str = "Q4_K_M"
    parameters: int | None = None
    context_length: int | None = 32768
    kv_bytes_per_token: int | None = 128 * 1024

    @property
    def size_bytes(self) -> int:
        return self.size


LAPTOP = hw.Hardware(ram_total=16 * GB, ram_available=10 * GB, cpu_cores=8, cpu_threads=16)
RTX = hw.Gpu("nvidia", "NVIDIA GeForce RTX 3060", 12 * GB, 11 * GB, 360e9)
GAMING = hw.Hardware(32 * GB, 20 * GB, 8, 16, gpu=RTX, engine_gpu=True)
MAC = hw.Hardware(16 * GB, 9 * GB, 8, 8, gpu=hw.Gpu("apple", "Apple M2", 11 * GB, 11 * GB, 100e9))


def test_detects_this_machine():
    found = hw.detect()
    assert found.ram_total > found.ram_available > 0
    assert found.cpu_cores >= 1 and found.cpu_threads >= found.cpu_cores
    assert found.gpu is None or found.gpu.memory_total > 0
    assert "memory" in found.summary() and "cores" in found.summary()


def test_no_nvidia_driver_means_no_gpu(monkeypatch):
    hw._nvml.cache_clear()
    monkeypatch.setattr(hw.ctypes, "CDLL", lambda name: (_ for _ in ()).throw(OSError(name)))
    assert hw.detect_nvidia() is None
    hw._nvml.cache_clear()


def test_apple_silicon_uses_unified_memory(monkeypatch):
    monkeypatch.setattr(hw, "_sysctl", lambda name: "Apple M2 Pro")
    gpu = hw.detect_apple(32 * GB, system="Darwin", machine="arm64")
    assert gpu is not None and gpu.unified and gpu.bandwidth == 200e9
    assert gpu.memory_total == int(32 * GB * hw.APPLE_GPU_SHARE)
    assert hw.detect_apple(32 * GB, system="Linux", machine="x86_64") is None
    assert hw.apple_bandwidth("Apple M1") == 68e9 and hw.apple_bandwidth("Apple M9") == 100e9


def test_small_model_runs_well_on_a_laptop_cpu():
    fit = hw.fit(File(int(0.9 * GB), kv_bytes_per_token=28 * 1024), LAPTOP)
    assert fit.verdict == "runs well" and fit.gpu_share == 0
    assert fit.est_tokens_per_s >= hw.RUNS_WELL_TPS
    assert "processor only" in fit.explanation and fit.available_bytes == 10 * GB
    assert fit.needed_bytes == int(0.9 * GB) + hw.OVERHEAD_BYTES + 8192 * 28 * 1024


def test_big_model_on_a_cpu_will_be_slow():
    fit = hw.fit(File(int(4.7 * GB)), LAPTOP)
    assert fit.verdict == "will be slow" and fit.est_tokens_per_s < hw.RUNS_WELL_TPS
    assert "slower than you read" in fit.explanation


def test_too_big_wont_fit():
    fit = hw.fit(File(40 * GB), LAPTOP)
    assert fit.verdict == "won't fit" and fit.est_tokens_per_s is None
    assert "this computer has 16.0 GB" in fit.explanation


def test_gpu_full_and_partial_offload():
    full = hw.fit(File(int(4.7 * GB)), GAMING)
    assert full.verdict == "runs well" and full.gpu_share == 1.0 and "RTX 3060" in full.explanation
    partial = hw.fit(File(int(14 * GB)), GAMING)
    assert 0 < partial.gpu_share < 1 and "partly on" in partial.explanation
    assert partial.est_tokens_per_s < full.est_tokens_per_s
    cpu_build = hw.fit(File(int(4.7 * GB)), replace(GAMING, engine_gpu=False))
    assert cpu_build.gpu_share == 0  # a llama.cpp built without GPU support cannot use it


def test_apple_unified_memory_runs_mid_size_models_well():
    fit = hw.fit(File(int(4.7 * GB)), MAC)
    assert fit.verdict == "runs well" and fit.gpu_share == 1.0


def test_context_is_capped_by_what_the_model_was_trained_for():
    fit = hw.fit(File(GB, context_length=2048), LAPTOP, context=100_000)
    assert fit.context == 2048


def test_unknown_shape_estimates_the_kv_cache_from_parameters():
    file = File(GB, parameters=8_000_000_000, kv_bytes_per_token=None)
    assert hw.kv_bytes_per_token(file) == 128_000
    assert hw.kv_bytes_per_token(File(GB, kv_bytes_per_token=None)) == 8 * 1024


def test_memory_in_use_elsewhere_is_mentioned():
    busy = hw.Hardware(16 * GB, 2 * GB, 8, 16)
    fit = hw.fit(File(3 * GB), busy)
    assert "close other programs" in fit.explanation


@pytest.mark.parametrize(
    ("machine", "expected"),
    [(LAPTOP, "Q4_K_M"), (GAMING, "Q8_0"), (hw.Hardware(4 * GB, 3 * GB, 2, 2), "Q4_K_M")],
)
def test_recommends_the_best_quant_that_fits(machine, expected):
    files = [
        File(int(0.9 * GB), "Q4_K_M"),
        File(int(1.1 * GB), "Q5_K_M"),
        File(int(1.6 * GB), "Q8_0"),
        File(int(3.1 * GB), "F16"),
    ]
    if machine is LAPTOP:  # a laptop CPU: Q4 is the largest that keeps up with reading
        files = [File(int(2.5 * GB), "Q4_K_M"), File(int(3.5 * GB), "Q8_0")]
    assert hw.recommend_quant(files, machine).quant == expected


def test_nothing_recommended_when_nothing_fits():
    assert hw.recommend_quant([File(64 * GB)], LAPTOP) is None
