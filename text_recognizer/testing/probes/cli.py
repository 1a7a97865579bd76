"""Probes of the command line: every option of every subcommand, one at a time, with the call
it configures standing in.

An option that is parsed and then dropped still parses, prints and exits 0; a default that
changed reads the same in ``--help`` when the help does not quote it. Only the call the option
configures can tell. Each probe runs ``text-recognizer ARGV`` with the package functions the
command hands its work to replaced by stand-ins (made by :class:`CallLog`) that record what
they received, every argument down to the leaves of a config, and return a small canned result
(or stop the command there, when nothing after them reads an option). Nothing is trained,
loaded, rendered or written: file writers are stood in for too and record the path they were
given.

A command's probe with its defaults records the defaults; one probe per option records that
option reaching its call. :data:`COMMANDS` lists them; ``tests/cli/test_option_sweep.py``
checks that every option the parser declares has its probe and that each one changes what the
stand-ins receive, so a newly recorded golden cannot hold a dropped option.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import io
import os
import tempfile
from pathlib import Path, PurePath
from types import SimpleNamespace
from typing import Any, Callable, Iterator, Mapping, Sequence

from text_recognizer.testing.probes import probe
from text_recognizer.testing.probes.calls import CHECKOUT, memoised

TMP = "{tmp}"
TOKEN = "probe-token-0123456789"
SERVE_EXTRAS = ("fastapi", "python_multipart", "uvicorn", "prometheus_client")


class Reached(Exception):
    """A stand-in that ends the command: nothing after it reads an option."""


# -- what the stand-ins received, as text -------------------------------------------------------


def stable(text: str, tmp: str) -> str:
    """``text`` the same on every machine: the probe's temporary folder as ``{tmp}``, the
    checkout's own path (where a default model lives) as ``<checkout>/``."""
    return text.replace(tmp, TMP).replace(CHECKOUT, "<checkout>/")


def render(value: Any, tmp: str) -> str:
    """``value`` as stable text: floats exactly (they come from the command line), strings and
    paths :func:`stable`, objects by their type."""
    if value is None or isinstance(value, (bool, int, float)):
        return repr(value)
    if isinstance(value, str):
        return repr(stable(value, tmp))
    if isinstance(value, PurePath):
        return f"Path({stable(str(value), tmp)!r})"
    if isinstance(value, (list, tuple)):
        inner = ", ".join(render(item, tmp) for item in value)
        return f"[{inner}]" if isinstance(value, list) else f"({inner})"
    if isinstance(value, StandInRecognizer):
        return f"StandInRecognizer(max_tokens={value.max_tokens!r})"
    if callable(value) and hasattr(value, "__qualname__"):
        return f"<{value.__qualname__}>"
    return type(value).__name__


