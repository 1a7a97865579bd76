"""Render the GPU report (``docs/gpu_report.md``) from the files ``scripts/gpu_run.sh`` wrote.

    python -m scripts.gpu_report OUT_DIR                               # print it
    python -m scripts.gpu_report OUT_DIR --out docs/gpu_report.md      # the committed report
    python -m scripts.gpu_report OUT_DIR --update-baselines tests/testing/baselines/memorization.json

The report is regenerated, never edited: each section says what it measures, the numbers come
from the run's files, and the key numbers are kept in a data comment at the end so that the next
rendering can compare with this run. ``--update-baselines`` copies the run's GPU (``cuda/``)
memorization baselines into the committed baselines file, leaving the CPU entries alone.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path
from typing import Any, Optional, Sequence

DATA_MARKER = "gpu-report-data"
#: The issue's targets (seconds to memorize 16 samples, measured on the GPU).
MEMORIZATION_TARGETS = {"line": 10.0, "paragraph": 20.0}
PARAGRAPH_COLD_TARGET = 45.0
SPEEDUP_TARGET = 2.0


def _json(folder: Path, name: str) -> Any:
    path = folder / name
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def _fmt(value: Optional[float], spec: str = ".1f", suffix: str = "") -> str:
    return "-" if value is None else f"{format(value, spec)}{suffix}"


def _pct(value: Optional[float]) -> str:
    return "-" if value is None else f"{100 * value:.2f} %"


def junit_cases(path: Path) -> list[dict[str, Any]]:
    """Test cases of a JUnit XML file: name, outcome, seconds, message."""
    if not path.is_file():
        return []
    cases = []
    for case in ElementTree.parse(path).getroot().iter("testcase"):
        outcome, message = "passed", ""
        for tag in ("failure", "error", "skipped"):
            found = case.find(tag)
            if found is not None:
                outcome = {"failure": "failed", "error": "error", "skipped": "skipped"}[tag]
                message = (
                    (found.get("message") or "").splitlines()[0][:160]
                    if found.get("message")
                    else ""
                )
                break
        cases.append(
            {
                "name": case.get("name", ""),
                "file": case.get("classname", ""),
                "outcome": outcome,
                "seconds": float(case.get("time") or 0.0),
                "message": message,
            }
        )
    return cases


def _kind_of(key: str) -> str:
    return "paragraph" if "paragraph" in key else "line"


def memorization_rows(memo: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per memorization run of this run's history, with the issue's target."""
    rows = []
    for record in memo.get("history") or []:
        key = record["key"]
        target = MEMORIZATION_TARGETS[_kind_of(key)] if key.startswith("cuda/") else None
        seconds = record.get("seconds_to_criterion")
        rows.append(
            {
                "key": key,
                "converged": record.get("converged"),
                "steps": record.get("steps_to_criterion"),
                "seconds": seconds,
                "target": target,
                "met": None if target is None or seconds is None else seconds <= target,
            }
        )
    return rows


def best_speedup(throughput: dict[str, Any], kind: str) -> tuple[Optional[str], Optional[float]]:
    """The fastest mode of ``kind`` and its samples/s over plain fp32."""
    rows = [row for row in throughput.get("rows", []) if row["kind"] == kind]
    base = next((row["samples_per_s"] for row in rows if row["mode"] == "fp32"), None)
    measured = [row for row in rows if row["samples_per_s"]]
    if not base or not measured:
        return None, None
    best = max(measured, key=lambda row: row["samples_per_s"])
    return best["mode"], best["samples_per_s"] / base


def key_numbers(folder: Path) -> dict[str, Any]:
    """What the next report compares with: device, date, memorization, speed-up, CER."""
    run = _json(folder, "run.json") or {}
    memo = _json(folder, "memorization.json") or {}
    throughput = _json(folder, "throughput.json") or {}
    training = _json(folder, "training.json") or {}
    mode, speedup = best_speedup(throughput, "paragraphs")
    return {
        "mode": run.get("mode"),
        "device": run.get("device"),
        "date": run.get("started"),
        "memorization_seconds": {
            row["key"]: row["seconds"] for row in memorization_rows(memo) if row["seconds"]
        },
        "paragraph_best_mode": mode,
        "paragraph_speedup": speedup,
        "timed_training_test_cer": ((training.get("staged") or {}).get("test_cer")),
        "committed_test_cer": ((training.get("committed") or {}).get("test_cer")),
    }


