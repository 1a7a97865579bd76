"""The Python half of ``scripts/gpu_run.sh``: what the shell script measures and records.

Each subcommand does one step and writes one of the run's output files (``OUTPUT_FILES``), so
the shell script only sequences and time-boxes them::

    python -m scripts.gpu_run environment --out OUT/run.json [--dry-run]
    python -m scripts.gpu_run throughput --out OUT/throughput.json [--dry-run] [--budget S]
    python -m scripts.gpu_run training-config --out CONFIG.yaml --seconds S ... [--dry-run]
    python -m scripts.gpu_run training-report --out OUT/training.json --run DIR ...
    python -m scripts.gpu_run memorization --out OUT/memorization.json --history H --baseline B
    python -m scripts.gpu_run finish OUT --parts PARTS.tsv --log LOG
"""

from __future__ import annotations

import argparse
import copy
import datetime
import json
import os
import platform
import subprocess
import sys
from pathlib import Path
from typing import Any, Optional, Sequence

from scripts.stock_stack import STOCK

#: Everything the run brings back; the device tool returns at most 8 files of 16 MiB each, no
#: deeper than two folders.
OUTPUT_FILES = (
    "run.json",
    "gpu_lane.xml",
    "memorization.json",
    "throughput.json",
    "training.json",
    "staged_model.tar.gz",
    "summary.md",
    "run.log",
)
MAX_FILES = 8
MAX_FILE_BYTES = 16 << 20
MAX_DEPTH = 2
#: Key prefix of the GPU entries in the memorization baselines.
CUDA_PREFIX = "cuda/"


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


def _write_json(path: str | os.PathLike, value: Any) -> None:
    from text_recognizer.io import atomic_write_text

    atomic_write_text(path, json.dumps(value, indent=1, default=str) + "\n")


def _read_json(path: str | os.PathLike | None, default: Any = None) -> Any:
    if path is None or not Path(path).is_file():
        return default
    return json.loads(Path(path).read_text(encoding="utf-8"))


# -- output limits ----------------------------------------------------------------------------


def output_problems(
    folder: str | os.PathLike,
    max_files: int = MAX_FILES,
    max_bytes: int = MAX_FILE_BYTES,
    max_depth: int = MAX_DEPTH,
) -> list[str]:
    """Why ``folder`` cannot come back whole from the device machine (none: ``[]``): too many
    files, a file too large, one too deep, or something that is not a plain file."""
    root = Path(folder)
    problems = []
    files = []
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if path.is_symlink() or not (path.is_file() or path.is_dir()):
            problems.append(f"{relative}: not a plain file or folder")
        elif path.is_file():
            files.append(relative)
            if path.stat().st_size > max_bytes:
                problems.append(f"{relative}: {path.stat().st_size:,} bytes > {max_bytes:,}")
            if len(relative.parts) - 1 > max_depth:
                problems.append(f"{relative}: deeper than {max_depth} folders")
    if len(files) > max_files:
        problems.append(f"{len(files)} files > {max_files}: {', '.join(map(str, files))}")
    return problems


def tail_bytes(path: str | os.PathLike, limit: int) -> bytes:
    """The last ``limit`` bytes of a file, starting at a line, marked when cut."""
    data = Path(path).read_bytes() if Path(path).is_file() else b""
    if len(data) <= limit:
        return data
    marker = b"[... earlier output cut to keep the log under the size limit ...]\n"
    kept = data[-(limit - len(marker)) :]
    return marker + kept[kept.find(b"\n") + 1 :]


# -- environment ------------------------------------------------------------------------------


