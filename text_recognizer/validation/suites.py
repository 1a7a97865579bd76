"""The data suites' settings: one :class:`SuiteConfig` of thresholds per suite (lines,
paragraphs, IAM), each constant saying where it comes from, and :class:`Check`, one named
expectation. The thresholds come from the synthetic generator's data (400 lines and 92
paragraphs of seed 0, 10,000 lines of seed 1) with a margin, and from the model's input geometry.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from text_recognizer.data.preprocess import MAX_LINE_CHARS, MAX_PARAGRAPH_CHARS
from text_recognizer.errors import TextRecognizerError
from text_recognizer.vocab import CHARACTERS, NEWLINE

SUITE_NAMES = ("lines", "paragraphs", "iam")


class SuiteError(TextRecognizerError, ValueError):
    """A suite name or a suite/data-set combination that does not exist."""


@dataclass(frozen=True)
class Check:
    """One named expectation: the GX class, its arguments and the table it runs on."""

    name: str
    table: str  # "records" | "splits" | "split_pairs"
    expectation: str  # class name in great_expectations.expectations
    kwargs: dict[str, Any]
    description: str

    def build(self, gxe: Any, number: int) -> Any:
        """The GX expectation (``gxe`` is ``great_expectations.expectations``); ``number``
        identifies it among the suite's checks in the results."""
        meta = {"name": self.name, "check": number}
        return getattr(gxe, self.expectation)(**self.kwargs, meta=meta)


@dataclass(frozen=True)
class SuiteConfig:
    """Thresholds of one suite. Defaults are the synthetic lines' ones."""

    name: str = "lines"
    kind: str = "lines"
    max_chars: int = MAX_LINE_CHARS
    #: Characters per pixel of width once the text line is scaled to the model's 40 px height.
    #: Generated lines and paragraph lines span 0.053-0.148 (400 lines, 80 paragraphs), IAM
    #: lines sit near 0.07. The band [0.025, 0.2] means a character 5-40 px wide at 40 px high;
    #: a model with a stride-8 CTC head cannot emit more than 0.125 characters per pixel
    #: anyway, so 0.2 flags labels that cannot be read from their image.
    chars_per_pixel: tuple[float, float] = (0.025, 0.2)
    image_width: tuple[int, int] = (16, 8000)
    image_height: tuple[int, int] = (16, 400)
    #: Mean gray level over 0..1: paper dominates every text image (generated: 0.65-0.95).
    mean_intensity: tuple[float, float] = (0.35, 1.0)
    #: Ink pixels (>= 64 levels under the paper): generated 0.031-0.31; a blank page is 0.
    min_ink_fraction: float = 0.005
    #: Pixels at gray <= 32: generated at most 0.11; large black areas mean a bad scan.
    max_black_fraction: float = 0.35
    #: Stored images must be 8-bit gray or RGB; RGBA (undefined paper under transparency) and
    #: 16-bit (a skipped conversion) are refused in data sets even though inference accepts them.
    supported_modes: tuple[str, ...] = ("L", "RGB")
    characters: str = CHARACTERS
    #: Allowed |estimated rows - label lines| is max(1, this * label lines): generated
    #: paragraphs miss by at most 2 of 8 (77 of 80 exact).
    rows_tolerance: float = 0.25
    #: Split shares may deviate by max(this, 3 binomial standard errors) from the configured.
    split_tolerance: float = 0.02
    #: KS distances between train and another split: limit max(floor, KS critical value at
    #: alpha=0.001). Floors: label lengths come from one sampler (10,000 generated lines: 0.018
    #: train~val, 0.030 train~test); image statistics differ more because test is written in
    #: held-out fonts (train~test: intensity 0.08, ink 0.19, character width 0.21; val < 0.03).
    label_length_ks_floor: float = 0.1
    image_ks_floor: float = 0.3
    #: Total-variation distance of character frequencies: limit max(floor, 3 x its expected
    #: value under sampling noise). 10,000 generated lines: 0.012 train~val, 0.010 train~test.
    char_tvd_floor: float = 0.1
    #: Held-out writers: from manifest.json's "held_out_writers" (synthetic); when absent and
    #: this is set, the test split's writers (IAM's splits are writer-independent).
    writers_disjoint_by_split: bool = False


LINES_SUITE = SuiteConfig()
PARAGRAPHS_SUITE = SuiteConfig(
    name="paragraphs",
    kind="paragraphs",
    max_chars=MAX_PARAGRAPH_CHARS,
    image_width=(32, 8000),
    image_height=(32, 8000),
    characters=CHARACTERS + NEWLINE,
)


def suite_config(name: str, kind: str, sources: frozenset[str] = frozenset()) -> SuiteConfig:
    """The suite ``name`` ("auto", "lines", "paragraphs" or "iam") for a data set of ``kind``
    whose records come from ``sources`` ("auto" picks "iam" for IAM data, else the kind).

    >>> suite_config("auto", "paragraphs").max_chars
    512
    """
    if kind not in ("lines", "paragraphs"):
        raise SuiteError(f"data set kind {kind!r} is neither lines nor paragraphs")
    if name == "auto":
        name = "iam" if sources == {"iam"} else kind
    if name not in SUITE_NAMES:
        raise SuiteError(
            f"unknown suite {name!r}; expected auto or one of {', '.join(SUITE_NAMES)}"
        )
    if name == "iam":
        base = PARAGRAPHS_SUITE if kind == "paragraphs" else LINES_SUITE
        height = (16, 8000) if kind == "paragraphs" else (16, 600)
        return replace(base, name="iam", image_height=height, writers_disjoint_by_split=True)
    if name != kind:
        raise SuiteError(
            f"suite {name!r} checks {name}, but the data set holds {kind} (manifest.json "
            f"kind); use --suite {kind} or auto"
        )
    return LINES_SUITE if name == "lines" else PARAGRAPHS_SUITE
