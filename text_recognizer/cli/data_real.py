"""``text-recognizer data download|prepare``: fetch and convert the real data sets.

``download`` only fetches (resumable, SHA-256 checked where a digest is known); ``prepare``
turns a raw folder of upstream archives into a data set folder in our manifest format, so
the manual route (download IAM in a browser, drop the archives into a folder) works too.
"""

from __future__ import annotations

import argparse

from text_recognizer.cli.common import add_mode_option
from text_recognizer.errors import TextRecognizerError
from text_recognizer.modes import KINDS

DOWNLOADABLE = ("iam", "emnist")
PREPARABLE = ("iam", "emnist", "emnist-lines")


def register(actions: argparse._SubParsersAction) -> None:
    download = actions.add_parser(
        "download",
        help="fetch a real data set's raw archives (IAM, EMNIST)",
        description="Fetch raw archives, resuming partial downloads. IAM needs a registered "
        "account: set IAM_USERNAME and IAM_PASSWORD, or pass --url with an archive you may use.",
    )
    download.add_argument("dataset", choices=DOWNLOADABLE)
    download.add_argument("--dir", required=True, help="folder for the raw archives")
    download.add_argument("--url", help="fetch this archive instead of the official files")
    download.add_argument("--sha256", help="expected SHA-256 of the --url archive")
    download.set_defaults(func=run_download)

    prepare = actions.add_parser(
        "prepare",
        help="convert raw archives into a data set folder (manifest + PNGs)",
        description="Safely unpack the raw archives and write a data set in the manifest format.",
    )
    prepare.add_argument("dataset", choices=PREPARABLE)
    prepare.add_argument("--raw", required=True, help="folder holding the downloaded archives")
    prepare.add_argument("--out", required=True, help="data set folder to write")
    add_mode_option(prepare, "--kind", KINDS, default="lines", help="IAM only")
    prepare.add_argument("--scale", type=float, default=0.5, help="IAM: resolution vs 300 dpi")
    prepare.add_argument("--limit", type=int, help="EMNIST: keep the first N characters per split")
    prepare.add_argument("--n", type=int, default=10_000, help="EMNIST-lines: number of lines")
    prepare.add_argument("--seed", type=int, default=0, help="EMNIST-lines: random seed")
    prepare.set_defaults(func=run_prepare)


def run_download(args: argparse.Namespace) -> int:
    if args.dataset == "iam":
        from text_recognizer.data.iam_download import download_iam

        paths = download_iam(args.dir, url=args.url, sha256=args.sha256)
    else:
        from text_recognizer.data.emnist import download_emnist

        paths = [download_emnist(args.dir, url=args.url, sha256=args.sha256)]
    from text_recognizer.io import sha256_file

    for path in paths:
        print(f"{path}  sha256={sha256_file(path)}")
    return 0


def run_prepare(args: argparse.Namespace) -> int:
    if args.scale <= 0 or args.scale > 1:
        raise TextRecognizerError(f"--scale must be in (0, 1], not {args.scale}")
    if args.dataset == "iam":
        from text_recognizer.data.iam import prepare_iam

        manifest = prepare_iam(args.raw, args.out, kind=args.kind, scale=args.scale)
    elif args.dataset == "emnist":
        from text_recognizer.data.emnist import prepare_emnist

        manifest = prepare_emnist(args.raw, args.out, limit=args.limit)
    else:
        from text_recognizer.data.emnist import prepare_emnist_lines

        if args.n < 1:
            raise TextRecognizerError(f"--n must be positive, not {args.n}")
        manifest = prepare_emnist_lines(args.raw, args.out, n=args.n, seed=args.seed)
    counts = manifest.metadata.get("counts", {})
    print(f"wrote {len(manifest.records)} records to {manifest.root} ({counts})")
    skipped = manifest.metadata.get("skipped")
    if skipped:
        print(f"skipped: {skipped}")
    return 0
