"""Probes of export and staging: what ``model.pt`` holds and how it loads back (damaged ones
included), the TorchScript and ONNX graphs and their parity with eager, checkpoint loading,
staging a tiny checkpoint, and evaluation on a small drawn data set."""

from __future__ import annotations

import argparse
import functools
import json
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import torch
from PIL import Image
from torch import nn

from text_recognizer.errors import ExportParityError
from text_recognizer.evaluation import evaluate_folder
from text_recognizer.export import (
    ParagraphDecoderStep,
    ParagraphEncoder,
    empty_past,
    export_parts,
    load_torchscript,
    onnx_files,
    save_torchscript,
    stack_keys_values,
    to_torchscript,
    unstack_keys_values,
)
from text_recognizer.export_parity import check_parity, compare, require_parity
from text_recognizer.lit_models import (
    LineCTCLitModel,
    ParagraphLitModel,
    load_model_from_checkpoint,
)
from text_recognizer.models import build_model
from text_recognizer.staging import (
    CARD_JSON,
    MODEL_FILE,
    load_staged,
    model_payload,
    plain,
    preprocessing_constants,
    staged_folders,
)
from text_recognizer.testing.probes import describe_error, outcome, probe
from text_recognizer.testing.probes.inference import MarkCounter, marks_page
from text_recognizer.vocab import DEFAULT_VOCABULARY


def _line_model(seed: int) -> nn.Module:
    torch.manual_seed(seed)
    return build_model("line_ctc", "tiny")


def _paragraph_model(seed: int) -> nn.Module:
    torch.manual_seed(seed)
    return build_model("paragraph_transformer", "tiny")


def _line_inputs(seed: int, widths: list[int]) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    images = torch.rand(len(widths), 1, 40, max(widths), generator=generator)
    for row, width in enumerate(widths):
        images[row, :, :, width:] = 0.0
    return images, torch.tensor(widths)


def _page(seed: int, batch: int = 1) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    return torch.rand(batch, 1, 512, 512, generator=generator)


def _max_diff(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((a.detach().float() - b.detach().float()).abs().max())


# -- the payload --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Settings:
    size: tuple[int, int]
    path: Path


@probe("export/payload_contents")
def payload_contents() -> dict[str, Any]:
    """What model.pt holds for a tiny line and paragraph model, with and without half weights:
    keys, versions, dtypes per tensor, plain metrics/extra/calibration, preprocessing constants."""
    line, paragraph = _line_model(1), _paragraph_model(1)
    metrics = {"cer": torch.tensor(0.25), "steps": (10, 20)}
    extra = {"data": Path("/data/set"), "settings": _Settings((1, 2), Path("x"))}
    out: dict[str, Any] = {}
    for name, kind, model, half in (
        ("line", "lines", line, False),
        ("line_half", "lines", line, True),
        ("paragraph_half", "paragraphs", paragraph, True),
    ):
        payload = model_payload(kind, model, metrics, "v-probe", extra, half, {"temperature": 1.5})
        state = payload["state_dict"]
        dtypes = sorted({str(value.dtype) for value in state.values()})
        out[name] = {
            "keys": sorted(payload),
            "scalars": [
                str(payload[key])
                for key in ("format_version", "kind", "model_kind", "weights_dtype", "version")
            ],
            "dtypes": dtypes,
            "tensors_per_dtype": [sum(str(v.dtype) == d for v in state.values()) for d in dtypes],
            "values": sum(value.numel() for value in state.values()),
            "first_weight_sum": float(next(iter(state.values())).double().sum()),
            "config": json.dumps(payload["config"], sort_keys=True),
            "metrics": json.dumps(payload["metrics"], sort_keys=True),
            "extra": json.dumps(payload["extra"], sort_keys=True),
            "calibration": json.dumps(payload["calibration"], sort_keys=True),
            "vocab_tokens": len(payload["vocab"]),
            "model_untouched": str(next(model.parameters()).dtype),
        }
    constants = preprocessing_constants()
    out["preprocessing"] = [f"{key}={value}" for key, value in constants.items()]
    out["plain"] = json.dumps(
        plain(
            {
                1: (torch.tensor([1, 2]), None, True),
                "object": argparse.Namespace(a=1),
                "path": Path("a/b"),
            }
        ),
        sort_keys=True,
    )
    return out


def _save_payload(folder: Path, payload: Any) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    torch.save(payload, folder / MODEL_FILE)
    return folder


@probe("export/staged_round_trip")
def staged_round_trip() -> dict[str, Any]:
    """load_staged of half and full payloads: float32 weights in eval mode, metadata and
    calibration kept, outputs equal (full) or within half rounding; a staged paragraph model
    (dropout 0.1) answers the same twice."""
    line, paragraph = _line_model(2).train(), _paragraph_model(2).train()
    images, widths = _line_inputs(3, [64, 40])
    page = _page(4)
    with torch.no_grad():
        expected, lengths = line.eval()(images, widths)
        expected_keys = ParagraphEncoder(paragraph.eval())(page)[0]
    line.train()
    paragraph.train()
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="probe-staged-") as tmp:
        root = Path(tmp)
        for name, half in (("full", False), ("half", True)):
            payload = model_payload(
                "lines", line, {"cer": 0.5}, f"v-{name}", {"note": name}, half, {"temperature": 2}
            )
            staged = load_staged(_save_payload(root / name, payload))
            with torch.no_grad():
                got, got_lengths = staged.model(images, widths)
            out[name] = {
                "dtypes": sorted({str(v.dtype) for v in staged.model.state_dict().values()}),
                "training": staged.model.training,
                "any_module_training": any(m.training for m in staged.model.modules()),
                "meta": [staged.kind, staged.version, staged.vocab[:12], str(staged.folder.name)],
                "metrics": json.dumps(staged.metrics),
                "extra": json.dumps(staged.extra),
                "temperature": staged.temperature,
                "max_diff": _max_diff(got, expected),
                "lengths": got_lengths,
                "expected_lengths": lengths,
            }
        payload = model_payload("paragraphs", paragraph, {}, "p", half=True)
        staged = load_staged(_save_payload(root / "paragraph", payload))
        encoder = ParagraphEncoder(staged.model)
        with torch.no_grad():
            first, second = encoder(page)[0], encoder(page)[0]
        out["paragraph"] = {
            "training": [staged.model.training, encoder.training],
            "repeat_diff": _max_diff(first, second),
            "half_diff": _max_diff(first, expected_keys),
            "temperature": staged.temperature,
            "calibration": json.dumps(staged.calibration),
            "source_still_training": paragraph.training,
        }
    return out