def previous_numbers(report: Path) -> Optional[dict[str, Any]]:
    """The key numbers kept in an earlier rendering of the report, if any."""
    if not report.is_file():
        return None
    match = re.search(rf"<!-- {DATA_MARKER} (.*?) -->", report.read_text(encoding="utf-8"), re.S)
    return json.loads(match.group(1)) if match else None


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return lines


def _run_section(run: dict[str, Any]) -> list[str]:
    versions = run.get("versions") or {}
    bundle = run.get("bundle") or {}
    fonts = bundle.get("fonts") or {}
    lines = ["## The run", ""]
    lines += _table(
        ("device", "date (UTC)", "mode", "wall time", "git revision"),
        [
            (
                run.get("device", "-")
                + (f" (x{run['cuda_devices']})" if run.get("cuda_devices") else ""),
                run.get("started", "-"),
                run.get("mode", "-"),
                f"{run.get('seconds', '-')} s",
                f"`{run.get('git_revision', '-')}`",
            )
        ],
    )
    lines += [
        "",
        "Versions: " + ", ".join(f"{name} {value}" for name, value in versions.items()) + ".",
        "",
    ]
    if fonts:
        roles = ", ".join(f"{n} {r}" for r, n in sorted((fonts.get("by_role") or {}).items()))
        lines.append(
            f"Generator inputs from the bundle: {fonts.get('bundled')} writers bundled, "
            f"{fonts.get('found')} found ({roles}), "
            f"{fonts.get('from_bundle')} of them read from the bundle; "
            f"words: {(bundle.get('words') or {}).get('count')} "
            f"({(bundle.get('words') or {}).get('source')})."
        )
        missing = fonts.get("bundled_but_not_found") or []
        if missing or fonts.get("problems"):
            lines.append(f"Bundle problems: {fonts.get('problems')}; not found: {missing}.")
    elif bundle.get("error"):
        lines.append(f"Bundle: **{bundle['error']}**")
    parts = run.get("parts") or []
    if parts:
        lines += ["", "Each part runs under its own time limit (`timeout`):", ""]
        lines += _table(
            ("part", "status", "seconds", "limit s"),
            [
                (
                    part["name"],
                    (
                        "ok"
                        if part["status"] == 0
                        else (
                            "timed out"
                            if part["status"] in (124, 137)
                            else f"failed ({part['status']})"
                        )
                    ),
                    part["seconds"],
                    part["limit"],
                )
                for part in parts
            ],
        )
    return lines + [""]


def _lane_section(folder: Path, mode: Optional[str]) -> list[str]:
    memo = _json(folder, "memorization.json") or {}
    cases = junit_cases(folder / "gpu_lane.xml")
    lines = [
        "## 1. The GPU lane",
        "",
        "`PYTHONPATH=. python3 -m pytest -m gpu` on the stock stack: the staged line and paragraph "
        "configurations memorize 16 fixture samples to exact transcription in bf16 and in fp32, "
        "the forward pass agrees between CPU and GPU, a bf16 step has a finite loss, and every "
        "parameter gets a gradient (so DDP needs no unused-parameter search).",
        "",
    ]
    if cases:
        counts = {
            o: sum(c["outcome"] == o for c in cases)
            for o in ("passed", "failed", "error", "skipped")
        }
        lines.append(", ".join(f"{n} {o}" for o, n in counts.items() if n) + ".")
        lines.append("")
        lines += _table(
            ("test", "outcome", "wall s", "message"),
            [(c["name"], c["outcome"], f"{c['seconds']:.1f}", c["message"]) for c in cases],
        )
    else:
        lines.append("No JUnit XML: the lane did not run (see the parts table and run.log).")
    rows = memorization_rows(memo)
    lines += [
        "",
        "Memorization, this run (seconds and steps until the batch was reproduced exactly; "
        f"targets from issue 14: line <= {MEMORIZATION_TARGETS['line']:.0f} s, paragraph <= "
        f"{MEMORIZATION_TARGETS['paragraph']:.0f} s warm and <= {PARAGRAPH_COLD_TARGET:.0f} s "
        "from a cold start, the test's wall time above):",
        "",
    ]
    if rows:
        lines += _table(
            ("key", "converged", "steps", "seconds", "target s", "met"),
            [
                (
                    f"`{row['key']}`",
                    row["converged"],
                    row["steps"] if row["steps"] is not None else "-",
                    _fmt(row["seconds"]),
                    _fmt(row["target"], ".0f"),
                    "-" if row["met"] is None else "yes" if row["met"] else "no",
                )
                for row in rows
            ],
        )
    else:
        lines.append("No memorization records.")
    if not memo.get("recorded_baseline"):
        note = "This run was checked against the committed GPU baselines (none recorded)."
    elif mode == "gpu":
        note = (
            "GPU baselines were recorded by this run (commit them with `python -m "
            "scripts.gpu_report OUT --update-baselines tests/testing/baselines/memorization.json`)."
        )
    else:
        note = (
            "The dry run recorded into a scratch copy of the baselines, never the committed file."
        )
    return lines + ["", note, ""]


