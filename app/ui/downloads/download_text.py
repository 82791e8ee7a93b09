"""The words the download window uses: fit, sizes, speed, time left. Plain Python, no Qt.

Kept apart from the widgets so the wording is easy to read in one place and to test alone.
"""

from __future__ import annotations

from collections.abc import Iterable

from app.core.chat import human_bytes
from app.downloads.queue import DownloadProgress
from app.hardware import RUNS_WELL_TPS, Fit, ModelFile

FIT_WORDS = {"runs well": "Runs well", "will be slow": "Will be slow", "won't fit": "Won't fit"}
FIT_TONE = {"runs well": "good", "will be slow": "slow", "won't fit": "nofit"}
FULL_SIZE = ("F16", "BF16", "F32")
ROUTINE = ("Starting…", "Downloading…")  # queue messages that the numbers already say
ACTIVE = ("queued", "downloading", "verifying")


def fit_words(fit: Fit) -> str:
    return FIT_WORDS.get(fit.verdict, fit.verdict.capitalize())


def speed_words(fit: Fit) -> str:
    """“about 9 tokens a second”, or "" when the estimate says nothing useful."""
    tps = fit.est_tokens_per_s
    if not tps:
        return ""
    if tps >= 100:
        return "over 100 tokens a second"
    shown = f"{tps:.0f}" if tps >= 2 else f"{tps:.1f}"
    return f"about {shown} tokens a second"


def fit_tooltip(fit: Fit) -> str:
    """The explanation with the numbers behind the verdict, for the pill's tooltip."""
    lines = [fit.explanation, ""]
    lines.append(f"Memory needed: about {human_bytes(fit.needed_bytes)}")
    lines.append(f"Memory free now: {human_bytes(fit.available_bytes)}")
    if fit.est_tokens_per_s:
        lines.append(
            f"Speed: roughly {fit.est_tokens_per_s:g} tokens a second "
            "(a token is about three quarters of a word)"
        )
    if fit.gpu_share:
        lines.append(f"On the graphics card: {fit.gpu_share:.0%} of the model")
    lines.append(f"Conversation memory assumed: {fit.context:,} tokens")
    lines.append("These are estimates; real speed depends on what else is running.")
    return "\n".join(lines)


def size_words(file: ModelFile) -> str:
    size = human_bytes(file.size_bytes)
    if not size:
        return "size unknown"
    return f"about {size}" if getattr(file, "size_is_estimate", False) else size


def choice_headline(file: ModelFile, fit: Fit, recommended: ModelFile | None) -> str:
    """What a person needs to know about one quantization, next to the recommended one."""
    quant = (file.quant or "").upper()
    if fit.verdict == "won't fit":
        return "Too big for this computer"
    if recommended is not None and file is recommended:
        return "Best quality that fits" if fit.runs_well else "Best choice for this computer"
    if quant in FULL_SIZE:
        return "Full size: very large, little gain"
    theirs, ours = file.size_bytes or 0, (recommended.size_bytes or 0) if recommended else 0
    if recommended is not None and theirs < ours:
        return "Smaller, faster"
    if fit.verdict == "will be slow":
        return "Higher quality, slower"
    return "Higher quality, bigger"


FAST_TPS = 15.0  # comfortably faster than anyone reads


def pace_words(fit: Fit) -> str:
    """How it would feel here, without figures: “fast on this computer”."""
    tps = fit.est_tokens_per_s
    if fit.verdict == "won't fit" or not tps:
        return ""
    if tps >= FAST_TPS:
        return "fast on this computer"
    if tps >= RUNS_WELL_TPS:
        return "keeps up with your reading here"
    return "slow on this computer"


def choice_detail(file: ModelFile, fit: Fit) -> str:
    """“1.1 GB · fast on this computer”: plain words under the headline (figures in the tip)."""
    return " · ".join(p for p in (size_words(file), pace_words(fit)) if p)


def choice_numbers(file: ModelFile, fit: Fit) -> str:
    """“Q4_K_M · about 9 tokens a second”: the figures behind choice_detail, for its tooltip."""
    parts = [f"{file.quant} quantization" if file.quant else ""]
    if fit.verdict != "won't fit":
        parts.append(speed_words(fit))
    return " · ".join(p for p in parts if p)


def duration_words(seconds: float | None) -> str:
    if seconds is None:
        return ""
    if seconds < 10:
        return "a few seconds left"
    if seconds < 60:
        return f"about {int(round(seconds / 5) * 5 or 5)} s left"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"about {minutes} min left"
    hours, minutes = divmod(minutes, 60)
    return f"about {hours} h {minutes} min left" if minutes else f"about {hours} h left"


def amount_words(progress: DownloadProgress) -> str:
    """“312 MB of 1.1 GB”, or “312 MB so far” before the size is known."""
    done = human_bytes(progress.done_bytes)
    if progress.total_bytes:
        return f"{done} of {human_bytes(progress.total_bytes)}"
    return f"{done} so far"


def progress_words(progress: DownloadProgress) -> str:
    """“312 MB of 1.1 GB · 24.0 MB/s · about 35 s left”."""
    parts = [amount_words(progress)]
    if progress.speed:
        parts.append(f"{human_bytes(int(progress.speed))}/s")
    if progress.eta is not None:
        parts.append(duration_words(progress.eta))
    return " · ".join(p for p in parts if p)


def state_words(progress: DownloadProgress) -> str:
    """The line under a download's progress bar, in plain words, for every state."""
    state, message = progress.state, progress.message
    if state == "downloading":
        numbers = progress_words(progress)
        return numbers if not message or message in ROUTINE else f"{message} {numbers}"
    if state == "queued":
        return message or "Waiting for the download before it to finish…"
    if state == "verifying":
        return "Checking that the file arrived complete and unchanged…"
    if state == "paused":
        if progress.error is not None:
            return progress.error.plain()
        kept = human_bytes(progress.done_bytes) if progress.done_bytes else ""
        return f"Paused. The {kept} downloaded so far is kept." if kept else "Paused."
    if state == "done":
        size = human_bytes(progress.total_bytes or progress.done_bytes)
        return f"Downloaded and checked ({size}). It is now in your list of models."
    if state == "failed":
        return progress.error.message if progress.error is not None else message
    if state == "cancelled":
        return "Cancelled."
    return message


def failure_action(progress: DownloadProgress) -> str:
    return progress.error.action if progress.error is not None else ""


def indicator_summary(jobs: Iterable[DownloadProgress]) -> tuple[str, float | None] | None:
    """(“Downloading 1 model · 42%”, 0.42) for the compact indicator; None when idle."""
    jobs = list(jobs)
    active = [j for j in jobs if j.state in ACTIVE]
    if active:
        fraction = overall_fraction(active)
        if all(j.state == "verifying" for j in active):
            return "Checking the download…", None
        count = f"{len(active)} model" + ("s" if len(active) > 1 else "")
        percent = f" · {fraction:.0%}" if fraction is not None else ""
        return f"Downloading {count}{percent}", fraction
    paused = [j for j in jobs if j.state == "paused"]
    if paused:
        fraction = overall_fraction(paused)
        what = "Download paused" if len(paused) == 1 else f"{len(paused)} downloads paused"
        return what, fraction
    if any(j.state == "failed" for j in jobs):
        return "A download stopped · see why", None
    return None


def overall_fraction(jobs: list[DownloadProgress]) -> float | None:
    """Bytes done over bytes wanted, across the downloads whose size is known."""
    sized = [j for j in jobs if j.total_bytes]
    total = sum(j.total_bytes or 0 for j in sized)
    return sum(j.done_bytes for j in sized) / total if total else None
