"""``text-recognizer demo``: the main job on the embedded default, end to end and offline.

Renders a few handwriting samples with fonts held out of training (writers the model has never
seen), saves them, reads them back with the staged default model and prints ground truth,
transcription, confidence and CER, so a fresh set-up shows at once what the model can do.
"""

from __future__ import annotations

import argparse
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="render unseen-writer samples and transcribe them with the staged model",
        description=__doc__.split("\n\n")[1].replace("\n", " "),
    )
    parser.add_argument("--out", default="data/demo", help="folder for the rendered samples")
    parser.add_argument("--lines", type=int, default=3, help="line samples to render")
    parser.add_argument("--paragraphs", type=int, default=1, help="paragraph samples to render")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--model", default=None, help="staged model (default: the packaged one)")
    parser.set_defaults(func=run)


def held_out_indices(count: int, fractions: tuple[float, float, float]) -> list[int]:
    """The first ``count`` generator indices of the test split (rendered by held-out writers).

    >>> held_out_indices(2, (0.8, 0.1, 0.1))
    [8, 21]
    """
    from text_recognizer.data.synthetic import split_for_index

    indices: list[int] = []
    index = 0
    while len(indices) < count:
        if split_for_index(index, fractions) == "test":
            indices.append(index)
        index += 1
    return indices


def run(args: argparse.Namespace) -> int:
    from text_recognizer.data.synthetic import SyntheticConfig, render_sample
    from text_recognizer.errors import TextRecognizerError
    from text_recognizer.io import atomic_write_bytes, encode_png
    from text_recognizer.metrics import character_error_rate
    from text_recognizer.recognizer import Recognizer, default_threads

    if args.lines < 0 or args.paragraphs < 0 or args.lines + args.paragraphs == 0:
        raise TextRecognizerError("--lines and --paragraphs must be >= 0 and not both 0")
    recognizer = Recognizer.load(args.model, threads=default_threads())
    out = Path(args.out)
    errors = []
    for kind, count in (("lines", args.lines), ("paragraphs", args.paragraphs)):
        config = SyntheticConfig(kind=kind, seed=args.seed)
        for index in held_out_indices(count, config.split_fractions):
            sample = render_sample(config, index)
            path = out / f"{kind}-{index:04d}.png"
            atomic_write_bytes(path, encode_png(sample.image))
            prediction = recognizer.predict(path, mode=kind)
            cer = character_error_rate(prediction.text, sample.text)
            errors.append(cer)
            print(f"{path}  [{kind}, writer {sample.writer!r}, unseen in training]")
            print("  truth:      " + sample.text.replace("\n", "\n              "))
            print("  prediction: " + prediction.text.replace("\n", "\n              "))
            print(f"  confidence {prediction.confidence:.3f}   CER {cer:.1%}\n")
    print(f"mean CER over {len(errors)} unseen-writer samples: {sum(errors) / len(errors):.1%}")
    return 0
