"""One planted bug, and the area of the pipeline a package file belongs to: shared by the
catalogue written beside the tests (:mod:`scripts.planted_bugs`) and the held-out rounds
written without them (:mod:`scripts.unseen_bugs`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Optional


@dataclass(frozen=True)
class Mutant:
    """One planted bug: ``original`` (exactly once in ``path``) becomes ``replacement``.

    ``target`` is the test file expected to catch it, ``keyword`` an optional ``-k``
    expression naming the property or sanity test within it.
    """

    name: str
    path: str
    original: str
    replacement: str
    target: str
    keyword: Optional[str]
    description: str
    #: More test files that can matter for the touched module (run with ``target`` in the
    #: targeted phase of the kill-rate run).
    also: tuple[str, ...] = ()

    @property
    def area(self) -> str:
        """The stage of the pipeline the bug is in, for the per-area kill rate."""
        return area_of(self.path)

    @property
    def label(self) -> str:
        """The target as shown in the table."""
        short = Path(self.target).name
        return f"{short} -k {self.keyword}" if self.keyword else short

    def pytest_args(self) -> list[str]:
        return [self.target, *(["-k", self.keyword] if self.keyword else [])]

    def targeted_args(self) -> list[str]:
        """The tests that can matter for the touched module: the target and ``also``."""
        return [self.target, *self.also] if self.also else self.pytest_args()


#: Path prefix -> area of the pipeline (first match wins).
AREAS: tuple[tuple[str, str], ...] = (
    ("text_recognizer/data/page.py", "preprocessing"),
    ("text_recognizer/data/preprocess.py", "preprocessing"),
    ("text_recognizer/data/", "data"),
    ("text_recognizer/vocab.py", "data"),
    ("text_recognizer/models/", "models"),
    ("text_recognizer/decoding.py", "decoding"),
    ("text_recognizer/lit_models/line.py", "losses"),
    ("text_recognizer/lit_models/paragraph.py", "losses"),
    ("text_recognizer/lit_models/metrics.py", "metrics"),
    ("text_recognizer/metrics.py", "metrics"),
    ("text_recognizer/lit_models/", "optimisation"),
    ("text_recognizer/training/configs/", "configs"),
    ("text_recognizer/training/config.py", "configs"),
    ("text_recognizer/export", "export"),
    ("text_recognizer/staging.py", "export"),
    ("text_recognizer/training/stage.py", "export"),
    ("text_recognizer/api/", "service"),
    ("text_recognizer/validation/", "expectations"),
    ("text_recognizer/calibration.py", "calibration"),
    ("text_recognizer/evaluation.py", "metrics"),
    ("text_recognizer/training/experiment.py", "training"),
    ("text_recognizer/recognizer.py", "inference"),
    ("text_recognizer/segmentation.py", "inference"),
    ("text_recognizer/prediction.py", "inference"),
    ("text_recognizer/modes.py", "inference"),
    ("text_recognizer/cli/", "cli"),
    ("text_recognizer/calibration_plot.py", "calibration"),
    ("text_recognizer/training/model_card.py", "export"),
    ("text_recognizer/training/", "training"),
    ("text_recognizer/testing/", "harness"),
)


def area_of(path: str) -> str:
    """The area of the package file ``path`` (see :data:`AREAS`).

    >>> area_of("text_recognizer/data/page.py"), area_of("text_recognizer/api/app.py")
    ('preprocessing', 'service')
    """
    return next((area for prefix, area in AREAS if path.startswith(prefix)), "other")
