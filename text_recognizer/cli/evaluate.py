"""``text-recognizer evaluate --model DIR --data DIR``: CER and WER of a staged model."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the evaluation module loads torch; the CLI imports it only when run
    from text_recognizer.evaluation import Evaluation


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "evaluate",
        help="CER/WER of a staged model on a data set folder",
        description="Transcribe one split of a data set folder and report CER and WER.",
    )
    parser.add_argument(
        "--model", default=None, help="staged model folder (default: the packaged model)"
    )
    parser.add_argument("--data", required=True, help="data set folder (manifest.csv + images)")
    parser.add_argument("--split", choices=("train", "val", "test"), default="test")
    parser.add_argument("--limit", type=int, default=None, help="evaluate the first N samples")
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--backend", choices=("eager", "torchscript", "onnx"), default="eager")
    parser.add_argument("--json", action="store_true", help="print the result as JSON only")
    parser.add_argument("--out", default=None, help="also write the JSON result to this file")
    parser.add_argument(
        "--reliability", default=None, metavar="PNG", help="also draw the reliability diagram"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from text_recognizer.evaluation import evaluate_folder
    from text_recognizer.io import atomic_write_text
    from text_recognizer.recognizer import Recognizer, default_threads

    recognizer = Recognizer.load(args.model, backend=args.backend, threads=default_threads())
    result = evaluate_folder(recognizer, args.data, args.split, args.limit, args.batch_size)
    payload = json.dumps(result.to_dict(), indent=2)
    if args.out:
        atomic_write_text(args.out, payload + "\n")
    if args.reliability:
        from text_recognizer.calibration import CalibrationReport, ReliabilityBin
        from text_recognizer.calibration_plot import reliability_diagram
        from text_recognizer.io import atomic_write_bytes

        values = dict(result.calibration or {})
        for key in ("line_bins", "char_bins"):
            values[key] = [ReliabilityBin(**item) for item in values[key]]
        atomic_write_bytes(args.reliability, reliability_diagram(CalibrationReport(**values)))
    if args.json:
        print(payload)
        return 0
    rows = [
        ("data", result.data),
        ("split", result.split),
        ("kind", result.kind),
        ("samples", str(result.samples)),
        ("CER", f"{100 * result.cer:.2f} %"),
        ("WER", f"{100 * result.wer:.2f} %"),
        ("mean confidence", f"{result.mean_confidence:.3f}"),
        ("mean char accuracy", f"{result.calibration['mean_accuracy']:.3f}"),
        ("ECE (lines)", f"{result.calibration['line_ece']:.3f}"),
        ("ECE (characters)", f"{result.calibration['char_ece']:.3f}"),
        *(
            (f"CER, {group}", f"{100 * score.cer:.2f} %")
            for group, score in result.by_group.items()
        ),
        ("ms / sample", f"{1000 * result.seconds_per_sample:.1f}"),
        ("model", result.model_version),
    ]
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}")
    _print_reliability(result)
    _print_writers(result)
    return 0


def _print_reliability(result: Evaluation) -> None:
    """Lines per confidence bin: their mean confidence against their mean accuracy."""
    print(f"\n{'confidence':<10}  {'lines':>6}  {'mean conf':>9}  {'accuracy':>8}")
    for item in result.calibration["line_bins"]:
        if item["count"]:
            print(
                f"{item['low']:.1f}-{item['high']:.1f}   {item['count']:>6}  "
                f"{item['confidence']:>9.3f}  {item['accuracy']:>8.3f}"
            )


def _print_writers(result: Evaluation) -> None:
    """Per-writer CER/WER, worst first, marking writers held out of training."""
    from text_recognizer.evaluation import MAX_WRITER_ROWS

    writers = result.by_writer
    if len(writers) < 2:
        return
    if len(writers) > MAX_WRITER_ROWS:
        print(f"\n{len(writers)} writers; --json gives each one's CER and WER")
        return
    held_out = set(result.held_out_writers)
    width = max(len(name or "(none)") for name in writers)
    print(f"\n{'writer':<{width}}  {'samples':>7}  {'CER':>7}  {'WER':>7}")
    for name, score in sorted(writers.items(), key=lambda item: -item[1].cer):
        mark = "  (held out)" if name in held_out else ""
        print(
            f"{name or '(none)':<{width}}  {score.samples:>7}  {100 * score.cer:>6.2f}%  "
            f"{100 * score.wer:>6.2f}%{mark}"
        )
