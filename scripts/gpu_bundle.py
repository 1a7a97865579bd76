"""Bundle what the synthetic generator needs on a machine where nothing can be installed.

    python -m scripts.gpu_bundle [DIR]      # default .gpu_bundle (ignored by git); make gpu-bundle

writes ``DIR/fonts/`` (every usable writer's font file found on this machine, with an index:
:mod:`text_recognizer.data.font_bundle`) and ``DIR/words.txt`` (wordfreq's English word list).
``scripts/gpu_run.sh`` points ``TEXT_RECOGNIZER_FONT_BUNDLE`` and ``TEXT_RECOGNIZER_WORDS`` at
them, and the device tool carries the folder (``carry: [".gpu_bundle"]``) with the working tree,
whose whole size must stay under 64 MiB.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from collections import Counter
from pathlib import Path
from typing import Sequence

#: What the device tool carries at most (the working tree and the carried folders together).
CARRY_LIMIT_BYTES = 64 << 20


def folder_bytes(folder: Path) -> int:
    """Bytes of the files under ``folder``."""
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


def make_bundle(folder: Path) -> str:
    """Write the bundle into ``folder`` (replacing an older one); a one-line summary."""
    from text_recognizer.data.corpus import export_words
    from text_recognizer.data.font_bundle import write_font_bundle
    from text_recognizer.data.fonts import discover_fonts, read_catalog

    if (folder / "fonts").exists():
        shutil.rmtree(folder / "fonts")
    entries = write_font_bundle(folder / "fonts", discover_fonts(), read_catalog())
    words = export_words(folder / "words.txt")
    kinds = Counter(entry.source.split(":")[0] for entry in entries)
    return (
        f"{len(entries)} writers ({', '.join(f'{n} {k}' for k, n in sorted(kinds.items()))}) and "
        f"{words} words in {folder}: {folder_bytes(folder) / 2**20:.1f} MiB"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, nargs="?", default=Path(".gpu_bundle"))
    args = parser.parse_args(argv)
    from text_recognizer.errors import TextRecognizerError

    try:
        print(make_bundle(args.folder))
    except TextRecognizerError as error:
        print(f"gpu_bundle: error: {error}", file=sys.stderr)
        return 2
    if folder_bytes(args.folder) > CARRY_LIMIT_BYTES // 2:
        print(f"gpu_bundle: warning: over half of the {CARRY_LIMIT_BYTES >> 20} MiB carry limit")
    return 0


if __name__ == "__main__":
    sys.exit(main())
