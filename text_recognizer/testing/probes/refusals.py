"""Probes of the edges: what each validator accepts and refuses just inside and just outside
its bounds, and the error it names. A bound moved by one, a ``<`` that became ``<=``, or an
error swallowed shows here as an outcome that changed."""

from __future__ import annotations

import functools
import math
from typing import Any, Callable

import numpy as np
import torch

from text_recognizer.testing.probes import outcome, probe


def outcomes(cases: dict[str, Callable[[], Any]]) -> dict[str, Any]:
    return {"cases": list(cases), "outcomes": [outcome(attempt) for attempt in cases.values()]}


@probe("refusals/decoding")
def decoding_refusals() -> dict[str, Any]:
    """Temperatures, beam widths and log-prob shapes at and beyond their bounds."""
    from text_recognizer import decoding

    log_probs = torch.log_softmax(torch.randn(1, 6, 5), dim=-1)
    cases: dict[str, Callable[[], Any]] = {
        f"temperature={t}": functools.partial(decoding.tempered, log_probs, t)
        for t in (1e-6, 0.0, -0.5, 1.0, 2.0, math.inf, math.nan)
    }
    cases["greedy_2d"] = lambda: decoding.ctc_greedy(log_probs[0])
    for width in (0, 1):
        cases[f"ctc_beam_width={width}"] = functools.partial(
            decoding.ctc_beam_search, log_probs, beam_width=width
        )
    cases["ctc_beam_candidates=0"] = lambda: decoding.ctc_beam_search(log_probs, candidates=0)
    return outcomes(cases)


