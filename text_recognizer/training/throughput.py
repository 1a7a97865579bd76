"""Training throughput of the line and paragraph models, side by side in several numeric modes:
fp32, bf16 autocast, bf16 + channels_last, each eager and under ``torch.compile``.

Each row reports the step time (median of timed steps after warm-up), samples/s, the FLOP/s
achieved and the model FLOP utilisation (MFU): the model's FLOPs per training step (forward +
backward, the optimizer's few element-wise FLOPs left out, as is usual for MFU) divided by the
step time and by the card's peak for the mode's number format. FLOPs are counted once per model
with :class:`torch.utils.flop_counter.FlopCounterMode` on the CPU in fp32: the count does not
depend on the device, and on the CPU the LSTM and attention can be made to run as plain matrix
products the counter sees (cuDNN's fused LSTM and the flash-attention kernels are single
operators it would count as zero or not at all).

Numbers are printed and recorded, never asserted: they depend on the card and its load.
"""

from __future__ import annotations

import contextlib
import statistics
import time
import warnings
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Iterator, Optional, Sequence

import torch

from text_recognizer.models import ModelConfig, preset
from text_recognizer.vocab import DEFAULT_VOCABULARY

#: kind -> (batch size, image (height, width), label length) of a training-speed batch.
TRAINING_BATCHES: dict[str, tuple[int, tuple[int, int], int]] = {
    "lines": (32, (40, 768), 40),
    "paragraphs": (16, (512, 512), 240),
}
MODEL_KIND = {"lines": "line_ctc", "paragraphs": "paragraph_transformer"}

#: Dense peak TFLOP/s per number format, from NVIDIA's data sheets (the sparse figures halved).
#: Matched against ``torch.cuda.get_device_name`` by substring, most specific first.
PEAK_TFLOPS: tuple[tuple[str, dict[str, float]], ...] = (
    ("H200 NVL", {"fp32": 60.0, "tf32": 417.5, "bf16": 835.5}),
    ("H200", {"fp32": 66.9, "tf32": 494.7, "bf16": 989.4}),
    ("H100 NVL", {"fp32": 60.0, "tf32": 417.5, "bf16": 835.5}),
    ("H100 PCIe", {"fp32": 51.2, "tf32": 378.0, "bf16": 756.0}),
    ("H100", {"fp32": 66.9, "tf32": 494.7, "bf16": 989.4}),  # SXM5 (HBM3)
    ("A100", {"fp32": 19.5, "tf32": 156.0, "bf16": 312.0}),
)


@dataclass(frozen=True)
class Mode:
    """A numeric mode: autocast to bf16 or not, channels_last inputs/weights, torch.compile."""

    bf16: bool = False
    channels_last: bool = False
    compiled: bool = False

    @property
    def name(self) -> str:
        """``fp32``, ``bf16-mixed``, ``bf16+channels_last``, each with ``+compile`` if compiled.

        >>> Mode(bf16=True, channels_last=True, compiled=True).name
        'bf16+channels_last+compile'
        """
        parts = ["bf16" if self.channels_last else "bf16-mixed"] if self.bf16 else ["fp32"]
        parts += ["channels_last"] * self.channels_last + ["compile"] * self.compiled
        return "+".join(parts)

    @property
    def number_format(self) -> str:
        """The format the matrix units run in: ``bf16`` or ``fp32`` (TF32 is switched off)."""
        return "bf16" if self.bf16 else "fp32"


#: Eager modes first, so a run that runs out of time still has every eager row.
MODES: tuple[Mode, ...] = tuple(
    Mode(bf16, channels_last, compiled)
    for compiled in (False, True)
    for bf16, channels_last in ((False, False), (True, False), (True, True))
)


@dataclass(frozen=True)
class KindPlan:
    """What to time for one kind: the model config and the batch it trains on."""

    config: ModelConfig
    batch_size: int
    image: tuple[int, int]
    label_length: int


def gpu_plan() -> dict[str, KindPlan]:
    """The base (staged) models on :data:`TRAINING_BATCHES`."""
    return {
        kind: KindPlan(preset(MODEL_KIND[kind], "base"), size, image, chars)
        for kind, (size, image, chars) in TRAINING_BATCHES.items()
    }


def tiny_plan() -> dict[str, KindPlan]:
    """Tiny models on small batches (the paragraph model on a 256 x 256 canvas): the same code
    in seconds on a CPU, for dry runs and tests."""
    paragraph = preset(MODEL_KIND["paragraphs"], "tiny", image_height=256, image_width=256)
    return {
        "lines": KindPlan(preset(MODEL_KIND["lines"], "tiny"), 2, (40, 256), 12),
        "paragraphs": KindPlan(paragraph, 2, (256, 256), 40),
    }


