"""``text-recognizer predict IMG...``: print each image's text and confidence."""

from __future__ import annotations

import argparse
import json
import sys

from text_recognizer.cli.common import add_mode_option


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "predict",
        help="transcribe images with a staged model",
        description="Transcribe handwritten line or paragraph images with a staged model.",
    )
    parser.add_argument("images", nargs="+", help="image files (any format Pillow reads)")
    parser.add_argument(
        "--model", default=None, help="staged model folder (default: the packaged model)"
    )
    add_mode_option(
        parser,
        "--mode",
        help="which model reads the images (line/paragraph also accepted); auto picks by shape",
    )
    parser.add_argument("--backend", choices=("eager", "torchscript", "onnx"), default="eager")
    parser.add_argument("--beam", type=int, default=1, help="beam width (1: greedy decoding)")
    parser.add_argument(
        "--json", action="store_true", help="one JSON object per image (JSON lines)"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from text_recognizer.errors import TextRecognizerError
    from text_recognizer.recognizer import Recognizer, default_threads

    recognizer = Recognizer.load(
        args.model, backend=args.backend, threads=default_threads(), beam_width=args.beam
    )
    failures = 0
    for path in args.images:
        try:
            prediction = recognizer.predict(path, mode=args.mode)
        except TextRecognizerError as error:
            if len(args.images) == 1:
                raise
            failures += 1
            if args.json:
                print(json.dumps({"image": path, "error": str(error)}))
            else:
                print(f"{path}: error: {error}", file=sys.stderr)
            continue
        if args.json:
            print(json.dumps({"image": path, **prediction.to_dict()}))
        else:
            header = f"{path} ({prediction.kind}, confidence {prediction.confidence:.3f}):"
            print(header)
            print("    " + prediction.text.replace("\n", "\n    "))
    return 2 if failures else 0