def _throughput_section(folder: Path) -> list[str]:
    from text_recognizer.training.throughput import ThroughputRow, format_table

    data = _json(folder, "throughput.json")
    lines = [
        "## 2. Training throughput",
        "",
        "One training step (forward, backward, AdamW) of the base models on a random batch "
        "(lines: 32 x 40 x 768 px, 40 characters; paragraphs: 16 x 512 x 512 px, 240 tokens), in "
        "each mode, eager and under `torch.compile`; the median of the timed steps after warm-up. "
        "FLOPs per step are counted once per model with `torch.utils.flop_counter` on the CPU in "
        "fp32 (forward + backward; the LSTM and attention as plain matrix products, so they "
        "count). MFU = FLOPs per step / step time / the card's dense peak for the mode's number "
        "format; TF32 is off in every mode, so fp32 is compared with the fp32 peak. "
        "`first step s` includes compilation.",
        "",
    ]
    if not data:
        return lines + ["No throughput record: the part did not run (see run.log).", ""]
    peaks = data.get("peak_tflops") or {}
    lines.append(
        f"Device {data.get('device')}, torch {data.get('torch')}, compile backend "
        f"`{data.get('compile_backend')}`, {data.get('steps')} timed steps after "
        f"{data.get('warmup')}; peaks assumed (TFLOP/s): "
        + ", ".join(f"{fmt} {_fmt(value, '.1f')}" for fmt, value in peaks.items())
        + "."
    )
    rows = [
        ThroughputRow(**{k: v for k, v in row.items() if k != "extra"}, extra=row.get("extra", {}))
        for row in data.get("rows", [])
    ]
    flops = {row.kind: row.extra.get("flops_per_step") for row in rows}
    lines += ["", format_table(rows), ""]
    lines.append(
        "Model FLOPs per step: "
        + ", ".join(
            f"{kind} {_fmt(value / 1e9 if value else None, '.1f')} GFLOP"
            for kind, value in flops.items()
        )
        + "."
    )
    mode, speedup = best_speedup(data, "paragraphs")
    if speedup is not None:
        verdict = "met" if speedup >= SPEEDUP_TARGET else "not met"
        lines.append(
            f"Paragraph model: the best mode, {mode}, runs {speedup:.2f}x the samples/s of plain "
            f"fp32 (target >= {SPEEDUP_TARGET:.0f}x: {verdict})."
        )
    if not data.get("finished"):
        lines.append("The part stopped before its last row (time limit): the table is partial.")
    return lines + [""]


def _writer_rows(staged: dict[str, Any], committed: dict[str, Any]) -> list[tuple[str, ...]]:
    new = staged.get("by_writer") or {}
    old = committed.get("by_writer") or {}
    return [
        (
            name,
            str((new.get(name) or old.get(name) or {}).get("samples", "-")),
            _pct((new.get(name) or {}).get("cer")),
            _pct((old.get(name) or {}).get("cer")),
        )
        for name in sorted(set(new) | set(old))
    ]


