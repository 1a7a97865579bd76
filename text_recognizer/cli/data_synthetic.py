"""``data generate``, ``data stats`` and ``data contact-sheet``: make synthetic data and look at it.

Handlers only parse and call the package; the generator and PIL work are imported inside them
so ``text-recognizer --help`` stays fast.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from text_recognizer.cli.common import add_mode_option, non_negative_int, positive_int
from text_recognizer.errors import TextRecognizerError
from text_recognizer.modes import KINDS


def generate(args: argparse.Namespace) -> int:
    from text_recognizer.data.synthetic import generate_dataset

    started = time.perf_counter()
    manifest = generate_dataset(
        args.out, args.kind, args.n, args.seed, workers=args.workers, augment=not args.no_augment
    )
    seconds = time.perf_counter() - started
    counts = ", ".join(f"{split} {count}" for split, count in manifest.metadata["counts"].items())
    print(f"wrote {len(manifest.records)} {args.kind} to {Path(args.out).resolve()} ({counts})")
    print(
        f"seed {args.seed}, {args.workers} worker(s), {seconds:.1f} s "
        f"({len(manifest.records) / max(seconds, 1e-9):.0f} samples/s); "
        f"held-out writers (test only): {', '.join(manifest.metadata['held_out_writers'])}"
    )
    return 0


def stats(args: argparse.Namespace) -> int:
    from text_recognizer.data.inspection import contact_sheet, dataset_stats, format_stats
    from text_recognizer.data.manifest import read_manifest
    from text_recognizer.io import atomic_open

    manifest = read_manifest(args.dir)
    summary = dataset_stats(manifest)
    print(json.dumps(summary, indent=2) if args.json else format_stats(summary))
    if args.contact_sheet:
        with atomic_open(args.contact_sheet, "wb") as handle:
            contact_sheet(manifest, n=args.n).save(handle, format="PNG")
        print(f"contact sheet: {args.contact_sheet}")
    return 0


def sheet(args: argparse.Namespace) -> int:
    from text_recognizer.data.inspection import contact_sheet
    from text_recognizer.data.manifest import read_manifest
    from text_recognizer.io import atomic_open

    if Path(args.out).suffix.lower() != ".png":
        raise TextRecognizerError(f"--out must name a .png file, got {args.out}")
    manifest = read_manifest(args.dir)
    image = contact_sheet(manifest, n=args.n, seed=args.seed)
    with atomic_open(args.out, "wb") as handle:
        image.save(handle, format="PNG")
    print(f"wrote a contact sheet of {min(args.n, len(manifest.records))} samples to {args.out}")
    return 0


def register(actions: argparse._SubParsersAction) -> None:
    """Add ``generate``, ``stats`` and ``contact-sheet`` to ``text-recognizer data``."""
    parser = actions.add_parser(
        "generate", help="render synthetic handwriting (lines or paragraphs) into a data set"
    )
    add_mode_option(parser, "--kind", KINDS, default="lines")
    parser.add_argument("--n", type=positive_int, required=True, help="number of samples")
    parser.add_argument("--seed", type=non_negative_int, default=0)
    parser.add_argument("--out", required=True, help="empty, new or earlier-generated folder")
    parser.add_argument("--workers", type=positive_int, default=1, help="processes (default 1)")
    parser.add_argument(
        "--no-augment", action="store_true", help="clean renderings: no slant, noise or warp"
    )
    parser.set_defaults(func=generate)

    parser = actions.add_parser("stats", help="counts per split/writer, label and image sizes")
    parser.add_argument("dir", help="a data set folder (with manifest.csv + manifest.json)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a report")
    parser.add_argument("--contact-sheet", metavar="PNG", help="also write a contact sheet here")
    parser.add_argument("--n", type=positive_int, default=24, help="samples on the sheet")
    parser.set_defaults(func=stats)

    parser = actions.add_parser(
        "contact-sheet", help="a PNG grid of random samples with their labels, to look at"
    )
    parser.add_argument("dir", help="a data set folder")
    parser.add_argument("--out", required=True, help="PNG file to write")
    parser.add_argument("--n", type=positive_int, default=24, help="number of samples")
    parser.add_argument("--seed", type=non_negative_int, default=0, help="which samples")
    parser.set_defaults(func=sheet)
