"""Latency and throughput of the recognizer, and (on CUDA) training speed fp32 vs bf16.

Numbers are measured and printed, never asserted: they depend on the machine and its load.
Latencies are end to end as a user sees them (decode the input, preprocess, network,
decoding), at batch 1 after warm-up, reported as median (p50) and 95th percentile.
"""

from __future__ import annotations

import functools
import statistics
import time
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import torch
from PIL import Image

from text_recognizer.recognizer import Recognizer


@dataclass(frozen=True)
class BenchRow:
    """One measurement: a name, its batch size, latency percentiles and items per second."""

    name: str
    batch: int
    p50_ms: float
    p95_ms: float
    per_second: float
    note: str = ""


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile of ``values``.

    >>> percentile([1.0, 2.0, 3.0, 4.0], 0.5), percentile([1.0, 2.0, 3.0, 4.0], 0.95)
    (2.0, 4.0)
    """
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, int(-(-fraction * len(ordered) // 1)) - 1))
    return ordered[rank]


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def time_calls(
    function: Callable[[], Any], repeats: int, warmup: int, device: torch.device
) -> list[float]:
    """Seconds of each of ``repeats`` calls after ``warmup`` untimed ones."""
    for _ in range(warmup):
        function()
    _sync(device)
    seconds = []
    for _ in range(repeats):
        started = time.perf_counter()
        function()
        _sync(device)
        seconds.append(time.perf_counter() - started)
    return seconds


def _row(name: str, batch: int, seconds: list[float], note: str = "") -> BenchRow:
    p50 = statistics.median(seconds)
    return BenchRow(name, batch, 1000 * p50, 1000 * percentile(seconds, 0.95), batch / p50, note)


def sample_images(kind: str, count: int) -> tuple[list[Image.Image], list[str], str]:
    """Test-split images, their texts, and their source: synthetic handwriting, else fake."""
    try:
        from text_recognizer.data.synthetic import SyntheticConfig, render_sample, split_for_index

        config = SyntheticConfig(kind=kind)
        samples: list[Any] = []
        index = 0
        while len(samples) < count:
            if split_for_index(index, config.split_fractions) == "test":
                samples.append(render_sample(config, index))
            index += 1
        return [s.image for s in samples], [s.text for s in samples], "synthetic test split"
    except Exception:  # noqa: BLE001 - no fonts or no generator: printed text still times
        from text_recognizer.data.fake import render_fake

        pairs = [render_fake(kind, index, split="test") for index in range(count)]
        return [image for image, _ in pairs], [text for _, text in pairs], "fake printed"


def random_recognizer(device: str) -> Recognizer:
    """Base-preset line and paragraph models with random weights (latency needs no training)."""
    from text_recognizer.models import build_model

    networks = {
        "lines": build_model("line_ctc", "base"),
        "paragraphs": build_model("paragraph_transformer", "base"),
    }
    for network in networks.values():
        network.to(device)
    return Recognizer.from_models(networks, version="random-base", device=device)


def inference_rows(
    recognizer: Recognizer,
    device: torch.device,
    repeats: int = 20,
    batch_sizes: Sequence[int] = (1, 8, 32),
    random_weights: bool = False,
) -> list[BenchRow]:
    """Line and paragraph latency at batch 1, and throughput for each batch size."""
    rows = []
    if "lines" in recognizer.kinds:
        images, _, source = sample_images("lines", max(batch_sizes))
        single = images[0]
        seconds = time_calls(lambda: recognizer.predict(single, "lines"), repeats, 3, device)
        rows.append(_row("line latency", 1, seconds, f"{single.width}x{single.height} px"))
        for size in batch_sizes:
            batch = images[:size]
            seconds = time_calls(
                functools.partial(recognizer.predict_batch, batch, "lines"),
                max(3, repeats // max(1, size // 4)),
                1,
                device,
            )
            rows.append(_row("line throughput", size, seconds, source.split(" (")[0]))
    if "paragraphs" in recognizer.readable_kinds:
        count = max(size for size in batch_sizes if size <= 8)
        images, texts, _ = sample_images("paragraphs", count)
        if recognizer.segments_paragraphs:  # a lines-only model cuts the page into lines
            note = "segmented into lines"
        else:
            note = f"at most {recognizer.max_tokens} tokens" if recognizer.max_tokens else ""
        if random_weights:
            # Random weights rarely emit <end>: decode as many tokens as the true text has.
            tokens = len(texts[0]) + 1 if texts else 256
            recognizer.max_tokens = tokens  # the benchmark's own recognizer: no one else sees it
            note = f"random weights, {tokens} tokens decoded"
        single = images[0]
        seconds = time_calls(
            lambda: recognizer.predict(single, "paragraphs"), max(3, repeats // 4), 1, device
        )
        rows.append(_row("paragraph latency", 1, seconds, note))
        for size in sorted({1, count}):
            batch = images[:size]
            seconds = time_calls(
                functools.partial(recognizer.predict_batch, batch, "paragraphs"), 3, 1, device
            )
            rows.append(_row("paragraph throughput", size, seconds, note))
        if not recognizer.segments_paragraphs:
            rows += paragraph_part_rows(recognizer, images[0], device, repeats)
    return rows


def backend_rows(
    path: Any,
    threads: int,
    repeats: int = 20,
    backends: Sequence[str] = ("eager", "torchscript", "onnx"),
) -> list[BenchRow]:
    """Line and paragraph latency at batch 1 of one staged model under each backend, side by
    side (the same images, the same threads), so a deployment can pick its runtime."""
    from text_recognizer.errors import TextRecognizerError

    images, _, _ = sample_images("lines", 1)
    pages, _, _ = sample_images("paragraphs", 1)
    rows = []
    for backend in backends:
        try:
            recognizer = Recognizer.load(path, backend=backend, threads=threads)
        except (TextRecognizerError, ImportError) as error:
            rows.append(BenchRow(f"line latency {backend}", 1, 0.0, 0.0, 0.0, f"skipped: {error}"))
            continue
        device = torch.device("cpu")
        line = time_calls(
            functools.partial(recognizer.predict, images[0], "lines"), repeats, 3, device
        )
        rows.append(
            _row(f"line latency {backend}", 1, line, f"{images[0].width}x{images[0].height} px")
        )
        if "paragraphs" in recognizer.readable_kinds:
            page = time_calls(
                functools.partial(recognizer.predict, pages[0], "paragraphs"),
                max(3, repeats // 4),
                1,
                device,
            )
            route = "segmented into lines" if recognizer.segments_paragraphs else "paragraph model"
            rows.append(_row(f"paragraph latency {backend}", 1, page, route))
    return rows


def paragraph_part_rows(
    recognizer: Recognizer, image: Image.Image, device: torch.device, repeats: int
) -> list[BenchRow]:
    """Where a paragraph's time goes: the encoder once, then one decoder step per token."""
    from text_recognizer.data.preprocess import preprocess_paragraph
    from text_recognizer.vocab import DEFAULT_VOCABULARY

    network = recognizer.models["paragraphs"].network
    images = preprocess_paragraph(image).unsqueeze(0).to(device)
    prefix = 100
    with torch.inference_mode():
        encoded = time_calls(
            lambda: network.memory_keys_values(network.encode(images)), repeats, 1, device
        )
        cross = network.memory_keys_values(network.encode(images))
        token = torch.full((1,), DEFAULT_VOCABULARY.start_index, device=device)
        past = None
        for position in range(prefix):
            _, past = network.decode_step(token, position, cross, past)
        step = time_calls(
            lambda: network.decode_step(token, prefix, cross, past), 5 * repeats, 2, device
        )
    return [
        _row("paragraph encoder", 1, encoded),
        _row("paragraph decoder step", 1, step, f"per token, after {prefix} cached tokens"),
    ]