@probe("export/staged_refusals")
def staged_refusals() -> dict[str, Any]:
    """What load_staged says about each damaged model.pt: missing, garbage, not a dict, keys
    missing, another vocabulary or preprocessing, unknown kind, misfit config or weights,
    pickled objects (refused by weights_only)."""
    good = model_payload("lines", _line_model(5), {}, "v")
    other = model_payload("lines", build_model("line_ctc", {"rnn_hidden": 32}), {}, "v")

    def edited(**changes: Any) -> dict[str, Any]:
        payload = dict(good)
        for key, value in changes.items():
            if value is None:
                payload.pop(key)
            else:
                payload[key] = value
        return payload

    cases: dict[str, Any] = {
        "good": good,
        "garbage": b"not a zip file at all",
        "truncated": "truncate",
        "a_list": [1, 2, 3],
        "no_state_dict": edited(state_dict=None),
        "no_version_no_vocab": edited(version=None, vocab=None),
        "other_vocab": edited(vocab=list(good["vocab"][:-1])),
        "other_line_height": edited(preprocessing={**good["preprocessing"], "line_height": 32}),
        "other_margins": edited(
            preprocessing={**good["preprocessing"], "line_margin": 0.1, "paragraph_margin": 0.0}
        ),
        "unknown_kind": edited(kind="words"),
        "config_unknown_field": edited(config={**good["config"], "colour": "blue"}),
        "weights_misfit": edited(state_dict=other["state_dict"]),
        "weights_missing_one": edited(state_dict=dict(list(good["state_dict"].items())[1:])),
        "pickled_object": edited(extra=argparse.Namespace(a=1)),
        "no_metrics_ok": edited(metrics=None, extra=None, calibration=None),
    }
    outcomes = []
    with tempfile.TemporaryDirectory(prefix="probe-refused-") as tmp:
        for index, payload in enumerate(cases.values()):
            folder = Path(tmp) / f"m{index}"
            folder.mkdir()
            if isinstance(payload, bytes):
                (folder / MODEL_FILE).write_bytes(payload)
            elif payload == "truncate":
                torch.save(good, folder / MODEL_FILE)
                data = (folder / MODEL_FILE).read_bytes()
                (folder / MODEL_FILE).write_bytes(data[: len(data) // 2])
            else:
                torch.save(payload, folder / MODEL_FILE)
            outcomes.append(outcome(functools.partial(load_staged, folder), tmp))
        outcomes.append(outcome(lambda: load_staged(Path(tmp) / "absent"), tmp))
    return {"cases": list(cases) + ["no_folder"], "outcomes": outcomes}


@probe("export/staged_folders")
def staged_folder_layouts() -> dict[str, Any]:
    """Which kind -> folder staged_folders finds in each layout: a staged folder (kind from its
    card, else from model.pt), lines/ and paragraphs/ subfolders, and folders holding none."""
    layouts: dict[str, dict[str, Any]] = {
        "single_no_card": {"": {"kind": "paragraphs"}},
        "single_card": {"": {"kind": "paragraphs"}, "card": {"kind": "lines"}},
        "single_bad_card": {"": {"kind": "paragraphs"}, "card": "{not json"},
        "single_card_unknown_kind": {"": {"kind": "lines"}, "card": {"kind": "words"}},
        "single_unknown_kind": {"": {"kind": "words"}},
        "single_not_a_dict": {"": [1, 2]},
        "both": {"lines": {"kind": "lines"}, "paragraphs": {"kind": "paragraphs"}},
        "only_paragraphs": {"paragraphs": {"kind": "paragraphs"}},
        "other_subfolder": {"line": {"kind": "lines"}},
        "root_and_subfolders": {"": {"kind": "lines"}, "paragraphs": {"kind": "paragraphs"}},
        "empty": {},
    }
    results = []
    with tempfile.TemporaryDirectory(prefix="probe-folders-") as tmp:
        for name, layout in layouts.items():
            root = Path(tmp) / name
            root.mkdir()
            for sub, payload in layout.items():
                if sub == "card":
                    text = payload if isinstance(payload, str) else json.dumps(payload)
                    (root / CARD_JSON).write_text(text, encoding="utf-8")
                    continue
                _save_payload(root / sub if sub else root, payload)
            try:
                found = staged_folders(root)
                results.append(
                    ", ".join(f"{kind}={path.relative_to(tmp)}" for kind, path in found.items())
                )
            except Exception as error:  # noqa: BLE001 - recorded
                results.append(describe_error(error, tmp))
        results.append(outcome(lambda: staged_folders(Path(tmp) / "absent"), tmp))
    return {"layouts": list(layouts) + ["absent"], "found": results}


# -- export graphs ------------------------------------------------------------------------------


@probe("export/export_parts")
def export_part_layout() -> dict[str, Any]:
    """The exported parts of each model: names, inputs/outputs, example shapes, dynamic axes,
    ONNX file names, the empty past, stacking of keys/values, and the wrappers' modes."""
    out: dict[str, Any] = {}
    for name, model in (("line", _line_model(6)), ("paragraph", _paragraph_model(6).eval())):
        parts = export_parts(model)
        out[name] = {
            "parts": [part.name for part in parts],
            "inputs": [",".join(part.input_names) for part in parts],
            "outputs": [",".join(part.output_names) for part in parts],
            "example_shapes": [
                " ".join("x".join(map(str, t.shape)) for t in part.example) for part in parts
            ],
            "dynamic_axes": [
                f"{key}:{axes}" for part in parts for key, axes in part.dynamic_axes.items()
            ],
            "onnx_files": [f"{k}={v}" for k, v in onnx_files(model).items()],
            "example_widths": parts[0].example[1] if name == "line" else [],
        }
    paragraph = _paragraph_model(6)
    keys, values = empty_past(paragraph, 3)
    pairs = [
        (torch.full((2, 2, 4, 16), float(i)), torch.full((2, 2, 4, 16), -float(i)))
        for i in range(3)
    ]
    stacked = stack_keys_values(pairs)
    back = unstack_keys_values(*stacked)
    out["empty_past"] = {
        "shape": list(keys.shape),
        "dtype": str(keys.dtype),
        "sum": float(values.sum()),
    }
    out["stacked_shape"] = list(stacked[0].shape)
    out["round_trip"] = all(
        torch.equal(a, c) and torch.equal(b, d) for (a, b), (c, d) in zip(pairs, back)
    )
    out["wrapper_modes"] = [
        ParagraphEncoder(paragraph.train()).training,
        ParagraphDecoderStep(paragraph.train()).training,
        ParagraphEncoder(paragraph.eval()).training,
        ParagraphDecoderStep(paragraph.eval()).training,
        paragraph.training,
    ]
    out["other_module"] = outcome(lambda: export_parts(nn.Linear(2, 2)))
    return out


@probe("export/torchscript_line")
def torchscript_line() -> dict[str, Any]:
    """A tiny line model traced from train mode (traced at width 96, batch 2), saved and loaded:
    its mode, and its outputs against eager on other batch sizes and widths (incl. padding)."""
    model = _line_model(7).train()
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="probe-ts-line-") as tmp:
        traced = save_torchscript(model, Path(tmp) / "model.ts")
        loaded = load_torchscript(Path(tmp) / "model.ts")
    out["modes"] = [model.training, traced.training, loaded.training]
    for name, widths in (("one", [16]), ("three", [40, 200, 17]), ("wide", [320])):
        images, lengths_in = _line_inputs(8, widths)
        with torch.no_grad():
            expected, lengths = model(images, lengths_in)
            got, got_lengths = loaded(images, lengths_in)
        out[name] = {
            "shape": list(got.shape),
            "lengths": got_lengths,
            "lengths_equal": bool(torch.equal(got_lengths, lengths)),
            "max_diff": _max_diff(got, expected),
            "mean": float(got.mean()),
            "best": got.argmax(dim=-1)[0, :8],
        }
    return out


@probe("export/torchscript_paragraph")
def torchscript_paragraph() -> dict[str, Any]:
    """A tiny paragraph model (dropout 0.1) traced from train mode: encode and decode_step of
    the traced module against eager eval, from an empty past and a grown one, on a batch of 3
    (traced at 2) holding a blank page."""
    model = _paragraph_model(8).train()
    traced = to_torchscript(model)
    out: dict[str, Any] = {"modes": [model.training, traced.training]}
    encoder, step = ParagraphEncoder(model), ParagraphDecoderStep(model)
    pages = _page(9, 3)
    pages[1] = 0.0  # a blank page in the batch
    with torch.no_grad():
        for name, batch in (("batch3", pages),):
            want_keys, want_values = encoder(batch)
            keys, values = traced.encode(batch)
            past_keys, past_values = empty_past(model, batch.shape[0])
            tokens = torch.full((batch.shape[0],), DEFAULT_VOCABULARY.start_index)
            logits_diffs, fed = [], []
            want_past = (past_keys, past_values)
            for _ in range(3):
                want_logits, *want_past_list = step(tokens, want_keys, want_values, *want_past)
                logits, past_keys, past_values = traced.decode_step(
                    tokens, keys, values, past_keys, past_values
                )
                want_past = tuple(want_past_list)
                logits_diffs.append(_max_diff(logits, want_logits))
                tokens = want_logits.argmax(dim=-1)
                fed.append(tokens)
            out[name] = {
                "memory_shape": list(keys.shape),
                "memory_diff": max(_max_diff(keys, want_keys), _max_diff(values, want_values)),
                "past_shape": list(past_keys.shape),
                "past_diff": _max_diff(past_keys, want_past[0]),
                "logit_diffs": logits_diffs,
                "tokens": torch.stack(fed, dim=1),
                "memory_row_means": keys.mean(dim=(0, 2, 3, 4)),
                "memory_row_stds": keys.std(dim=(0, 2, 3, 4)),
                "last_logit_row_stds": logits.std(dim=-1),
            }
    return out


@probe("export/onnx_paragraph", requires=("onnx", "onnxruntime"))
def onnx_paragraph() -> dict[str, Any]:
    """The tiny paragraph model exported to ONNX (encoder and one decoder step): the files,
    each graph's inputs and outputs with their dynamic axes, and onnxruntime's parity report."""
    from text_recognizer.export import onnx_runner, onnx_session, save_onnx

    model = _paragraph_model(10).train()
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="probe-onnx-") as tmp:
        written = save_onnx(model, tmp)
        out["written"] = [f"{part}={path.name}" for part, path in written.items()]
        out["mode_after"] = model.training
        sessions = {part: onnx_session(path, threads=1) for part, path in written.items()}
        for part, session in sessions.items():
            out[part] = {
                "inputs": [f"{i.name}{i.shape}" for i in session.get_inputs()],
                "outputs": [f"{o.name}{o.shape}" for o in session.get_outputs()],
            }
        backends = {"onnx": {part: onnx_runner(s) for part, s in sessions.items()}}
        page = _page(11)
        results = check_parity(model, page, None, backends, steps=4)
    out["parity"] = {
        "backends": [f"{r.backend} {r.part} {r.passed}" for r in results],
        "max_abs_diff": [r.max_abs_diff for r in results],
    }
    return out


