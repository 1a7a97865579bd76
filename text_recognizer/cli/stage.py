"""``text-recognizer stage CKPT --out DIR``: export a checkpoint and write its model card."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "stage",
        help="export a checkpoint to TorchScript + ONNX, check parity, write a model card",
        description=(
            "Load a training checkpoint, write model.pt, model.ts, model.onnx and a model card "
            "into --out, after checking that the exported models match the eager one on "
            "sample images (|a - b| <= 1e-4 + 1e-4 * |b|). Nothing is written if they do not."
        ),
    )
    parser.add_argument("checkpoint", help="Lightning checkpoint (.ckpt) written by training")
    parser.add_argument("--out", required=True, help="staged model folder to write")
    parser.add_argument(
        "--samples", type=int, default=4, help="test-split images for the parity check"
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the rendered samples")
    parser.add_argument(
        "--keep",
        nargs="*",
        choices=("torchscript", "onnx"),
        default=["torchscript", "onnx"],
        help="exports to keep in --out (all are checked; `--keep` alone keeps model.pt only)",
    )
    parser.add_argument(
        "--half",
        action="store_true",
        help="store model.pt weights as float16 (half the size; run in float32)",
    )
    parser.add_argument(
        "--eval-data",
        metavar="DIR",
        help="data set folder whose test split (held-out fonts for synthetic data) is "
        "transcribed by the staged model; its CER/WER go into the model card",
    )
    parser.add_argument(
        "--eval-limit", type=int, default=None, metavar="N", help="evaluate the first N only"
    )
    parser.add_argument(
        "--calibration-data",
        metavar="DIR",
        help="line data set folder whose validation split (writers unseen in training) fits the "
        "confidence temperature (default: --eval-data)",
    )
    parser.add_argument(
        "--calibration-limit",
        type=int,
        default=800,
        metavar="N",
        help="validation lines to fit the temperature on (default 800)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from text_recognizer.training.stage import stage

    report = stage(
        args.checkpoint,
        args.out,
        samples=args.samples,
        seed=args.seed,
        formats=args.keep,
        half=args.half,
        eval_data=args.eval_data,
        eval_limit=args.eval_limit,
        calibration_data=args.calibration_data,
        calibration_limit=args.calibration_limit,
    )
    card = report.card
    print(f"staged {card['name']} {card['version']} into {report.folder}")
    if card.get("calibration"):
        fit = card["calibration"]
        print(
            f"  confidence temperature {fit['temperature']} (validation ECE "
            f"{fit['line_ece_before']:.3f} -> {fit['line_ece_after']:.3f})"
        )
    print(f"  parameters: {card['parameters']:,}")
    for name, info in card["files"].items():
        print(f"  {name:<20} {info['bytes']:>12,} bytes")
    for result in report.parity:
        print(
            f"  parity {result.backend:<11} {result.part:<28} "
            f"max |diff| {result.max_abs_diff:.2e}  {'ok' if result.passed else 'FAIL'}"
        )
    evaluation = card.get("evaluation")
    if evaluation:
        print(
            f"  test split of {evaluation['data']}: {evaluation['samples']:,} samples, "
            f"CER {evaluation['cer']:.2%}, WER {evaluation['wer']:.2%}"
        )
    for note in card["export"]["parity"]["notes"]:
        print(f"  note: {note}")
    return 0