@probe("refusals/images")
def image_refusals() -> dict[str, Any]:
    """Image sizes, aspect ratios, arrays and byte strings at and beyond the accepted ones."""
    from text_recognizer.data.preprocess import (
        MAX_ASPECT_RATIO,
        MAX_IMAGE_PIXELS,
        validate_image_size,
    )
    from text_recognizer.recognizer import load_image

    ratio = int(MAX_ASPECT_RATIO)
    side = int(math.isqrt(MAX_IMAGE_PIXELS))
    cases: dict[str, Callable[[], Any]] = {
        "0x10": lambda: validate_image_size(0, 10),
        "10x0": lambda: validate_image_size(10, 0),
        "1x1": lambda: validate_image_size(1, 1),
        "ratio_at_limit": lambda: validate_image_size(ratio * 10, 10),
        "ratio_over_limit": lambda: validate_image_size(ratio * 10 + 1, 10),
        "tall_ratio_over_limit": lambda: validate_image_size(10, ratio * 10 + 1),
        "pixels_at_limit": lambda: validate_image_size(MAX_IMAGE_PIXELS // side, side),
        "pixels_over_limit": lambda: validate_image_size(MAX_IMAGE_PIXELS // side + 1, side),
        "empty_bytes": lambda: load_image(b""),
        "garbage_bytes": lambda: load_image(b"not an image at all"),
        "array_4d": lambda: load_image(np.zeros((2, 3, 4, 5), dtype=np.uint8)),
        "array_2_channels": lambda: load_image(np.zeros((8, 8, 2), dtype=np.uint8)),
        "array_1_channel": lambda: load_image(np.zeros((8, 8, 1), dtype=np.uint8)),
        "array_nan": lambda: load_image(np.full((8, 8), np.nan, dtype=np.float32)),
        "array_float_unit": lambda: load_image(np.full((8, 8), 0.5, dtype=np.float32)),
        "array_bool": lambda: load_image(np.zeros((8, 8), dtype=bool)),
        "array_uint16": lambda: load_image(np.zeros((8, 8), dtype=np.uint16)),
        "array_complex": lambda: load_image(np.zeros((8, 8), dtype=np.complex64)),
        "missing_file": lambda: load_image("/nonexistent/probe/page.png"),
        "not_a_source": lambda: load_image(12345),
    }
    return outcomes(cases)


@probe("refusals/training_config")
def training_config_refusals() -> dict[str, Any]:
    """Every plausible-range bound of a training config, just inside and just outside."""
    from text_recognizer.training.config import PLAUSIBLE_RANGES, check_ranges

    cases: dict[str, Callable[[], Any]] = {}
    for (section, key), (low, high, _) in PLAUSIBLE_RANGES.items():
        below = low - max(abs(low) * 1e-3, 1e-9)
        candidates = {"low": low, "below": below}
        if math.isfinite(high):
            candidates |= {"high": high, "above": high * (1 + 1e-3) + 1e-9}
        for label, value in candidates.items():
            config = {section: {key: value}}
            cases[f"{section}.{key}={label}"] = functools.partial(check_ranges, config)
    return outcomes(cases)


@probe("refusals/service_settings")
def service_settings_refusals() -> dict[str, Any]:
    """Service limits at 0, 1 and their upper bounds; the decode budget against its bound."""
    from text_recognizer.api.settings import ServeSettings

    cases: dict[str, Callable[[], Any]] = {
        "defaults": ServeSettings,
        "max_queue=0": lambda: ServeSettings(max_queue=0),
        "max_queue=1": lambda: ServeSettings(max_queue=1),
        "max_batch_size=0": lambda: ServeSettings(max_batch_size=0),
        "max_batch_size=True": lambda: ServeSettings(max_batch_size=True),
        "body_timeout_s=0": lambda: ServeSettings(body_timeout_s=0.0),
        "body_timeout_s=3600": lambda: ServeSettings(body_timeout_s=3600.0),
        "body_timeout_s=3601": lambda: ServeSettings(body_timeout_s=3601.0),
        "batch_window_ms=0": lambda: ServeSettings(batch_window_ms=0.0),
        "batch_window_ms=-1": lambda: ServeSettings(batch_window_ms=-1.0),
        "batch_window_ms=1000": lambda: ServeSettings(batch_window_ms=1000.0),
        "batch_window_ms=1001": lambda: ServeSettings(batch_window_ms=1001.0),
        "budget=decode": lambda: ServeSettings(max_decode_bytes=2048, decode_budget_bytes=2048),
        "budget<decode": lambda: ServeSettings(max_decode_bytes=2048, decode_budget_bytes=2047),
        "no_hosts": lambda: ServeSettings(allowed_hosts=()),
        "blank_host": lambda: ServeSettings(allowed_hosts=(" ",)),
        "bad_proxy": lambda: ServeSettings(trusted_proxies=("not-an-ip",)),
        "proxy_network": lambda: ServeSettings(trusted_proxies=("10.0.0.0/8",)),
    }
    return outcomes(cases)


@probe("refusals/models")
def model_refusals() -> dict[str, Any]:
    """Model kinds, presets, config fields and input shapes that are refused, and their neighbours
    that are not."""
    from text_recognizer.models import build_model, preset
    from text_recognizer.models.line_ctc import LineCTCConfig
    from text_recognizer.models.positional import sinusoid_table

    line = build_model("line_ctc", "tiny").eval()
    paragraph = build_model("paragraph_transformer", "tiny").eval()
    height = line.config.line_height
    cases: dict[str, Callable[[], Any]] = {
        "unknown_kind": lambda: build_model("cnn", "tiny"),
        "unknown_preset": lambda: preset("line_ctc", "huge"),
        "unknown_field": lambda: preset("line_ctc", "tiny", colour=3),
        "strides_mismatch": lambda: LineCTCConfig(widths=(8, 16), strides=((2, 2),)),
        "odd_height": lambda: LineCTCConfig(line_height=42, widths=(8,), strides=((2, 2),)),
        "line_height_ok": lambda: line(torch.zeros(1, 1, height, 16), torch.tensor([16])),
        "line_height_off": lambda: line(torch.zeros(1, 1, height + 1, 16), torch.tensor([16])),
        "line_two_channels": lambda: line(torch.zeros(1, 2, height, 16), torch.tensor([16])),
        "paragraph_wrong_size": lambda: paragraph.encode(torch.zeros(1, 1, 10, 10)),
        "tokens_at_max": lambda: paragraph.decode(
            torch.zeros(1, paragraph.config.max_length, dtype=torch.long),
            paragraph.encode(torch.zeros(1, 1, *_paragraph_size(paragraph))),
        ).shape,
        "tokens_over_max": lambda: paragraph.decode(
            torch.zeros(1, paragraph.config.max_length + 1, dtype=torch.long),
            paragraph.encode(torch.zeros(1, 1, *_paragraph_size(paragraph))),
        ),
        "sinusoid_odd_dim": lambda: sinusoid_table(5, 7),
    }
    return outcomes(cases)


def _paragraph_size(model: Any) -> tuple[int, int]:
    config = model.config
    return int(config.image_height), int(config.image_width)


@probe("refusals/data")
def data_refusals() -> dict[str, Any]:
    """Vocabulary, collation, data-module and corpus arguments at and beyond their bounds."""
    from text_recognizer.data import corpus
    from text_recognizer.data.datasets import FakeDataset
    from text_recognizer.metrics import edit_counts
    from text_recognizer.vocab import DEFAULT_VOCABULARY as VOCAB

    rng = np.random.default_rng(0)
    cases: dict[str, Callable[[], Any]] = {
        "encode_unknown": lambda: VOCAB.encode("a\u00e9b"),
        "decode_outside": lambda: VOCAB.decode([len(VOCAB)]),
        "decode_last": lambda: VOCAB.decode([len(VOCAB) - 1]),
        "pad_too_short": lambda: VOCAB.pad_batch([VOCAB.encode("abc")], length=2),
        "pad_exact": lambda: VOCAB.pad_batch([VOCAB.encode("abc")], length=3),
        "line_min>max": lambda: corpus.sample_line(rng, min_chars=5, max_chars=4),
        "line_min=0": lambda: corpus.sample_line(rng, min_chars=0, max_chars=4),
        "line_min=max": lambda: corpus.sample_line(rng, min_chars=4, max_chars=4),
        "fake_length=-1": lambda: FakeDataset("lines", -1, "train"),
        "fake_index=length": lambda: FakeDataset("lines", 2, "train")[2],
        "fake_index=-1": lambda: FakeDataset("lines", 2, "train")[-1],
        "edit_unit": lambda: edit_counts(["a"], ["a"], "token"),
        "edit_lengths": lambda: edit_counts(["a", "b"], ["a"], "char"),
    }
    return outcomes(cases)


#: Extras a module of the package may import; the defaults probe reads every module.
ALL_EXTRAS = ("fastapi", "httpx", "great_expectations", "pandas", "onnx", "onnxruntime", "uvicorn")


def _shown_default(value: Any) -> str:
    """A default as recorded: literals by value, anything else by its type (no addresses)."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return repr(value)
    if isinstance(value, (tuple, list, frozenset)) and all(
        item is None or isinstance(item, (bool, int, float, str)) for item in value
    ):
        return repr(value)
    return f"<{type(value).__name__}>"


@probe("refusals/defaults", requires=ALL_EXTRAS)
def public_defaults() -> dict[str, Any]:
    """Every default argument of the package's public functions and classes (and dataclass
    field defaults): a default flipped (label smoothing on, a beam too narrow, a limit one off)
    changes what every caller who relies on it gets."""
    import dataclasses
    import importlib
    import inspect
    import pkgutil

    import text_recognizer

    lines: list[str] = []
    for info in sorted(
        pkgutil.walk_packages(text_recognizer.__path__, "text_recognizer."), key=lambda i: i.name
    ):
        if ".testing" in info.name or info.name.endswith("__main__"):
            continue
        module = importlib.import_module(info.name)
        for name, item in sorted(vars(module).items()):
            if name.startswith("_") or getattr(item, "__module__", None) != module.__name__:
                continue
            if not (inspect.isfunction(item) or inspect.isclass(item)):
                continue
            targets = [(name, item)]
            if inspect.isclass(item):
                targets = [(name, item.__init__)] + [
                    (f"{name}.{method}", function)
                    for method, function in sorted(vars(item).items())
                    if inspect.isfunction(function) and not method.startswith("_")
                ]
            for label, function in targets:
                try:
                    signature = inspect.signature(function)
                except (TypeError, ValueError):
                    continue
                shown = [
                    f"{parameter.name}={_shown_default(parameter.default)}"
                    for parameter in signature.parameters.values()
                    if parameter.default is not inspect.Parameter.empty
                ]
                if shown:
                    lines.append(f"{info.name}:{label}({', '.join(shown)})")
            if dataclasses.is_dataclass(item):
                fields = [
                    f"{field.name}={_shown_default(field.default)}"
                    for field in dataclasses.fields(item)
                    if field.default is not dataclasses.MISSING
                ]
                if fields:
                    lines.append(f"{info.name}:{name} fields({', '.join(fields)})")
    return {"defaults": lines}