def training_rows(device: torch.device, steps: int = 10) -> list[BenchRow]:
    """Training samples/s of the base models, fp32 vs bf16 autocast (CUDA only); the full
    table of modes with MFU is :mod:`text_recognizer.training.throughput`."""
    from text_recognizer.training.throughput import (
        gpu_plan,
        lit_model_for,
        synthetic_batch,
        train_step,
    )

    rows = []
    for kind, plan in gpu_plan().items():
        lit = lit_model_for(kind, plan.config).to(device).train()
        optimizer = torch.optim.AdamW(lit.parameters(), lr=1e-4)
        batch = synthetic_batch(plan, device)
        for precision, dtype in (("fp32", None), ("bf16", torch.bfloat16)):
            step = functools.partial(train_step, lit, optimizer, batch, device, dtype)
            seconds = time_calls(step, steps, 3, device)
            rows.append(
                _row(f"train {kind} {precision}", plan.batch_size, seconds, "samples/s, base model")
            )
    return rows


def format_table(rows: Sequence[BenchRow]) -> str:
    """A fixed-width table of ``rows``."""
    header = f"{'measurement':<24} {'batch':>5} {'p50 ms':>9} {'p95 ms':>9} {'items/s':>9}  note"
    lines = [header, "-" * len(header)]
    for row in rows:
        lines.append(
            f"{row.name:<24} {row.batch:>5} {row.p50_ms:>9.1f} {row.p95_ms:>9.1f} "
            f"{row.per_second:>9.1f}  {row.note}"
        )
    return "\n".join(lines)