def leaves(name: str, value: Any, tmp: str) -> list[str]:
    """``name=value`` lines, a mapping or a dataclass flattened to one line per leaf."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        value = {field.name: getattr(value, field.name) for field in dataclasses.fields(value)}
    if isinstance(value, argparse.Namespace):
        value = vars(value)
    if isinstance(value, Mapping) and value:
        lines: list[str] = []
        for key in sorted(value, key=str):
            lines += leaves(f"{name}.{key}", value[key], tmp)
        return lines
    return [f"{name}={render(value, tmp)}"]


class CallLog:
    """The calls the stand-ins received, in order, one line per argument leaf."""

    def __init__(self, tmp: str) -> None:
        self.tmp = tmp
        self.lines: list[str] = []

    def call(self, name: str, *args: Any, **kwargs: Any) -> None:
        arguments = [(f"#{index}", value) for index, value in enumerate(args)]
        arguments += sorted(kwargs.items())
        self.lines.append(f"{name}()" if not arguments else f"{name}:")
        for key, value in arguments:
            self.lines += [f"  {line}" for line in leaves(key, value, self.tmp)]

    def recorder(self, name: str, returns: Any = None) -> Callable[..., Any]:
        """A stand-in for ``name`` that records its call and returns ``returns`` (called with
        the arguments when callable)."""

        def stand_in(*args: Any, **kwargs: Any) -> Any:
            self.call(name, *args, **kwargs)
            return returns(*args, **kwargs) if callable(returns) else returns

        return stand_in

    def stopper(self, name: str) -> Callable[..., Any]:
        """A stand-in for ``name`` that records its call and ends the command."""

        def stand_in(*args: Any, **kwargs: Any) -> Any:
            self.call(name, *args, **kwargs)
            raise Reached(name)

        return stand_in


class StandInRecognizer:
    """What ``Recognizer.load`` returns in these probes: it reads every image as ``"text"``
    and records the calls it gets."""

    backend = "stand-in"
    model_version = "stand-in-1"

    def __init__(self, log: CallLog) -> None:
        self.log = log
        self.max_tokens: int | None = None
        staged = SimpleNamespace(version=self.model_version)
        self.models = {"lines": SimpleNamespace(staged=staged)}

    def _prediction(self, mode: str) -> Any:
        from text_recognizer.prediction import Prediction

        kind = mode if mode in ("lines", "paragraphs") else "lines"
        return Prediction("text", 0.5, kind, [0.5] * 4, self.model_version, 0.0)

    def predict(self, image: Any, mode: str = "auto") -> Any:
        self.log.call("Recognizer.predict", image, mode=mode)
        return self._prediction(mode)

    def predict_batch(self, images: Sequence[Any], mode: str = "auto") -> list[Any]:
        self.log.call("Recognizer.predict_batch", list(images), mode=mode)
        return [self._prediction(mode) for _ in images]


# -- putting stand-ins in place -----------------------------------------------------------------


@contextlib.contextmanager
def replaced(replacements: Mapping[str, Any]) -> Iterator[None]:
    """Each ``"module:attribute.path"`` set to its replacement, and put back afterwards."""
    import importlib

    undo: list[tuple[Any, str, Any]] = []
    try:
        for target, replacement in replacements.items():
            module_name, _, path = target.partition(":")
            owner: Any = importlib.import_module(module_name)
            *parents, attribute = path.split(".")
            for parent in parents:
                owner = getattr(owner, parent)
            undo.append((owner, attribute, owner.__dict__[attribute]))
            setattr(owner, attribute, replacement)
        yield
    finally:
        for owner, attribute, original in reversed(undo):
            setattr(owner, attribute, original)


def _writers(log: CallLog) -> dict[str, Any]:
    """The package's file writers, recording the path and size instead of writing."""

    def write(name: str) -> Callable[..., Any]:
        def stand_in(path: Any, data: Any, *args: Any, **kwargs: Any) -> Path:
            log.call(name, path, *args, size=len(data), **kwargs)
            return Path(path)

        return stand_in

    @contextlib.contextmanager
    def atomic_open(path: Any, mode: str = "w", **kwargs: Any) -> Iterator[Any]:
        handle = io.BytesIO() if "b" in mode else io.StringIO()
        yield handle
        log.call("io.atomic_open", path, mode=mode, size=len(handle.getvalue()), **kwargs)

    return {
        "text_recognizer.io:atomic_write_bytes": write("io.atomic_write_bytes"),
        "text_recognizer.io:atomic_write_text": write("io.atomic_write_text"),
        "text_recognizer.io:atomic_open": atomic_open,
    }


def _image(*_args: Any, **_kwargs: Any) -> Any:
    from PIL import Image

    return Image.new("L", (4, 3), 255)


# -- the stand-ins of each command --------------------------------------------------------------


def _recognizer(log: CallLog) -> dict[str, Any]:
    recognizer = StandInRecognizer(log)
    return {
        "text_recognizer.recognizer:Recognizer.load": log.recorder("Recognizer.load", recognizer),
        "text_recognizer.recognizer:default_threads": lambda: 3,
    }


def _evaluation(*_args: Any, **_kwargs: Any) -> Any:
    from text_recognizer.calibration import assess
    from text_recognizer.evaluation import Evaluation, WriterScore

    calibration = assess(["ab", "cd"], [0.9, 0.4], [[0.9, 0.9], [0.8, 0.3]], ["ab", "ce"])
    scores = {"writer-a": WriterScore(1, 0.0, 0.0), "writer-b": WriterScore(1, 0.5, 1.0)}
    return Evaluation(
        data="d",
        split="test",
        kind="lines",
        samples=2,
        cer=0.25,
        wer=0.5,
        mean_confidence=0.65,
        seconds_per_sample=0.01,
        model_version="stand-in-1",
        by_writer=scores,
        held_out_writers=("writer-b",),
        calibration=calibration.to_dict(),
    )


