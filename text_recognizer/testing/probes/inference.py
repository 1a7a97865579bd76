"""Probes of inference: routing by kind, reading lines and pages, staging and export parity,
and the REST service's answers, on drawn pages and a stand-in model whose readings are exact."""

from __future__ import annotations

import io
import json
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image

from text_recognizer.models import build_model, preset
from text_recognizer.testing.probes import image_summary, probe
from text_recognizer.vocab import DEFAULT_VOCABULARY


class MarkCounter(torch.nn.Module):
    """A line-model stand-in that reads a line as its number of separate ink marks (mod 10),
    with a confidence that falls with the count: every reading is exact, so any change in what
    reaches the model (crops, order, routing) shows in the text."""

    def __init__(self) -> None:
        super().__init__()
        self.config = preset("line_ctc", "tiny")

    def forward(self, images: torch.Tensor, widths: torch.Tensor):
        log_probs = torch.full((len(images), 2, len(DEFAULT_VOCABULARY)), -30.0)
        for row, (image, width) in enumerate(zip(images, widths)):
            inked = (image[0, :, : int(width)].max(dim=0).values > 0.5).int()
            marks = int((inked[1:] > inked[:-1]).sum() + inked[0])
            index = DEFAULT_VOCABULARY.encode(str(marks % 10))[0]
            log_probs[row, 0, index] = -0.05 * marks
            log_probs[row, 0, DEFAULT_VOCABULARY.blank_index] = -3.0 - 0.05 * marks
            log_probs[row, 1, DEFAULT_VOCABULARY.blank_index] = 0.0
        return log_probs, torch.full((len(images),), 2, dtype=torch.long)


def marks_page(marks_per_line: list[int], width: int = 400, gap: int = 35) -> np.ndarray:
    """A light page with rows of dark strokes: row ``k`` holds ``marks_per_line[k]``."""
    page = np.full((20 + (25 + gap) * len(marks_per_line), width), 245, dtype=np.uint8)
    for line, marks in enumerate(marks_per_line):
        top = 20 + (25 + gap) * line
        for mark in range(marks):
            page[top : top + 25, 20 + 60 * mark : 28 + 60 * mark] = 15
    return page


#: Drawn pages that routing and reading are probed on (name -> gray page).
PAGES: dict[str, Any] = {
    "one_line": lambda: marks_page([4]),
    "wide_two_lines": lambda: marks_page([6, 6]),
    "three_lines": lambda: marks_page([3, 1, 5]),
    "narrow_two_lines": lambda: marks_page([2, 3]),
    "touching_lines": lambda: _touching(),
    "inverted_two_lines": lambda: 255 - marks_page([2, 5]),
    "line_with_margins": lambda: np.pad(marks_page([5]), 60, constant_values=245),
    "blank": lambda: np.full((200, 300), 245, dtype=np.uint8),
}


def _touching() -> np.ndarray:
    page = marks_page([3, 4], gap=10)
    page[45:60, 24:26] = 15  # a descender reaching the next line
    return page


def _recognizer():
    from text_recognizer.recognizer import Recognizer

    return Recognizer.from_models({"lines": MarkCounter()}, version="probe")


@probe("inference/text_rows_and_kind")
def text_rows_and_kind() -> dict[str, Any]:
    """How many text rows each drawn page shows, and the kind auto mode picks for it when both
    models are staged."""
    from text_recognizer.data.page import normalize_page
    from text_recognizer.recognizer import choose_kind, text_rows

    rows, kinds = [], []
    for make in PAGES.values():
        page = normalize_page(make())
        rows.append(text_rows(page))
        kinds.append(choose_kind(page, ["lines", "paragraphs"]))
    return {"pages": list(PAGES), "text_rows": rows, "kinds": kinds}


@probe("inference/auto_mode_readings")
def auto_mode_readings() -> dict[str, Any]:
    """What a line-model recognizer reads on each page in auto mode: text, kind, confidences."""
    recognizer = _recognizer()
    predictions = recognizer.predict_batch([make() for make in PAGES.values()])
    return {
        "texts": [p.text for p in predictions],
        "kinds": [p.kind for p in predictions],
        "versions": [p.model_version for p in predictions],
        "confidences": [p.confidence for p in predictions],
        "char_confidences": [sum(p.char_confidences) for p in predictions],
        "char_counts": [len(p.char_confidences) for p in predictions],
    }


@probe("inference/forced_modes")
def forced_modes() -> dict[str, Any]:
    """A page read in each forced mode, and each spelling of a mode."""
    recognizer = _recognizer()
    page = marks_page([2, 4])
    out: dict[str, Any] = {}
    for mode in ("lines", "paragraphs", "line", "paragraph", "auto", "AUTO"):
        prediction = recognizer.predict(page, mode=mode)
        out[mode] = {"text": prediction.text or "<empty>", "kind": prediction.kind}
    return out