def _training_section(folder: Path) -> list[str]:
    data = _json(folder, "training.json")
    lines = [
        "## 3. Timed training of the default line model",
        "",
        "`lines_default.yaml` trained on lines the machine's cores rendered while the GPU was "
        "measured (`data generate --kind lines --n 40000 --seed 1`; its train split is written by "
        "the training writers), with the loader's augmentation, in bf16, for the steps that fit "
        "the time left (estimated from the measured bf16 step rate, so that the cosine schedule "
        "completes); then staged (`stage --half`): the confidence temperature fitted on the "
        "validation split (validation-only writers), the CER measured on the test split "
        "(test-only writers). The committed default model transcribes the same test lines.",
        "",
    ]
    if not data:
        return lines + ["No training record: the part did not run (see run.log).", ""]
    config = data.get("config") or {}
    trainer = config.get("trainer") or {}
    results = data.get("results") or {}
    test = results.get("test") or {}
    lines.append(
        f"Planned {trainer.get('max_steps')} steps or {trainer.get('max_time')} "
        f"({trainer.get('precision')}, {(config.get('data') or {}).get('num_workers')} data "
        f"workers, batch {(config.get('data') or {}).get('batch_size')}); ran "
        f"{results.get('global_step', '-')} steps in {results.get('fit_seconds', '-')} s; best "
        f"validation CER {_pct(results.get('best_val_cer'))}, test CER during training "
        f"{_pct(test.get('test/cer'))}."
    )
    staged = data.get("staged") or {}
    committed = data.get("committed") or {}
    eval_set = data.get("eval_set") or {}
    lines += [
        "",
        f"Lines generated: {eval_set.get('counts')} (seed {eval_set.get('seed')}), rendered in "
        f"{_fmt(eval_set.get('generation_seconds'), '.0f')} s.",
        "",
    ]
    lines += _table(
        ("model", "test CER", "test WER", "lines"),
        [
            (
                f"this run ({staged.get('version', '-')})",
                _pct(staged.get("test_cer")),
                _pct(staged.get("test_wer")),
                staged.get("test_samples", "-"),
            ),
            (
                f"committed default ({committed.get('version', '-')})",
                _pct(committed.get("test_cer")),
                _pct(committed.get("test_wer")),
                committed.get("test_samples", "-"),
            ),
        ],
    )
    if committed.get("error"):
        lines += ["", f"The committed model could not be evaluated: `{committed['error']}`"]
    lines += [
        "",
        f"The committed model's own card: {_pct(committed.get('card_test_cer'))} on "
        f"{committed.get('card_test_samples', '-')} lines of {committed.get('card_data', '-')} "
        f"(its held-out writers: {', '.join(committed.get('card_held_out_writers') or []) or '-'}).",
        "",
    ]
    writers = _writer_rows(staged, committed)
    if writers:
        lines += _table(("test writer", "lines", "this run CER", "committed CER"), writers)
        lines.append("")
    verdict = (data.get("comparison") or {}).get("beats_committed")
    lines.append(
        {
            True: "**The new model beats the committed one on the held-out writers**: stage it "
            "into `text_recognizer/artifacts/default`, regenerate the goldens and log why.",
            False: "The new model does not beat the committed one on the held-out writers: keep "
            "the committed default.",
            None: "No comparison: one of the two evaluations is missing.",
        }[verdict]
    )
    return lines + [""]