def predict_stand_ins(log: CallLog) -> dict[str, Any]:
    return _recognizer(log)


def evaluate_stand_ins(log: CallLog) -> dict[str, Any]:
    evaluate = log.recorder("evaluate_folder", _evaluation)
    return {
        **_recognizer(log),
        **_writers(log),
        "text_recognizer.evaluation:evaluate_folder": evaluate,
        "text_recognizer.calibration_plot:reliability_diagram": log.recorder(
            "reliability_diagram", b"png"
        ),
    }


def stage_stand_ins(log: CallLog) -> dict[str, Any]:
    return {"text_recognizer.training.stage:stage": log.stopper("stage")}


def demo_stand_ins(log: CallLog) -> dict[str, Any]:
    def sample(config: Any, index: int) -> Any:
        return SimpleNamespace(image=_image(), text="text", writer="writer-a")

    return {
        **_recognizer(log),
        **_writers(log),
        "text_recognizer.data.synthetic:render_sample": log.recorder("render_sample", sample),
    }


def generate_stand_ins(log: CallLog) -> dict[str, Any]:
    return {"text_recognizer.data.synthetic:generate_dataset": log.stopper("generate_dataset")}


def _manifest(*_args: Any, **_kwargs: Any) -> Any:
    records = [SimpleNamespace(split="test", text="ab")] * 3
    return SimpleNamespace(records=records, root=Path("d"), kind="lines")


def sheet_stand_ins(log: CallLog) -> dict[str, Any]:
    return {
        **_writers(log),
        "text_recognizer.data.manifest:read_manifest": log.recorder("read_manifest", _manifest),
        "text_recognizer.data.inspection:contact_sheet": log.recorder("contact_sheet", _image),
        "text_recognizer.data.inspection:dataset_stats": log.recorder(
            "dataset_stats", {"records": 3}
        ),
        "text_recognizer.data.inspection:format_stats": log.recorder("format_stats", "stats"),
    }


def fonts_stand_ins(log: CallLog) -> dict[str, Any]:
    from text_recognizer.data.fonts import LibraryRow

    rows = [
        LibraryRow("writer-a", "script", "train", "used", "npm"),
        LibraryRow("writer-b", "print", "test", "not installed", "missing"),
    ]
    installed = SimpleNamespace(summary=lambda: "installed 0 fonts")
    return {
        **_writers(log),
        "text_recognizer.data.fonts:library_report": log.recorder("library_report", rows),
        "text_recognizer.data.fonts:discover_fonts": log.recorder("discover_fonts", []),
        "text_recognizer.data.font_install:install_npm_fonts": log.recorder(
            "install_npm_fonts", installed
        ),
        "text_recognizer.data.font_sheet:writer_sheet": log.recorder("writer_sheet", _image),
    }


def validate_stand_ins(log: CallLog) -> dict[str, Any]:
    return {"text_recognizer.validation.validate:validate_dataset": log.stopper("validate_dataset")}


def download_stand_ins(log: CallLog) -> dict[str, Any]:
    return {
        "text_recognizer.data.iam_download:download_iam": log.stopper("download_iam"),
        "text_recognizer.data.emnist:download_emnist": log.stopper("download_emnist"),
    }


def prepare_stand_ins(log: CallLog) -> dict[str, Any]:
    return {
        "text_recognizer.data.iam:prepare_iam": log.stopper("prepare_iam"),
        "text_recognizer.data.emnist:prepare_emnist": log.stopper("prepare_emnist"),
        "text_recognizer.data.emnist:prepare_emnist_lines": log.stopper("prepare_emnist_lines"),
    }


def train_stand_ins(log: CallLog) -> dict[str, Any]:
    return {"text_recognizer.training.experiment:run": log.recorder("run", {"test_cer": 0.5})}