@probe("inference/image_inputs")
def image_inputs() -> dict[str, Any]:
    """One page given as every input type and PIL mode reads the same, and loads the same."""
    from text_recognizer.recognizer import load_image

    gray = marks_page([3])
    image = Image.fromarray(gray)
    png = io.BytesIO()
    image.save(png, format="PNG")
    sources = {
        "L": image,
        "RGB": image.convert("RGB"),
        "RGBA": image.convert("RGBA"),
        "P": image.convert("P"),
        "I;16": Image.fromarray(gray.astype(np.uint16) * 257),
        "array": gray,
        "array_rgb": np.repeat(gray[..., None], 3, axis=2),
        "bytes": png.getvalue(),
        "file": io.BytesIO(png.getvalue()),
    }
    recognizer = _recognizer()
    out: dict[str, Any] = {}
    for name, source in sources.items():
        loaded = load_image(
            source if not isinstance(source, io.BytesIO) else io.BytesIO(png.getvalue())
        )
        out[name] = {
            "mode": loaded.mode,
            "image": image_summary(loaded.convert("L")),
            "text": recognizer.predict(source).text,
        }
    return out


@probe("inference/line_model_outputs")
def line_model_outputs() -> dict[str, Any]:
    """A seeded tiny line model through the recognizer's batch path: frame log-probs per line,
    padding of a batch of unequal widths included."""
    from text_recognizer.recognizer import Recognizer

    torch.manual_seed(3)
    recognizer = Recognizer.from_models({"lines": build_model("line_ctc", "tiny")}, "seeded")
    lines = [marks_page([2], width=120), marks_page([5], width=330)]
    frames = recognizer.line_log_probs(lines)
    out: dict[str, Any] = {}
    for index, log_probs in enumerate(frames):
        out[f"line{index}"] = {
            "shape": list(log_probs.shape),
            "mean": float(log_probs.mean()),
            "first_frames": log_probs[:3].exp().max(dim=-1).values,
            "best": log_probs.argmax(dim=-1)[:12],
        }
    predictions = recognizer.predict_batch(lines, mode="lines")
    out["confidences"] = [p.confidence for p in predictions]
    return out


@probe("inference/staged_round_trip")
def staged_round_trip() -> dict[str, Any]:
    """A seeded tiny line model staged and loaded back: what the payload records, and outputs
    that match the model it came from."""
    from text_recognizer.staging import MODEL_FILE, load_staged, model_payload

    torch.manual_seed(5)
    model = build_model("line_ctc", "tiny").eval()
    images, widths = torch.rand(2, 1, 40, 48), torch.tensor([48, 30])
    with tempfile.TemporaryDirectory(prefix="probe-staged-") as folder:
        torch.save(model_payload("lines", model, {"cer": 0.5}, "probe"), Path(folder) / MODEL_FILE)
        staged = load_staged(folder)
    with torch.no_grad():
        expected, lengths = model(images, widths)
        got, got_lengths = staged.model(images, widths)
    return {
        "kind": staged.kind,
        "version": staged.version,
        "training": staged.model.training,
        "preprocessing_keys": sorted(staged.preprocessing),
        "metrics": staged.metrics,
        "max_diff": float((got - expected).abs().max()),
        "lengths": got_lengths,
        "outputs": {"mean": float(got.mean()), "std": float(got.std())},
        "expected_lengths": lengths,
    }


@probe("inference/torchscript_parity")
def torchscript_parity() -> dict[str, Any]:
    """A seeded tiny line model traced to TorchScript (from train mode, as after training):
    the traced outputs, and their distance from eager eval outputs."""
    from text_recognizer.export import load_torchscript, save_torchscript

    torch.manual_seed(6)
    model = build_model("line_ctc", "tiny").train()
    images, widths = torch.rand(2, 1, 40, 64), torch.tensor([64, 36])
    with tempfile.TemporaryDirectory(prefix="probe-ts-") as folder:
        save_torchscript(model, Path(folder) / "model.ts")
        traced = load_torchscript(Path(folder) / "model.ts")
        with torch.no_grad():
            got, lengths = traced(images, widths)[:2]
    with torch.no_grad():
        expected, _ = model.eval()(images, widths)
    return {
        "lengths": lengths,
        "max_diff": round(float((got - expected).abs().max()), 3),
        "summary": {"mean": float(got.mean()), "std": float(got.std())},
    }