@dataclass
class ThroughputRow:
    """One (kind, mode) measurement; ``error`` holds why it has no numbers."""

    kind: str
    mode: str
    batch: int
    step_ms: Optional[float] = None
    samples_per_s: Optional[float] = None
    tflops: Optional[float] = None  # achieved model TFLOP/s
    mfu: Optional[float] = None  # fraction of the assumed peak
    first_step_s: Optional[float] = None  # includes compilation for compiled modes
    peak_memory_mib: Optional[float] = None
    error: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def peak_tflops(device_name: str, number_format: str) -> Optional[float]:
    """The assumed dense peak of ``device_name`` for ``number_format``; None when unknown.

    >>> peak_tflops("NVIDIA H100 80GB HBM3", "bf16"), peak_tflops("NVIDIA H100 PCIe", "fp32")
    (989.4, 51.2)
    >>> peak_tflops("cpu", "bf16") is None
    True
    """
    for pattern, peaks in PEAK_TFLOPS:
        if pattern in device_name:
            return peaks[number_format]
    return None


def model_flop_utilisation(
    flops_per_step: float, step_seconds: float, peak: Optional[float]
) -> Optional[float]:
    """Achieved FLOP/s over the peak (``peak`` in TFLOP/s); None when the peak is unknown.

    >>> model_flop_utilisation(2e12, 0.01, 989.4)  # 200 TFLOP/s on an H100's bf16 peak
    0.20214271275520518
    """
    if peak is None:
        return None
    if step_seconds <= 0 or peak <= 0:
        raise ValueError(f"step time and peak must be positive, got {step_seconds}, {peak}")
    return flops_per_step / step_seconds / (peak * 1e12)


def synthetic_batch(
    plan: KindPlan, device: torch.device | str = "cpu", channels_last: bool = False
) -> dict[str, Any]:
    """A random batch of ``plan``'s shape (full-width images, full-length labels)."""
    size, (height, width), chars = plan.batch_size, plan.image, plan.label_length
    specials = DEFAULT_VOCABULARY.num_specials
    images = torch.rand(size, 1, height, width, device=device)
    if channels_last:
        images = images.contiguous(memory_format=torch.channels_last)
    return {
        "images": images,
        "widths": torch.full((size,), width, device=device),
        "targets": torch.randint(
            specials, len(DEFAULT_VOCABULARY) - 1, (size, chars), device=device
        ),
        "target_lengths": torch.full((size,), chars, device=device),
        "texts": ["x" * chars] * size,
        "ids": [str(i) for i in range(size)],
    }


def lit_model_for(kind: str, config: ModelConfig):
    """A fresh LightningModule of ``kind`` around ``config`` (constant lr, for timing)."""
    from text_recognizer.lit_models import LIT_MODELS

    return LIT_MODELS[MODEL_KIND[kind]](model_config=config, schedule="constant")


def train_step(
    lit: Any, optimizer: Any, batch: dict, device: torch.device, dtype: torch.dtype | None
) -> None:
    """One optimizer step on ``batch``, under autocast to ``dtype`` when given."""
    optimizer.zero_grad(set_to_none=True)
    with torch.autocast(device.type, dtype=dtype, enabled=dtype is not None):
        loss = lit.compute_loss(batch)
    loss.backward()
    optimizer.step()


@contextlib.contextmanager
def countable_kernels() -> Iterator[None]:
    """CPU kernels the FLOP counter can see: the LSTM as matrix products (oneDNN's fused RNN is
    one opaque operator) and attention by the math backend (the CPU flash kernel has no formula)."""
    from torch.nn.attention import SDPBackend, sdpa_kernel

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*TF32 acceleration on top of oneDNN.*")
        with torch.backends.mkldnn.flags(enabled=False), sdpa_kernel(SDPBackend.MATH):
            yield


def count_step_flops(kind: str, plan: KindPlan) -> int:
    """FLOPs of one training step (forward + backward) of ``plan``'s model on its batch."""
    from torch.utils.flop_counter import FlopCounterMode

    torch.manual_seed(0)
    lit = lit_model_for(kind, plan.config).train()
    batch = synthetic_batch(plan)
    with countable_kernels(), FlopCounterMode(display=False) as counter:
        lit.compute_loss(batch).backward()
    return int(counter.get_total_flops())


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


@contextlib.contextmanager
def strict_fp32() -> Iterator[None]:
    """fp32 means fp32: TF32 off in matrix products and convolutions, restored afterwards."""
    saved = (torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32)
    torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = False
    try:
        yield
    finally:
        torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = saved