# -- parity -------------------------------------------------------------------------------------


@probe("export/parity_compare")
def parity_compare() -> dict[str, Any]:
    """compare() at and past its tolerance, on shape and count mismatches, integer outputs and
    empty tensors; require_parity's message listing every failure."""
    base = torch.tensor([[-4.0, -0.5, 0.0, -30.0]])
    allowed = 1e-4 + 1e-4 * base.abs()
    cases = {
        "equal": ([base], [base.clone()]),
        "inside": ([base], [base + allowed * 0.5]),
        "outside": ([base], [base + allowed * 2.0]),
        "one_element_off": ([base], [base + torch.tensor([[0.0, 0.0, 0.01, 0.0]])]),
        "shape": ([base], [base[:, :3]]),
        "count": ([base, base], [base]),
        "ints_equal": ([torch.tensor([3, 4])], [torch.tensor([3, 4], dtype=torch.int32)]),
        "ints_differ": ([torch.tensor([3, 4])], [torch.tensor([3, 5])]),
        "empty": ([torch.zeros(2, 0)], [torch.zeros(2, 0)]),
        "half_vs_float": ([base], [base.half()]),
        "loose_tolerance": ([base], [base + 0.05]),
    }
    results = []
    for name, (want, got) in cases.items():
        if name == "loose_tolerance":
            results.append(compare("b", name, want, got, atol=0.1, rtol=0.0))
        else:
            results.append(compare("b", name, want, got))
    failed = [r for r in results if not r.passed]
    try:
        require_parity(failed)
        message = "passed"
    except ExportParityError as error:
        message = str(error)
    return {
        "cases": list(cases),
        "passed": [r.passed for r in results],
        "max_abs_diff": [min(r.max_abs_diff, 1e9) for r in results],
        "message": message,
        "none_failed": outcome(lambda: require_parity([r for r in results if r.passed])),
    }