# How often readiness is polled depends on when the loading thread finishes.
@probe(
    "inference/service_answers",
    requires=("fastapi", "httpx"),
    untraced=("api.service.RecognitionService.ready",),
)
def service_answers() -> dict[str, Any]:
    """The REST service around the stand-in recognizer: status, error kind and reading of a
    fixed set of requests (good, damaged, refused), then its request counters."""
    import base64
    import warnings

    from text_recognizer.api.app import create_app
    from text_recognizer.api.settings import ServeSettings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    png = io.BytesIO()
    Image.fromarray(marks_page([2, 3])).save(png, format="PNG")
    body = png.getvalue()
    settings = ServeSettings(
        batch_window_ms=0.0, max_body_bytes=64 * 1024, token="probe-token-0123456789"
    )
    app = create_app(_recognizer, settings)
    auth = {"authorization": "Bearer probe-token-0123456789"}
    requests = {
        "png_auto": ("post", "/v1/recognize", body, {"content-type": "image/png", **auth}),
        "png_lines": (
            "post",
            "/v1/recognize?mode=lines",
            body,
            {"content-type": "image/png", **auth},
        ),
        "json_base64": (
            "post",
            "/v1/recognize",
            json.dumps(
                {
                    "image": "data:image/png;base64," + base64.b64encode(body).decode(),
                    "mode": "paragraphs",
                }
            ).encode(),
            {"content-type": "application/json", **auth},
        ),
        "no_token": ("post", "/v1/recognize", body, {"content-type": "image/png"}),
        "wrong_token": (
            "post",
            "/v1/recognize",
            body,
            {"content-type": "image/png", "authorization": "Bearer x"},
        ),
        "damaged_png": ("post", "/v1/recognize", body[:60], {"content-type": "image/png", **auth}),
        "empty": ("post", "/v1/recognize", b"", {"content-type": "image/png", **auth}),
        "text_plain": ("post", "/v1/recognize", b"hello", {"content-type": "text/plain", **auth}),
        "bad_mode": (
            "post",
            "/v1/recognize?mode=words",
            body,
            {"content-type": "image/png", **auth},
        ),
        "too_large": (
            "post",
            "/v1/recognize",
            b"x" * (64 * 1024 + 1),
            {"content-type": "image/png", **auth},
        ),
        "bad_host": (
            "post",
            "/v1/recognize",
            body,
            {"content-type": "image/png", "host": "evil.example", **auth},
        ),
        "healthz": ("get", "/healthz", None, {}),
        "readyz": ("get", "/readyz", None, {}),
        "unknown_path": ("get", "/v2/nothing", None, auth),
    }
    statuses, kinds, texts = [], [], []
    with TestClient(app, base_url="http://127.0.0.1", raise_server_exceptions=False) as client:
        _wait_ready(app)
        for method, path, content, headers in requests.values():
            response = client.request(method, path, content=content, headers=headers)
            statuses.append(response.status_code)
            payload = _json_or_none(response)
            kinds.append(str((payload or {}).get("error", {}).get("kind", "-")))
            texts.append(str((payload or {}).get("text", "-")))
        metrics = app.state.service.metrics
        counted = {
            str(status): metrics.requests("/v1/recognize", "POST", status)
            for status in (200, 400, 401, 413, 415, 422, 499, 500)
        }
    return {
        "requests": list(requests),
        "statuses": statuses,
        "error_kinds": kinds,
        "texts": texts,
        "counted": counted,
    }


def _wait_ready(app: Any, timeout_s: float = 10.0) -> None:
    import time

    deadline = time.monotonic() + timeout_s
    while not app.state.service.ready:
        if time.monotonic() > deadline:
            raise TimeoutError("the probed service did not become ready")
        time.sleep(0.01)


def _json_or_none(response: Any) -> dict | None:
    try:
        payload = response.json()
    except ValueError:
        return None
    return payload if isinstance(payload, dict) else None


def _load_and_read(**options: Any) -> dict[str, Any]:
    """Seeded tiny line and paragraph models staged side by side, loaded with ``options`` and
    reading a line and a page: what the loaded recognizer holds and what it read."""
    from text_recognizer.recognizer import Recognizer
    from text_recognizer.staging import MODEL_FILE, model_payload

    torch.manual_seed(8)
    with tempfile.TemporaryDirectory(prefix="probe-load-") as folder:
        for kind, name in (("lines", "line_ctc"), ("paragraphs", "paragraph_transformer")):
            (Path(folder) / kind).mkdir()
            payload = model_payload(kind, build_model(name, "tiny").eval(), {}, "probe")
            torch.save(payload, Path(folder) / kind / MODEL_FILE)
        recognizer = Recognizer.load(folder, **options)
    line = recognizer.predict(marks_page([3]), mode="lines")
    page = recognizer.predict(marks_page([2, 4]), mode="paragraphs")
    return {
        "kinds": recognizer.kinds,
        "held": [
            recognizer.backend,
            str(recognizer.beam_width),
            str(recognizer.device),
            str(recognizer.max_tokens),
        ],
        "line": [line.text, line.kind],
        "line_confidence": line.confidence,
        "page": [page.text, page.kind],
        "page_tokens": len(page.char_confidences),
    }


@probe("inference/load_defaults")
def load_defaults() -> dict[str, Any]:
    """``Recognizer.load`` with no options: eager, greedy, CPU, the model's own token cap."""
    return _load_and_read()


@probe("inference/load_options")
def load_options() -> dict[str, Any]:
    """``Recognizer.load`` with every option away from its default reaches what it configures:
    a beam of 3, one thread, and paragraphs cut at 5 tokens."""
    return _load_and_read(beam_width=3, threads=1, max_tokens=5)