def bench_stand_ins(log: CallLog) -> dict[str, Any]:
    random_model = StandInRecognizer(log)

    def rows(name: str) -> Callable[..., Any]:
        return log.recorder(name, [name])  # a table of one row, naming where it came from

    return {
        **_recognizer(log),
        "torch:set_num_threads": log.recorder("torch.set_num_threads"),
        "torch:cuda.is_available": lambda: True,
        "torch:cuda.get_device_name": lambda device=None: "stand-in GPU",
        "text_recognizer.staging:staged_folders": log.recorder("staged_folders"),
        "text_recognizer.bench:random_recognizer": log.recorder("random_recognizer", random_model),
        "text_recognizer.bench:inference_rows": rows("inference_rows"),
        "text_recognizer.bench:training_rows": rows("training_rows"),
        "text_recognizer.bench:backend_rows": rows("backend_rows"),
        "text_recognizer.bench:format_table": lambda rows: " | ".join(rows),
    }


def serve_stand_ins(log: CallLog) -> dict[str, Any]:
    service = SimpleNamespace(load_failed=False, load_attempts=1, load_error=None)
    app = SimpleNamespace(state=SimpleNamespace(service=service))
    server = SimpleNamespace(run=log.recorder("server.run"))

    def create_app(factory: Callable[[], Any], settings: Any) -> Any:
        log.call("create_app", factory, settings)
        factory()  # the model it loads: --model and --backend live in the factory's closure
        return app

    return {
        **_recognizer(log),
        "text_recognizer.api.app:create_app": create_app,
        "text_recognizer.api.server:build_server": log.recorder("build_server", server),
    }


def regress_stand_ins(log: CallLog) -> dict[str, Any]:
    report = SimpleNamespace(entries=[], files=["goldens"], changelog="CHANGELOG.md")
    entry = SimpleNamespace(to_markdown=lambda: "entry")
    golden = SimpleNamespace(samples={}, mean_cer=0.1, margin=0.05)
    suite = SimpleNamespace(examples=[], scored=0, split="val")
    checked = SimpleNamespace(table=lambda: "suite table", passed=True, failures=[])
    testing = "text_recognizer.testing"
    behaviour = f"{testing}.behaviour"
    return {
        **_recognizer(log),
        f"{testing}.fixed_samples:generate_fixed_samples": log.recorder("fixed_samples", []),
        f"{testing}.fixed_samples:read_fixed_samples": log.recorder("read_fixed_samples", []),
        f"{testing}.regenerate:regenerate_goldens": log.recorder("regenerate_goldens", report),
        f"{testing}.probes:regenerate_probes": log.recorder("regenerate_probes", ("p", entry)),
        f"{testing}.probes:read_probe_goldens": log.recorder("read_probe_goldens"),
        f"{testing}.probes:all_probes": log.recorder("all_probes", {}),
        f"{testing}.loss_ranked:mine": log.recorder("mine", suite),
        f"{testing}.loss_ranked:add_tags": log.recorder("add_tags"),
        f"{testing}.loss_ranked_grid:render_grid": log.recorder("render_grid", "grid.png"),
        f"{testing}.behaviour_samples:generate_behaviour_lines": log.recorder(
            "behaviour_lines", []
        ),
        f"{testing}.goldens:require_staged_model": log.recorder("require_staged_model", "m"),
        f"{testing}.goldens:read_transcription_goldens": log.recorder("transcriptions", golden),
        f"{testing}.goldens:transcribe": log.recorder("transcribe", ({}, None)),
        f"{testing}.goldens:mean_cer": log.recorder("mean_cer", 0.1),
        f"{testing}.numeric_goldens:read_numeric_goldens": log.recorder("numeric", (None, None)),
        f"{testing}.numeric_goldens:backend_outputs": log.recorder("outputs", (None, None)),
        f"{testing}.numeric_goldens:compare": log.recorder("compare", []),
        f"{testing}.loss_ranked_check:check_suite": log.recorder("check_suite", checked),
        f"{behaviour}:read_tolerances": log.recorder("read_tolerances", "tolerances"),
        f"{behaviour}:recognizer_reader": log.recorder("recognizer_reader", "reader"),
        f"{behaviour}:measure": log.recorder("measure", []),
        f"{behaviour}:remeasured": log.recorder("remeasured", "updated"),
        f"{behaviour}:write_tolerances": log.recorder("write_tolerances", "tolerances.json"),
        f"{behaviour}:rejudged": log.recorder("rejudged", []),
        f"{behaviour}:table": log.recorder("table", "behaviour table"),
        f"{behaviour}:mismatched_model": log.recorder("mismatched_model"),
        f"{testing}.behaviour_grid:render_report": log.recorder("render_report", "report.png"),
    }