@probe("export/parity_report")
def parity_report() -> dict[str, Any]:
    """check_parity of a line and a paragraph model against stand-in backends: eager itself, a
    tiny offset, a real offset, lengths off by one, another model; and the greedy tokens fed."""
    from text_recognizer.export_parity import _greedy_tokens

    line = _line_model(11).train()
    other = _line_model(12).eval()
    images, widths = _line_inputs(12, [80, 48])

    def shifted(offset: float) -> Callable[..., tuple[torch.Tensor, torch.Tensor]]:
        def run(x: torch.Tensor, w: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
            log_probs, lengths = line(x, w)
            return log_probs + offset, lengths

        return run

    def longer(x: torch.Tensor, w: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        log_probs, lengths = line(x, w)
        return log_probs, lengths + 1

    backends = {
        "self": {"forward": line},
        "tiny_offset": {"forward": shifted(5e-5)},
        "offset": {"forward": shifted(1e-2)},
        "longer": {"forward": longer},
        "other_model": {"forward": other},
    }
    line_results = check_parity(line, images, widths, backends)
    paragraph = _paragraph_model(13).train()
    encoder, step = ParagraphEncoder(paragraph), ParagraphDecoderStep(paragraph)

    def noisy_step(*args: torch.Tensor) -> tuple[torch.Tensor, ...]:
        logits, keys, values = step(*args)
        return logits + 1e-3, keys, values

    page = _page(14)
    paragraph_results = check_parity(
        paragraph,
        page,
        None,
        {
            "self": {"encode": encoder, "decode_step": step},
            "noisy_step": {"encode": encoder, "decode_step": noisy_step},
        },
        steps=3,
    )
    with torch.inference_mode():
        tokens = _greedy_tokens(paragraph, page, 5)
    results = line_results + paragraph_results
    return {
        "rows": [f"{r.backend} {r.part} {r.passed}" for r in results],
        "max_abs_diff": [min(r.max_abs_diff, 1e9) for r in results],
        "line_mode_after": line.training,
        "greedy_tokens": tokens,
        "unsupported": outcome(lambda: check_parity(nn.Linear(2, 2), images, widths, {})),
    }


# -- checkpoints, staging, evaluation -----------------------------------------------------------


def _checkpoint(lit: Any, **extra: Any) -> dict[str, Any]:
    """What a Lightning checkpoint holds that loading and staging read."""
    return {
        "epoch": 3,
        "global_step": 120,
        "pytorch-lightning_version": "probe",
        "state_dict": lit.state_dict(),
        "hyper_parameters": dict(lit.hparams),
        **extra,
    }


@probe("export/checkpoint_loader")
def checkpoint_loader() -> dict[str, Any]:
    """load_model_from_checkpoint on written checkpoints: a line and a paragraph model come back
    in eval mode with their weights and hparams; damaged ones are refused by name."""
    torch.manual_seed(15)
    line_lit = LineCTCLitModel(model_config="tiny")
    paragraph_lit = ParagraphLitModel(model_config="tiny")
    good = _checkpoint(line_lit)
    state = good["state_dict"]
    hparams = good["hyper_parameters"]
    first = next(iter(state))
    misshapen = {**state, first: torch.zeros(1)}
    cases: dict[str, Any] = {
        "line": good,
        "paragraph": _checkpoint(paragraph_lit),
        "no_hparams": {**good, "hyper_parameters": None},
        "no_model_config": {**good, "hyper_parameters": {"model_kind": "line_ctc"}},
        "unknown_kind": {**good, "hyper_parameters": {**hparams, "model_kind": "words"}},
        "missing_weight": {**good, "state_dict": dict(list(state.items())[1:])},
        "unexpected_weight": {**good, "state_dict": {**state, "model.extra.weight": torch.ones(1)}},
        "misshapen": {**good, "state_dict": misshapen},
        "other_prefixes_ignored": {**good, "state_dict": {**state, "loss.weight": torch.ones(3)}},
        "truncated": "truncate",
        "text_file": b"this is not a checkpoint",
    }
    images, widths = _line_inputs(16, [56, 30])
    with torch.no_grad():
        expected = line_lit.model.eval()(images, widths)[0]
    outcomes, details = [], {}
    with tempfile.TemporaryDirectory(prefix="probe-ckpt-") as tmp:
        for name, content in cases.items():
            path = Path(tmp) / f"{name}.ckpt"
            if isinstance(content, bytes):
                path.write_bytes(content)
            elif content == "truncate":
                torch.save(good, path)
                path.write_bytes(path.read_bytes()[:2000])
            else:
                torch.save(content, path)
            try:
                model, loaded_hparams = load_model_from_checkpoint(path)
            except Exception as error:  # noqa: BLE001 - recorded
                outcomes.append(describe_error(error, tmp))
                continue
            outcomes.append(f"ok {type(model).__name__} training={model.training}")
            if name == "line":
                with torch.no_grad():
                    got = model(images, widths)[0]
                details["line"] = {
                    "max_diff": _max_diff(got, expected),
                    "hparams": sorted(loaded_hparams),
                    "decoding": [loaded_hparams["decoding"], str(loaded_hparams["beam_width"])],
                }
            if name == "paragraph":
                details["paragraph_modes"] = [m.training for m in model.modules()][:4]
        missing = outcome(lambda: load_model_from_checkpoint(Path(tmp) / "absent.ckpt"), tmp)
    return {
        "cases": list(cases) + ["absent"],
        "outcomes": outcomes + [missing],
        **details,
    }


def _line_images() -> list[Image.Image]:
    return [Image.fromarray(marks_page([count], width=260)) for count in (2, 3, 4)]


# The model card's table of file sizes: a TorchScript archive's size varies from run to run.
@probe("export/stage_line", untraced=("training.model_card.card_markdown.<locals>.rows",))
def stage_line() -> dict[str, Any]:
    """stage() of a tiny line checkpoint on drawn lines, half weights, as where the onnx package
    is missing (the same here and there, and quick; ONNX is probed by export/onnx_paragraph):
    the files, the card's fields and parity rows, metrics from the checkpoint, the refusals."""
    from text_recognizer.training import stage as staging

    installed = staging._onnx_installed
    staging._onnx_installed = lambda: False
    try:
        return _stage_line(staging.stage)
    finally:
        staging._onnx_installed = installed


def _stage_line(stage: Callable[..., Any]) -> dict[str, Any]:
    from text_recognizer.training.stage import FORMATS

    torch.manual_seed(17)
    lit = LineCTCLitModel(model_config="tiny")
    checkpoint = _checkpoint(
        lit,
        callbacks={
            "ModelCheckpoint{'monitor': 'val/cer'}": {
                "monitor": "val/cer",
                "best_model_score": torch.tensor(0.125),
            },
            "EarlyStopping": {"monitor": "val/loss", "best_model_score": torch.tensor(1.0)},
        },
    )
    checkpoint["hyper_parameters"]["test_metrics"] = {"test/cer": torch.tensor(0.5)}
    with tempfile.TemporaryDirectory(prefix="probe-stage-") as tmp:
        path = Path(tmp) / "tiny.ckpt"
        torch.save(checkpoint, path)
        out_dir = Path(tmp) / "staged" / "lines"
        report = stage(path, out_dir, images=_line_images(), formats=("torchscript",), half=True)
        card = report.card
        files = sorted(p.name for p in out_dir.iterdir())
        leftovers = sorted(p.name for p in out_dir.parent.iterdir())
        staged = load_staged(out_dir)
        payload = torch.load(out_dir / MODEL_FILE, weights_only=True)
        traced = load_torchscript(out_dir / "model.ts")
        images, widths = _line_inputs(18, [64, 33])
        with torch.no_grad():
            traced_out = traced(images, widths)[0]
            eager_out = staged.model(images, widths)[0]
        markdown = (out_dir / "model_card.md").read_text(encoding="utf-8")
        kept = ("torchscript",)
        refusals = [
            outcome(lambda: stage(path, Path(tmp) / "x", formats=("pickle",)), tmp),
            outcome(lambda: stage(path, Path(tmp) / "x", formats=kept, samples=0), tmp),
            outcome(lambda: stage(Path(tmp) / "absent.ckpt", Path(tmp) / "x", formats=kept), tmp),
            outcome(lambda: stage(path, Path(tmp) / "x", formats=("onnx",)), tmp),
        ]
        after_refusals = sorted(p.name for p in Path(tmp).iterdir())
    parity = card["export"]["parity"]
    return {
        "files": files,
        "leftovers": leftovers,
        "card_keys": sorted(card),
        "card": [
            str(card[key])
            for key in ("name", "kind", "model_kind", "architecture", "parameters")
            + ("weights_dtype", "vocabulary_size", "writers", "evaluation", "calibration")
        ],
        "version": [card["version"][:6], str(len(card["version"]))],
        "metrics": json.dumps(card["metrics"], sort_keys=True),
        "training": json.dumps(card["training"], sort_keys=True),
        "hyper_parameters": sorted(card["hyper_parameters"]),
        "export": [
            card["export"]["torchscript"],
            json.dumps(card["export"]["onnx"]),
            str(card["export"]["onnx_opset"]),
            json.dumps(card["export"]["kept"]),
        ],
        "parity_rows": [f"{r['backend']} {r['part']} {r['passed']}" for r in parity["results"]],
        "parity_diffs": [r["max_abs_diff"] for r in parity["results"]],
        "parity_meta": [str(parity["samples"]), parity["source"], str(parity["atol"])],
        "notes": parity["notes"] or ["-"],
        "payload_dtype": [
            payload["weights_dtype"],
            str(payload["state_dict"][next(iter(payload["state_dict"]))].dtype),
        ],
        "staged_dtype": str(next(staged.model.parameters()).dtype),
        "traced_vs_staged": _max_diff(traced_out, eager_out),
        "markdown_headings": [line for line in markdown.splitlines() if line.startswith("#")],
        "refusals": refusals,
        "after_refusals": after_refusals,
        "formats": list(FORMATS),
    }


def _write_marks_data(root: Path) -> None:
    from text_recognizer.data.manifest import write_image_record, write_manifest

    rows = [
        # (marks drawn, transcription, writer, split)
        (3, "3", "alice", "test"),
        (4, "4", "alice", "test"),
        (5, "2", "bob", "test"),
        (1, "1 1", "bob", "test"),
        (2, "2", "Breip", "test"),
        (6, "6", "carol", "val"),
        (7, "8 7", "carol", "val"),
        (2, "2", "dave", "train"),
    ]
    records = []
    for index, (marks, text, writer, split) in enumerate(rows):
        image = Image.fromarray(marks_page([marks], width=480))
        records.append(write_image_record(root, f"r{index}", image, text, writer, split, "probe"))
    write_manifest(root, records, {"kind": "lines", "held_out_writers": ["bob", "Breip"]})


@probe("export/evaluation")
def evaluation() -> dict[str, Any]:
    """evaluate_folder with a stand-in recognizer whose readings are exact, on a drawn data set:
    CER/WER per split, per writer and per legacy group, confidence and calibration numbers, the
    limit and batch size options, and the refusals."""
    from text_recognizer.recognizer import Recognizer

    recognizer = Recognizer.from_models({"lines": MarkCounter()}, version="probe")
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="probe-eval-") as tmp:
        root = Path(tmp) / "data"
        _write_marks_data(root)
        for name, split, limit, batch in (
            ("test", "test", None, 16),
            ("test_batch1", "test", None, 1),
            ("test_limit2", "test", 2, 16),
            ("val", "val", None, 16),
        ):
            result = evaluate_folder(recognizer, root, split, limit=limit, batch_size=batch)
            calibration = result.calibration
            out[name] = {
                "rates": [result.samples, result.cer, result.wer, result.mean_confidence],
                "meta": [result.split, result.kind, result.model_version, Path(result.data).name],
                "writers": [
                    f"{writer}: {s.samples} {s.cer:.4f} {s.wer:.4f}"
                    for writer, s in result.by_writer.items()
                ],
                "groups": [
                    f"{group}: {s.samples} {s.cer:.4f} {s.wer:.4f}"
                    for group, s in result.by_group.items()
                ]
                or ["-"],
                "held_out": list(result.held_out_writers) or ["-"],
                "calibration": [
                    calibration["lines"],
                    calibration["characters"],
                    calibration["mean_accuracy"],
                    calibration["line_ece"],
                    calibration["char_ece"],
                ],
            }
        out["refusals"] = [
            outcome(lambda: evaluate_folder(recognizer, root, "dev"), tmp),
            outcome(lambda: evaluate_folder(recognizer, Path(tmp) / "absent"), tmp),
            outcome(lambda: evaluate_folder(recognizer, root, "test", limit=0), tmp),
        ]
    return out


#: A fixed evaluation of three writers, one held out of training, as the card records it.
CARD_EVALUATION: dict[str, Any] = {
    "data": "data/lines",
    "split": "test",
    "kind": "lines",
    "samples": 1234,
    "cer": 0.0512,
    "wer": 0.1725,
    "mean_confidence": 0.81,
    "seconds_per_sample": 0.0123,
    "model_version": "lines-probe",
    "by_writer": {
        "seen-a": {"samples": 600, "cer": 0.031, "wer": 0.11},
        "unseen-b": {"samples": 400, "cer": 0.092, "wer": 0.28},
        "seen-c": {"samples": 234, "cer": 0.024, "wer": 0.09},
    },
    "held_out_writers": ["unseen-b", "not-in-this-split"],
    "calibration": {
        "mean_confidence": 0.81,
        "mean_accuracy": 0.948,
        "line_ece": 0.041,
        "char_ece": 0.017,
    },
    "by_group": {"legacy writers": {"samples": 400, "cer": 0.092, "wer": 0.28}},
}


@probe("export/card_sections")
def card_sections() -> dict[str, Any]:
    """The model card's evaluation, writers and calibration sections for fixed inputs: which
    writers are marked unseen, how many, the rates and their rounding."""
    from text_recognizer.training.model_card import (
        calibration_markdown,
        evaluation_markdown,
        writers_markdown,
    )

    writers = {"rule": "by rank", "test": ["unseen-b"], "val": ["val-d", "val-e"], "train": 14}
    calibration = {
        "temperature": 1.37,
        "fitted_on": "800 validation lines",
        "objective": "line ECE",
        "line_ece_before": 0.112,
        "line_ece_after": 0.034,
        "char_ece_before": 0.061,
        "char_ece_after": 0.015,
    }
    card = {"evaluation": CARD_EVALUATION, "calibration": calibration}
    return {
        "evaluation": evaluation_markdown(CARD_EVALUATION).splitlines(),
        "writers": writers_markdown(writers).splitlines(),
        "calibration": calibration_markdown(card).splitlines(),
        "empty": [evaluation_markdown(None), writers_markdown(None), calibration_markdown({})],
    }
