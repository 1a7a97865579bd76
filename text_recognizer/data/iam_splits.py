"""IAM's writer-independent task split: which writer goes to train, val or test, from the
task files' line ids (a writer listed in two sets takes the more held-out one)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable

from text_recognizer.data.iam_forms import IamForm

SPLIT_FILES = {
    "trainset.txt": "train",
    "validationset1.txt": "val",
    "validationset2.txt": "val",
    "testset.txt": "test",
}
_SPLIT_PRECEDENCE = {"train": 0, "val": 1, "test": 2}


def read_split_file(path: str | os.PathLike) -> list[str]:
    """Line ids listed in one task split file (blank rows ignored)."""
    return [
        row.strip() for row in Path(path).read_text(encoding="utf-8").splitlines() if row.strip()
    ]


def form_id_of_line(line_id: str) -> str:
    """``a01-000u-00`` -> ``a01-000u``.

    >>> form_id_of_line("n02-082a-03")
    'n02-082a'
    """
    return line_id.rsplit("-", 1)[0]


def writer_splits(
    forms: Iterable[IamForm], listed: dict[str, list[str]]
) -> tuple[dict[str, str], list[str]]:
    """Map writer id -> split from the task files; returns the map and conflicting writers.

    ``listed`` maps split file name (``testset.txt``…) to its line ids. Writers not listed
    anywhere are absent from the map (callers put them in train).
    """
    writer_of_form = {form.id: form.writer for form in forms}
    split_of: dict[str, str] = {}
    conflicts: set[str] = set()
    for file_name, line_ids in listed.items():
        split = SPLIT_FILES[file_name]
        for line_id in line_ids:
            writer = writer_of_form.get(form_id_of_line(line_id))
            if writer is None:
                continue
            previous = split_of.get(writer)
            if previous is not None and previous != split:
                conflicts.add(writer)
            if previous is None or _SPLIT_PRECEDENCE[split] > _SPLIT_PRECEDENCE[previous]:
                split_of[writer] = split
    return split_of, sorted(conflicts)