# -- the commands, their defaults and one change per option --------------------------------------


@dataclasses.dataclass(frozen=True)
class Change:
    """``option`` set to a value other than its default: ``argv`` is the command with it,
    ``reference`` the same command without it (the defaults' argv unless the option only
    matters beside another one, ``--n`` beside ``--contact-sheet``)."""

    argv: tuple[str, ...]
    reference: tuple[str, ...]


@dataclasses.dataclass(frozen=True)
class Command:
    """A subcommand: its argv with every option at its default, the stand-ins its work goes to
    and a change per option, keyed by the option string or a positional's name (``NAME=VALUE``
    for each other value of a positional choice)."""

    name: str
    argv: tuple[str, ...]
    stand_ins: Callable[[CallLog], dict[str, Any]]
    changes: dict[str, Change]
    #: Paths the probe creates under ``{tmp}`` first, for a command that checks one exists:
    #: a folder when the name ends in ``/``, else an empty file.
    paths: tuple[str, ...] = ()
    requires: tuple[str, ...] = ()


def command(
    name: str,
    argv: Sequence[str],
    stand_ins: Callable[[CallLog], dict[str, Any]],
    options: Mapping[str, Sequence[str]],
    beside: Mapping[str, tuple[Sequence[str], Sequence[str]]] | None = None,
    replacing: Mapping[str, Sequence[str]] | None = None,
    explicit: Mapping[str, Change] | None = None,
    paths: Sequence[str] = (),
    requires: Sequence[str] = (),
) -> Command:
    """``options``: tokens appended to ``argv``; ``beside``: (tokens the option needs, the
    option's tokens); ``replacing``: a whole argv (a positional's other value); ``explicit``:
    changes whose reference is not the defaults' argv (an option of another positional)."""
    base = tuple(argv)
    changes = {option: Change(base + tuple(tokens), base) for option, tokens in options.items()}
    for option, (needs, tokens) in (beside or {}).items():
        reference = base + tuple(needs)
        changes[option] = Change(reference + tuple(tokens), reference)
    for option, whole in (replacing or {}).items():
        changes[option] = Change(tuple(whole), base)
    changes.update(explicit or {})
    return Command(name, base, stand_ins, changes, tuple(paths), tuple(requires))