def _comparison_section(now: dict[str, Any], previous: Optional[dict[str, Any]]) -> list[str]:
    lines = ["## Compared with the previous run", ""]
    if previous is None:
        return lines + ["No previous report.", ""]
    if previous.get("mode") != "gpu" or now.get("mode") != "gpu":
        return lines + [
            f"The previous report was a {previous.get('mode')} ({previous.get('date')}) and this "
            f"one a {now.get('mode')}: their numbers are not comparable.",
            "",
        ]
    rows = [
        ("device", previous.get("device"), now.get("device")),
        ("date", previous.get("date"), now.get("date")),
    ]
    for key in sorted(
        set(previous.get("memorization_seconds", {})) | set(now.get("memorization_seconds", {}))
    ):
        rows.append(
            (
                f"memorize `{key}` s",
                _fmt(previous["memorization_seconds"].get(key)),
                _fmt(now["memorization_seconds"].get(key)),
            )
        )
    rows.append(
        (
            "paragraph best speed-up",
            _fmt(previous.get("paragraph_speedup"), ".2f", "x"),
            _fmt(now.get("paragraph_speedup"), ".2f", "x"),
        )
    )
    rows.append(
        (
            "timed training test CER",
            _pct(previous.get("timed_training_test_cer")),
            _pct(now.get("timed_training_test_cer")),
        )
    )
    return lines + _table(("", "previous", "this run"), rows) + [""]


def render(folder: Path, previous: Optional[dict[str, Any]] = None) -> str:
    """The report of the run in ``folder`` (compared with ``previous`` key numbers, if any)."""
    folder = Path(folder)
    run = _json(folder, "run.json") or {}
    now = key_numbers(folder)
    lines = ["# GPU run report", ""]
    if run.get("mode") != "gpu":
        lines += [
            "> **CPU dry run: these are not GPU numbers.** This report was rendered from "
            "`scripts/gpu_run.sh --dry-run`, which runs every part of the GPU run on a CPU with "
            "tiny configurations (tiny models, a few steps, the GPU tests skipped) and with every "
            "package outside the GPU machine's stock stack hidden. It shows what a GPU run fills "
            "in; the numbers only prove that the command works.",
            "",
        ]
    lines += [
        "What `scripts/gpu_run.sh OUT_DIR` measured in one call on the GPU machine (issue 14), "
        "rendered by `python -m scripts.gpu_report OUT_DIR --out docs/gpu_report.md` from the "
        "files it wrote: `run.json` (machine, versions, parts), `gpu_lane.xml`, "
        "`memorization.json`, `throughput.json`, `training.json`, `staged_model.tar.gz`, "
        "`summary.md` (this report) and `run.log`. Regenerate it; do not edit it.",
        "",
    ]
    lines += _run_section(run)
    lines += _lane_section(folder, run.get("mode"))
    lines += _throughput_section(folder)
    lines += _training_section(folder)
    lines += _comparison_section(now, previous)
    lines.append(f"<!-- {DATA_MARKER} {json.dumps(now, sort_keys=True)} -->")
    return "\n".join(lines) + "\n"


def update_baselines(folder: Path, baselines: Path) -> list[str]:
    """Copy the run's ``cuda/`` memorization baselines into ``baselines``; the keys copied."""
    from text_recognizer.io import atomic_write_text

    memo = _json(folder, "memorization.json") or {}
    entries = (memo.get("baselines") or {}).get("entries") or {}
    gpu = {key: value for key, value in entries.items() if key.startswith("cuda/")}
    committed = json.loads(baselines.read_text(encoding="utf-8"))
    committed.setdefault("entries", {}).update(gpu)
    atomic_write_text(baselines, json.dumps(committed, indent=1, sort_keys=True) + "\n")
    return sorted(gpu)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="the OUT_DIR of scripts/gpu_run.sh")
    parser.add_argument(
        "--out",
        type=Path,
        help="write the report here (its previous version " "is what this run is compared with)",
    )
    parser.add_argument(
        "--update-baselines",
        type=Path,
        metavar="JSON",
        help="merge the run's cuda/ memorization baselines into this file",
    )
    args = parser.parse_args(argv)
    if not (args.folder / "run.json").is_file():
        print(
            f"gpu_report: {args.folder} has no run.json: not an OUT_DIR of gpu_run.sh",
            file=sys.stderr,
        )
        return 2
    if args.update_baselines:
        keys = update_baselines(args.folder, args.update_baselines)
        print(f"merged {len(keys)} GPU baselines into {args.update_baselines}: {', '.join(keys)}")
    text = render(args.folder, previous_numbers(args.out) if args.out else None)
    if args.out:
        from text_recognizer.io import atomic_write_text

        atomic_write_text(args.out, text)
        print(f"wrote {args.out}")
    elif not args.update_baselines:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