def measure(
    kind: str,
    plan: KindPlan,
    mode: Mode,
    device: torch.device,
    flops_per_step: int,
    steps: int = 20,
    warmup: int = 3,
    compile_backend: str = "inductor",
) -> ThroughputRow:
    """Time ``steps`` training steps of ``plan`` in ``mode`` after ``warmup`` untimed ones."""
    torch.manual_seed(0)
    lit = lit_model_for(kind, plan.config).to(device).train()
    if mode.channels_last:
        lit = lit.to(memory_format=torch.channels_last)
    if mode.compiled:
        torch._dynamo.reset()  # a fresh cache: earlier models' graphs count towards its limit
        lit.model.compile(backend=compile_backend, dynamic=False)
    optimizer = torch.optim.AdamW(lit.parameters(), lr=1e-4)
    batch = synthetic_batch(plan, device, mode.channels_last)
    dtype = torch.bfloat16 if mode.bf16 else None
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
    seconds = []
    with strict_fp32():
        for _ in range(warmup + steps):
            started = time.perf_counter()
            train_step(lit, optimizer, batch, device, dtype)
            _sync(device)
            seconds.append(time.perf_counter() - started)
    step = statistics.median(seconds[warmup:])
    device_name = torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu"
    memory = torch.cuda.max_memory_allocated(device) / 2**20 if device.type == "cuda" else None
    return ThroughputRow(
        kind,
        mode.name,
        plan.batch_size,
        step_ms=1000 * step,
        samples_per_s=plan.batch_size / step,
        tflops=flops_per_step / step / 1e12,
        mfu=model_flop_utilisation(
            flops_per_step, step, peak_tflops(device_name, mode.number_format)
        ),
        first_step_s=seconds[0],
        peak_memory_mib=memory,
    )


def run_throughput(
    device: torch.device,
    plan: dict[str, KindPlan],
    modes: Sequence[Mode] = MODES,
    steps: int = 20,
    warmup: int = 3,
    compile_backend: str = "inductor",
    budget_seconds: float | None = None,
    on_row: Callable[[ThroughputRow], None] | None = None,
) -> list[ThroughputRow]:
    """Every (kind, mode) row, eager modes first; a failure becomes a row with its error, and
    rows left when ``budget_seconds`` is spent are recorded as skipped. ``on_row`` sees each
    row as it is made (so a run killed from outside keeps what it measured)."""
    started = time.perf_counter()
    flops = {kind: count_step_flops(kind, kind_plan) for kind, kind_plan in plan.items()}
    rows = []
    for mode in modes:
        for kind, kind_plan in plan.items():
            elapsed = time.perf_counter() - started
            if budget_seconds is not None and elapsed > budget_seconds:
                row = ThroughputRow(
                    kind, mode.name, kind_plan.batch_size, error="skipped: out of time"
                )
            else:
                try:
                    row = measure(
                        kind, kind_plan, mode, device, flops[kind], steps, warmup, compile_backend
                    )
                except Exception as error:  # noqa: BLE001 - one failing mode must not end the table
                    row = ThroughputRow(
                        kind,
                        mode.name,
                        kind_plan.batch_size,
                        error=f"{type(error).__name__}: {error}"[:300],
                    )
                finally:
                    if device.type == "cuda":
                        torch.cuda.empty_cache()
            row.extra["flops_per_step"] = flops[kind]
            rows.append(row)
            if on_row is not None:
                on_row(row)
    return rows


def speedups(rows: Sequence[ThroughputRow]) -> dict[tuple[str, str], float]:
    """(kind, mode) -> samples/s over the kind's plain fp32 row (rows with numbers only).

    >>> rows = [ThroughputRow("lines", "fp32", 8, samples_per_s=100.0),
    ...         ThroughputRow("lines", "bf16-mixed", 8, samples_per_s=250.0)]
    >>> speedups(rows)[("lines", "bf16-mixed")]
    2.5
    """
    base = {row.kind: row.samples_per_s for row in rows if row.mode == "fp32" and row.samples_per_s}
    return {
        (row.kind, row.mode): row.samples_per_s / base[row.kind]
        for row in rows
        if row.samples_per_s and row.kind in base
    }


def _cell(value: Optional[float], spec: str, scale: float = 1.0) -> str:
    return "-" if value is None else format(value * scale, spec)


def format_table(rows: Sequence[ThroughputRow]) -> str:
    """A Markdown table of ``rows`` with the speed-up over each kind's fp32 row.

    >>> print(format_table([ThroughputRow("lines", "fp32", 8, 10.0, 800.0, 1.5, None, 2.0)]))
    | model | mode | batch | step ms | samples/s | vs fp32 | TFLOP/s | MFU | first step s | peak MiB | note |
    | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |
    | lines | fp32 | 8 | 10.0 | 800 | 1.00x | 1.50 | - | 2.0 | - |  |
    """
    ratio = speedups(rows)
    lines = [
        "| model | mode | batch | step ms | samples/s | vs fp32 | TFLOP/s | MFU | first step s "
        "| peak MiB | note |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for row in rows:
        lines.append(
            f"| {row.kind} | {row.mode} | {row.batch} | {_cell(row.step_ms, '.1f')} "
            f"| {_cell(row.samples_per_s, '.0f')} | {_cell(ratio.get((row.kind, row.mode)), '.2f')}"
            f"{'x' if (row.kind, row.mode) in ratio else ''} | {_cell(row.tflops, '.2f')} "
            f"| {_cell(row.mfu, '.1f', 100)}{'%' if row.mfu is not None else ''} "
            f"| {_cell(row.first_step_s, '.1f')} | {_cell(row.peak_memory_mib, '.0f')} "
            f"| {row.error.replace('|', '/')} |"
        )
    return "\n".join(lines)


def row_dict(row: ThroughputRow) -> dict[str, Any]:
    """A JSON-able row."""
    return asdict(row)