EMNIST = ("data", "prepare", "emnist", "--raw", "raw", "--out", "o")
EMNIST_LINES = ("data", "prepare", "emnist-lines", "--raw", "raw", "--out", "o")
COMMANDS: tuple[Command, ...] = (
    command(
        "predict",
        ["predict", "a.png"],
        predict_stand_ins,
        {
            "images": ["b.png"],
            "--model": ["--model", "m"],
            "--mode": ["--mode", "line"],
            "--backend": ["--backend", "onnx"],
            "--beam": ["--beam", "3"],
            "--json": ["--json"],
        },
    ),
    command(
        "evaluate",
        ["evaluate", "--data", "d"],
        evaluate_stand_ins,
        {
            "--model": ["--model", "m"],
            "--data": ["--data", "e"],
            "--split": ["--split", "val"],
            "--limit": ["--limit", "5"],
            "--batch-size": ["--batch-size", "3"],
            "--backend": ["--backend", "torchscript"],
            "--json": ["--json"],
            "--out": ["--out", "result.json"],
            "--reliability": ["--reliability", "reliability.png"],
        },
    ),
    command(
        "stage",
        ["stage", "c.ckpt", "--out", "o"],
        stage_stand_ins,
        {
            "--out": ["--out", "p"],
            "--samples": ["--samples", "2"],
            "--seed": ["--seed", "5"],
            "--keep": ["--keep", "onnx"],
            "--half": ["--half"],
            "--eval-data": ["--eval-data", "e"],
            "--eval-limit": ["--eval-limit", "6"],
            "--calibration-data": ["--calibration-data", "k"],
            "--calibration-limit": ["--calibration-limit", "9"],
        },
        replacing={"checkpoint": ["stage", "d.ckpt", "--out", "o"]},
    ),
    command(
        "demo",
        ["demo"],
        demo_stand_ins,
        {
            "--out": ["--out", "elsewhere"],
            "--lines": ["--lines", "2"],
            "--paragraphs": ["--paragraphs", "2"],
            "--seed": ["--seed", "7"],
            "--model": ["--model", "m"],
        },
    ),
    command(
        "data generate",
        ["data", "generate", "--n", "4", "--out", "o"],
        generate_stand_ins,
        {
            "--kind": ["--kind", "paragraph"],
            "--n": ["--n", "5"],
            "--seed": ["--seed", "3"],
            "--out": ["--out", "p"],
            "--workers": ["--workers", "2"],
            "--no-augment": ["--no-augment"],
        },
    ),
    command(
        "data stats",
        ["data", "stats", "d"],
        sheet_stand_ins,
        {"--json": ["--json"], "--contact-sheet": ["--contact-sheet", "s.png"]},
        beside={"--n": (["--contact-sheet", "s.png"], ["--n", "5"])},
        replacing={"dir": ["data", "stats", "e"]},
    ),
    command(
        "data contact-sheet",
        ["data", "contact-sheet", "d", "--out", "s.png"],
        sheet_stand_ins,
        {"--out": ["--out", "t.png"], "--n": ["--n", "5"], "--seed": ["--seed", "2"]},
        replacing={"dir": ["data", "contact-sheet", "e", "--out", "s.png"]},
    ),
    command(
        "data fonts",
        ["data", "fonts"],
        fonts_stand_ins,
        {"--install": ["--install"], "--sheet": ["--sheet", "sheet.png"], "--quiet": ["--quiet"]},
    ),
    command(
        "data validate",
        ["data", "validate", "d"],
        validate_stand_ins,
        {
            "--suite": ["--suite", "line"],
            "--report": ["--report", "r.html"],
            "--workers": ["--workers", "1"],
        },
        replacing={"dir": ["data", "validate", "e"]},
    ),
    command(
        "data download",
        ["data", "download", "iam", "--dir", "raw"],
        download_stand_ins,
        {
            "--dir": ["--dir", "other"],
            "--url": ["--url", "https://example.org/a.tgz"],
            "--sha256": ["--sha256", "ab" * 32],
        },
        replacing={"dataset": ["data", "download", "emnist", "--dir", "raw"]},
    ),
    command(
        "data prepare",
        ["data", "prepare", "iam", "--raw", "raw", "--out", "o"],
        prepare_stand_ins,
        {
            "--raw": ["--raw", "other"],
            "--out": ["--out", "p"],
            "--kind": ["--kind", "paragraph"],
            "--scale": ["--scale", "0.25"],
        },
        replacing={"dataset=emnist": EMNIST, "dataset=emnist-lines": EMNIST_LINES},
        explicit={
            "--limit": Change(EMNIST + ("--limit", "7"), EMNIST),
            "--n": Change(EMNIST_LINES + ("--n", "8"), EMNIST_LINES),
            "--seed": Change(EMNIST_LINES + ("--seed", "9"), EMNIST_LINES),
        },
    ),
    command(
        "train",
        ["train", "--config", "lines_tiny"],
        train_stand_ins,
        {
            "--config": ["--config", "paragraphs_tiny"],
            "--out": ["--out", "run"],
            "--max-steps": ["--max-steps", "11"],
            "--accelerator": ["--accelerator", "gpu"],
            "--devices": ["--devices", "2"],
            "--num-nodes": ["--num-nodes", "2"],
            "--strategy": ["--strategy", "ddp"],
            "--precision": ["--precision", "bf16-mixed"],
            "--compile": ["--compile"],
            "--fast-dev-run": ["--fast-dev-run"],
            "--resume": ["--resume", "last.ckpt"],
            "--data-dir": ["--data-dir", "iam"],
            "--batch-size": ["--batch-size", "5"],
            "--train-writers": ["--train-writers", "4"],
            "--num-workers": ["--num-workers", "3"],
            "--seed": ["--seed", "12"],
            "--logger": ["--logger", "csv"],
            "--no-test": ["--no-test"],
        },
    ),
    command(
        "bench",
        ["bench"],
        bench_stand_ins,
        {
            "--model": ["--model", "m"],
            "--random": ["--random"],
            "--device": ["--device", "cuda"],
            "--repeats": ["--repeats", "3"],
            "--batch-sizes": ["--batch-sizes", "2", "4"],
            "--threads": ["--threads", "5"],
            "--max-tokens": ["--max-tokens", "40"],
        },
        beside={
            "--backend": (["--model", "m"], ["--backend", "torchscript"]),
            "--no-training": (["--device", "cuda"], ["--no-training"]),
        },
    ),
    command(
        "serve",
        ["serve"],
        serve_stand_ins,
        {
            "--host": ["--host", "0.0.0.0", "--token", TOKEN],
            "--port": ["--port", "8001"],
            "--model": ["--model", f"{TMP}/model"],
            "--backend": ["--backend", "onnx"],
            "--max-body-bytes": ["--max-body-bytes", "1001"],
            "--max-pixels": ["--max-pixels", "1002"],
            "--max-decode-bytes": ["--max-decode-bytes", "1003"],
            "--decode-budget-bytes": ["--decode-budget-bytes", str(2**30 + 4)],
            "--max-concurrency": ["--max-concurrency", "5"],
            "--max-queue": ["--max-queue", "6"],
            "--max-inflight": ["--max-inflight", "7"],
            "--max-connections": ["--max-connections", "8"],
            "--max-batch-size": ["--max-batch-size", "9"],
            "--batch-window-ms": ["--batch-window-ms", "2.5"],
            "--header-timeout": ["--header-timeout", "1.5"],
            "--body-timeout": ["--body-timeout", "2.5"],
            "--keep-alive-timeout": ["--keep-alive-timeout", "3.5"],
            "--shutdown-timeout": ["--shutdown-timeout", "4.5"],
            "--model-load-attempts": ["--model-load-attempts", "2"],
            "--allowed-hosts": ["--allowed-hosts", "a.example, b.example"],
            "--token": ["--token", TOKEN],
            "--log-level": ["--log-level", "debug"],
            "--trusted-proxies": ["--trusted-proxies", "10.0.0.1, 10.1.0.0/16"],
        },
        paths=("model/",),
        requires=SERVE_EXTRAS,
    ),
    command(
        "regress samples",
        ["regress", "samples"],
        regress_stand_ins,
        {
            "--out": ["--out", "o"],
            "--seed": ["--seed", "4"],
            "--lines": ["--lines", "2"],
            "--paragraphs": ["--paragraphs", "5"],
        },
    ),
    command(
        "regress goldens",
        ["regress", "goldens", "--reason", "why"],
        regress_stand_ins,
        {
            "--reason": ["--reason", "because"],
            "--model": ["--model", "m"],
            "--samples": ["--samples", "s"],
            "--goldens": ["--goldens", "g"],
            "--suite": ["--suite", "suite.json"],
        },
    ),
    command(
        "regress probes",
        ["regress", "probes", "--reason", "why"],
        regress_stand_ins,
        {"--reason": ["--reason", "because"], "--goldens": ["--goldens", "g"]},
        replacing={"--check": ["regress", "probes", "--check"]},
    ),
    command(
        "regress mine",
        ["regress", "mine", "--data", "d"],
        regress_stand_ins,
        {
            "--model": ["--model", "m"],
            "--data": ["--data", "e"],
            "--split": ["--split", "test"],
            "--k": ["--k", "4"],
            "--limit": ["--limit", "9"],
            "--batch-size": ["--batch-size", "3"],
            "--out": ["--out", "suite.json"],
            "--grid": ["--grid", "grid.png"],
            "--reason": ["--reason", "because"],
        },
    ),
    command(
        "regress check",
        ["regress", "check"],
        regress_stand_ins,
        {
            "--model": ["--model", "m"],
            "--samples": ["--samples", "s"],
            "--goldens": ["--goldens", "g"],
            "--suite": ["--suite", f"{TMP}/suite.json"],
        },
        paths=("suite.json",),
    ),
    command(
        "regress tag",
        ["regress", "tag", "suite.json", "--id", "a", "--tag", "t"],
        regress_stand_ins,
        {"--id": ["--id", "b"], "--tag": ["--tag", "u"]},
        replacing={"suite": ["regress", "tag", "other.json", "--id", "a", "--tag", "t"]},
    ),
    command(
        "regress grid",
        ["regress", "grid", "suite.json", "--out", "g.png"],
        regress_stand_ins,
        {"--out": ["--out", "h.png"], "--columns": ["--columns", "3"]},
        replacing={"suite": ["regress", "grid", "other.json", "--out", "g.png"]},
    ),
    command(
        "regress behaviour-samples",
        ["regress", "behaviour-samples"],
        regress_stand_ins,
        {"--out": ["--out", "o"], "--seed": ["--seed", "6"]},
    ),
    command(
        "regress behaviour",
        ["regress", "behaviour"],
        regress_stand_ins,
        {
            "--model": ["--model", "m"],
            "--lines": ["--lines", "l"],
            "--tolerances": ["--tolerances", "t.json"],
            "--suite": ["--suite", "blur"],
            "--report": ["--report", "r.png"],
            "--remeasure": ["--remeasure"],
        },
        beside={"--reason": (["--remeasure"], ["--reason", "because"])},
    ),
)