def _versions() -> dict[str, str]:
    from importlib import metadata

    versions = {"python": platform.python_version()}
    for name in STOCK:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def _nvidia_smi() -> str:
    try:
        done = subprocess.run(["nvidia-smi"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"nvidia-smi did not run: {error}"
    return done.stdout + done.stderr


def bundle_summary(bundle: Path) -> dict[str, Any]:
    """What the bundle holds and whether the generator finds the same writers from it."""
    from collections import Counter

    from text_recognizer.data import corpus
    from text_recognizer.data.font_bundle import check_bundle, read_bundle
    from text_recognizer.data.fonts import discover_fonts
    from text_recognizer.errors import TextRecognizerError

    summary: dict[str, Any] = {"folder": str(bundle)}
    try:
        bundled = {entry.writer for entry in read_bundle(bundle / "fonts")}
        found = discover_fonts(bundle=bundle / "fonts")
        summary["fonts"] = {
            "bundled": len(bundled),
            "problems": check_bundle(bundle / "fonts"),
            "found": len(found),
            "by_role": dict(Counter(font.role for font in found)),
            "from_bundle": sum(Path(font.path).is_relative_to(bundle) for font in found),
            "bundled_but_not_found": sorted(bundled - {font.name for font in found}),
        }
        summary["words"] = {
            "source": corpus.text_source()["name"],
            "count": len(corpus.ranked_words()),
        }
    except TextRecognizerError as error:
        summary["error"] = str(error)
    return summary


def environment(dry_run: bool, bundle: Path) -> dict[str, Any]:
    """The machine, the versions, the bundle: the header of ``run.json``."""
    import torch

    from text_recognizer.provenance import git_revision

    cuda = torch.cuda.is_available()
    return {
        "mode": "cpu dry run" if dry_run else "gpu",
        "started": _now(),
        "host": platform.node(),
        "device": torch.cuda.get_device_name(0) if cuda else "cpu",
        "cuda_devices": torch.cuda.device_count() if cuda else 0,
        "cpu_count": os.cpu_count(),
        # The device gets a copy of the tree without .git: the caller may name the revision.
        "git_revision": os.environ.get("GPU_RUN_REVISION") or git_revision(),
        "versions": {
            **_versions(),
            "cuda": str(torch.version.cuda),
            "cudnn": str(torch.backends.cudnn.version() if cuda else None),
        },
        "nvidia_smi": _nvidia_smi(),
        "bundle": bundle_summary(bundle),
        "hidden_modules": len([m for m in os.environ.get("STOCK_STACK_HIDE", "").split(",") if m]),
    }


# -- memorization -----------------------------------------------------------------------------


def has_cuda_baselines(path: str | os.PathLike) -> bool:
    """Whether the memorization baselines already hold GPU entries (else the run records them)."""
    entries = (_read_json(path, {}) or {}).get("entries", {})
    return any(key.startswith(CUDA_PREFIX) for key in entries)


def memorization(history: Path, baseline: Path, recorded: bool) -> dict[str, Any]:
    """The lane's memorization records: this run's history, and the baselines file as it is
    after the run (with the GPU entries when they were recorded)."""
    return {
        "recorded_baseline": recorded,
        "history": _read_json(history, []),
        "baselines": _read_json(baseline, {}),
    }


# -- throughput -------------------------------------------------------------------------------


def throughput(out: Path, dry_run: bool, budget: float) -> int:
    """Time the training modes (:mod:`text_recognizer.training.throughput`) into ``out``."""
    import torch

    from text_recognizer.training import throughput as bench

    cuda = torch.cuda.is_available()
    if not cuda and not dry_run:
        print("gpu_run: throughput needs CUDA (use --dry-run on a CPU)", file=sys.stderr)
        return 2
    device = torch.device("cuda" if cuda else "cpu")
    plan = bench.tiny_plan() if dry_run else bench.gpu_plan()
    steps, warmup = (2, 1) if dry_run else (20, 3)
    backend = "eager" if dry_run else "inductor"
    name = torch.cuda.get_device_name(device) if cuda else "cpu"
    record: dict[str, Any] = {
        "device": name,
        "torch": torch.__version__,
        "compile_backend": backend,
        "steps": steps,
        "warmup": warmup,
        "tf32": "off in every mode (fp32 means fp32)",
        "peak_tflops": {fmt: bench.peak_tflops(name, fmt) for fmt in ("fp32", "tf32", "bf16")},
        "plan": {
            kind: {"batch": p.batch_size, "image": list(p.image), "label_length": p.label_length}
            for kind, p in plan.items()
        },
        "rows": [],
    }

    def keep(row: bench.ThroughputRow) -> None:
        record["rows"].append(bench.row_dict(row))
        _write_json(out, record)

    rows = bench.run_throughput(
        device,
        plan,
        steps=steps,
        warmup=warmup,
        compile_backend=backend,
        budget_seconds=budget,
        on_row=keep,
    )
    record["finished"] = True
    _write_json(out, record)
    print(bench.format_table(rows))
    return 0


# -- timed training ---------------------------------------------------------------------------


def estimate_steps(
    seconds: float,
    batch_size: int,
    gpu_rate: Optional[float],
    safety: float = 0.7,
    minimum: int = 20,
) -> int:
    """Optimizer steps that fit in ``seconds`` at the GPU's measured samples/s, with a margin for
    what the raw step leaves out (data loading, logging, validation). The cosine schedule anneals
    over exactly these steps, so a run stopped by the clock instead is rare.

    >>> estimate_steps(300, 32, gpu_rate=1000.0)
    6562
    """
    if not gpu_rate:
        return minimum
    return max(minimum, int(safety * seconds * gpu_rate / batch_size))


def training_config(
    base: dict[str, Any],
    seconds: int,
    steps: int,
    workers: int,
    cuda: bool,
    data_dir: str | os.PathLike,
    sizes: tuple[int, int] = (800, 800),
) -> dict[str, Any]:
    """``base`` trained on the lines of ``data_dir`` (read by ``workers`` processes) for
    ``steps`` steps or ``seconds`` of fitting, whichever comes first."""
    config = copy.deepcopy(base)
    data = config.setdefault("data", {})
    data.update(
        data_dir=str(data_dir),
        train_size=None,  # the whole training split
        val_size=sizes[0],
        test_size=sizes[1],
        num_workers=workers,
    )
    trainer = config.setdefault("trainer", {})
    hours, rest = divmod(int(seconds), 3600)
    trainer.update(
        max_steps=steps,
        max_time=f"00:{hours:02d}:{rest // 60:02d}:{rest % 60:02d}",
        val_check_interval=max(5, steps // 6),
        check_val_every_n_epoch=None,
        log_every_n_steps=max(1, min(50, steps // 20)),
        accelerator="gpu" if cuda else "cpu",
        precision="bf16-mixed" if cuda else "32-true",
    )
    return config


def line_rate(throughput_json: Optional[Path]) -> Optional[float]:
    """Samples/s of the line model in bf16 (eager) from the throughput record, if measured."""
    for row in (_read_json(throughput_json, {}) or {}).get("rows", []):
        if row["kind"] == "lines" and row["mode"] == "bf16-mixed" and row["samples_per_s"]:
            return float(row["samples_per_s"])
    return None


# -- training report --------------------------------------------------------------------------


def committed_numbers(card_path: Path) -> dict[str, Any]:
    """The committed default model's own record of its held-out CER (from its model card)."""
    card = _read_json(card_path, {}) or {}
    evaluation = card.get("evaluation") or {}
    return {
        "version": card.get("version"),
        "card_test_cer": evaluation.get("cer"),
        "card_test_samples": evaluation.get("samples"),
        "card_data": evaluation.get("data"),
        "card_held_out_writers": evaluation.get("held_out_writers"),
    }


def comparison(staged_cer: Optional[float], committed_cer: Optional[float]) -> dict[str, Any]:
    """Which model reads the held-out writers of the same evaluation set better.

    >>> comparison(0.08, 0.2)["beats_committed"]
    True
    """
    if staged_cer is None or committed_cer is None:
        return {"beats_committed": None, "note": "one of the two CERs is missing"}
    return {
        "beats_committed": staged_cer < committed_cer,
        "cer_difference": staged_cer - committed_cer,
        "note": "both models transcribed the same held-out-writer test split",
    }


def _error_text(path: Optional[Path]) -> Optional[str]:
    """The last line of a command's stderr (its error message), if it wrote one."""
    if path is None or not path.is_file():
        return None
    lines = [line for line in path.read_text(errors="replace").splitlines() if line.strip()]
    return lines[-1][:500] if lines else None


def _card_summary(card: dict[str, Any]) -> dict[str, Any]:
    evaluation = card.get("evaluation") or {}
    return {
        "version": card.get("version"),
        "parameters": card.get("parameters"),
        "metrics": card.get("metrics"),
        "training": card.get("training"),
        "calibration": card.get("calibration"),
        "test_cer": evaluation.get("cer"),
        "test_wer": evaluation.get("wer"),
        "test_samples": evaluation.get("samples"),
        "by_writer": evaluation.get("by_writer"),
        "notes": ((card.get("export") or {}).get("parity") or {}).get("notes"),
    }


def training_report(
    run: Path,
    config: Path,
    eval_set: Path,
    staged: Path,
    committed_eval: Path,
    committed_card: Path,
    generation_seconds: Optional[float],
    committed_error: Optional[Path] = None,
) -> dict[str, Any]:
    """Everything the timed training produced, side by side with the committed model."""
    import yaml

    staged_card = _read_json(staged / "model_card.json", {}) or {}
    committed = _read_json(committed_eval, {}) or {}
    manifest = _read_json(eval_set / "manifest.json", {}) or {}
    staged_summary = _card_summary(staged_card) if staged_card else None
    report = {
        "config": yaml.safe_load(config.read_text()) if config.is_file() else None,
        "results": _read_json(run / "results.json"),
        "eval_set": {
            "folder": eval_set.name,
            "counts": manifest.get("counts"),
            "seed": manifest.get("seed"),
            "held_out_writers": manifest.get("held_out_writers"),
            "val_writers": manifest.get("val_writers"),
            "generation_seconds": generation_seconds,
        },
        "staged": staged_summary,
        "committed": {
            **committed_numbers(committed_card),
            "test_cer": committed.get("cer"),
            "test_wer": committed.get("wer"),
            "test_samples": committed.get("samples"),
            "by_writer": committed.get("by_writer"),
            "error": _error_text(committed_error) if not committed else None,
        },
    }
    report["comparison"] = comparison(
        (staged_summary or {}).get("test_cer"), report["committed"]["test_cer"]
    )
    return report


# -- finish -----------------------------------------------------------------------------------


def read_parts(path: Path) -> list[dict[str, Any]]:
    """Rows of the shell script's parts table: name, exit status, seconds, limit."""
    rows = []
    if path.is_file():
        for line in path.read_text().splitlines():
            name, status, seconds, limit = line.split("\t")
            rows.append(
                {"name": name, "status": int(status), "seconds": int(seconds), "limit": int(limit)}
            )
    return rows


def finish(out: Path, parts: Path, log: Path, started: float) -> int:
    """Close the run: parts and timing into run.json, the summary, the log; check the limits."""
    import time

    run = _read_json(out / "run.json", {}) or {}
    run.update(
        parts=read_parts(parts),
        finished=_now(),
        seconds=round(time.time() - started),
    )
    _write_json(out / "run.json", run)
    try:
        from scripts.gpu_report import render
        from text_recognizer.io import atomic_write_text

        atomic_write_text(out / "summary.md", render(out))
    except Exception as error:  # noqa: BLE001 - the log and the data must come back regardless
        print(f"gpu_run: the summary could not be rendered: {type(error).__name__}: {error}")
    from text_recognizer.io import atomic_write_bytes

    atomic_write_bytes(out / "run.log", tail_bytes(log, MAX_FILE_BYTES - (64 << 10)))
    problems = output_problems(out)
    for problem in problems:
        print(f"gpu_run: output limit: {problem}", file=sys.stderr)
    return 1 if problems else 0


# -- command line -----------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    env = commands.add_parser("environment")
    env.add_argument("--out", type=Path, required=True)
    env.add_argument("--bundle", type=Path, required=True)
    env.add_argument("--dry-run", action="store_true")
    bench = commands.add_parser("throughput")
    bench.add_argument("--out", type=Path, required=True)
    bench.add_argument("--budget", type=float, default=120.0)
    bench.add_argument("--dry-run", action="store_true")
    check = commands.add_parser("has-cuda-baselines")
    check.add_argument("baseline", type=Path)
    config = commands.add_parser("training-config")
    config.add_argument("--out", type=Path, required=True)
    config.add_argument("--base", required=True, help="a shipped config name or a path")
    config.add_argument("--seconds", type=int, required=True)
    config.add_argument("--workers", type=int, required=True)
    config.add_argument("--throughput", type=Path, default=None)
    config.add_argument("--data", type=Path, required=True, help="the generated line data set")
    config.add_argument("--sizes", type=int, nargs=2, default=(800, 800), help="val and test")
    config.add_argument("--max-steps", type=int, default=None, help="cap the estimate")
    config.add_argument("--batch-size", type=int, default=None, help="replace the config's")
    report = commands.add_parser("training-report")
    report.add_argument("--out", type=Path, required=True)
    for name in ("run", "config", "eval-set", "staged", "committed-eval", "committed-card"):
        report.add_argument(f"--{name}", type=Path, required=True)
    report.add_argument("--generation-seconds", type=float, default=None)
    report.add_argument("--committed-error", type=Path, default=None, help="its stderr")
    memo = commands.add_parser("memorization")
    memo.add_argument("--out", type=Path, required=True)
    memo.add_argument("--history", type=Path, required=True)
    memo.add_argument("--baseline", type=Path, required=True)
    memo.add_argument("--recorded", action="store_true")
    done = commands.add_parser("finish")
    done.add_argument("out", type=Path)
    done.add_argument("--parts", type=Path, required=True)
    done.add_argument("--log", type=Path, required=True)
    done.add_argument("--started", type=float, required=True, help="start time (epoch seconds)")
    args = parser.parse_args(argv)

    if args.command == "environment":
        _write_json(args.out, environment(args.dry_run, args.bundle))
        print(json.dumps({k: v for k, v in _read_json(args.out).items() if k != "nvidia_smi"}))
        return 0
    if args.command == "throughput":
        return throughput(args.out, args.dry_run, args.budget)
    if args.command == "has-cuda-baselines":
        return 0 if has_cuda_baselines(args.baseline) else 1
    if args.command == "training-config":
        import torch
        import yaml

        from text_recognizer.io import atomic_write_text
        from text_recognizer.training.config import load_config, validate_config

        base = load_config(args.base)
        if args.batch_size:
            base.setdefault("data", {})["batch_size"] = args.batch_size
        batch = int((base.get("data") or {}).get("batch_size", 32))
        steps = estimate_steps(args.seconds, batch, line_rate(args.throughput))
        if args.max_steps:
            steps = min(steps, args.max_steps)
        cuda = torch.cuda.is_available()
        sizes = tuple(args.sizes)
        derived = training_config(base, args.seconds, steps, args.workers, cuda, args.data, sizes)
        validate_config(derived, source=str(args.out))
        atomic_write_text(args.out, yaml.safe_dump(derived, sort_keys=False))
        print(f"timed training: {steps} steps or {args.seconds} s, {args.workers} loader workers")
        return 0
    if args.command == "training-report":
        _write_json(
            args.out,
            training_report(
                args.run,
                args.config,
                args.eval_set,
                args.staged,
                args.committed_eval,
                args.committed_card,
                args.generation_seconds,
                args.committed_error,
            ),
        )
        return 0
    if args.command == "memorization":
        _write_json(args.out, memorization(args.history, args.baseline, args.recorded))
        return 0
    return finish(args.out, args.parts, args.log, args.started)


if __name__ == "__main__":
    sys.exit(main())