def run_command(item: Command, argv: Sequence[str]) -> dict[str, Any]:
    """``text-recognizer ARGV`` with ``item``'s stand-ins: how it ended, what the stand-ins
    received, and what it printed."""
    from text_recognizer import cli
    from text_recognizer.cli.serve import TOKEN_ENV

    parser = memoised("cli.build_parser", cli.build_parser)  # 16 ms a time; the same for all

    with tempfile.TemporaryDirectory() as tmp:
        for name in item.paths:
            if name.endswith("/"):
                os.makedirs(os.path.join(tmp, name))
            else:
                Path(tmp, name).touch()
        log = CallLog(tmp)
        stdout, stderr = io.StringIO(), io.StringIO()
        token = os.environ.pop(TOKEN_ENV, None)
        try:
            stand_ins = {"text_recognizer.cli:build_parser": lambda: parser, **item.stand_ins(log)}
            with replaced(stand_ins), contextlib.redirect_stdout(stdout):
                with contextlib.redirect_stderr(stderr):
                    try:
                        outcome = f"exit {cli.main([arg.replace(TMP, tmp) for arg in argv])}"
                    except Reached as reached:
                        outcome = f"stopped at {reached}"
                    except SystemExit as exit_:
                        outcome = f"exit {exit_.code} (usage)"
        finally:
            if token is not None:
                os.environ[TOKEN_ENV] = token

        def lines(text: str) -> list[str]:
            return stable(text, tmp).splitlines() or ["(nothing)"]

        return {
            "outcome": outcome,
            "stand_in_calls": log.lines or ["(none)"],
            "stdout": lines(stdout.getvalue()),
            "stderr": lines(stderr.getvalue()),
        }


def probe_name(item: Command, option: str | None = None) -> str:
    """``cli/predict`` for a command's defaults, ``cli/predict --beam`` for one option."""
    return f"cli/{item.name}" + (f" {option}" if option else "")


def _register(item: Command, option: str | None, argv: tuple[str, ...]) -> None:
    # No call records: what reaches the stand-ins is what these probes are for, and tracing
    # argparse's every call would cost the fast lane about 2 s for nothing more.
    probe(probe_name(item, option), requires=item.requires, trace=False)(
        lambda: run_command(item, argv)
    )


for _item in COMMANDS:
    _register(_item, None, _item.argv)
    for _option, _change in _item.changes.items():
        _register(_item, _option, _change.argv)
