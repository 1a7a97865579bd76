"""Every rule of every data suite refuses what it must and accepts what it must.

A rule loosened (a character that must never occur in a line label allowed, a bound widened,
a check wired to the wrong column) fails no corruption test: those test one bad record each.
Here each suite runs, through great-expectations, on a table of probe records: a clean record
changed in one field at a time, just past each rule's limit or well past it, plus records just
within. The limits come from their own sources (the vocabulary, the model's maximum label
length, the stored-mode policy), so a suite whose thresholds drift from them fails; and every
rule of a suite must be probed, so a new rule comes with its probes.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Optional

import pytest

pytest.importorskip("great_expectations")

from text_recognizer.data.preprocess import (  # noqa: E402
    LINE_HEIGHT,
    MAX_LINE_CHARS,
    MAX_PARAGRAPH_CHARS,
)
from text_recognizer.testing.strategies import IMAGE_MODES  # noqa: E402
from text_recognizer.validation.expectations import Suite, build_suite  # noqa: E402
from text_recognizer.validation.image_stats import ImageStats  # noqa: E402
from text_recognizer.validation.suites import suite_config  # noqa: E402
from text_recognizer.validation.tables import records_table  # noqa: E402
from text_recognizer.validation.validate import run_checks  # noqa: E402
from text_recognizer.vocab import DEFAULT_VOCABULARY, NEWLINE  # noqa: E402

HELD_OUT = "held-out-writer"
#: Modes a data set may store: 8-bit, no alpha (inference accepts more; data sets may not).
STORED_MODES = {"L", "RGB"}
#: Characters a label may not hold whatever the suite: every one the vocabulary lacks, among
#: ASCII, Latin-1 and look-alikes that real pipelines leak (no-break and zero-width spaces,
#: typographic quotes and dashes, a tab, a carriage return, a line separator, an emoji).
CANDIDATES = [chr(code) for code in range(0x100)] + list(
    "\u2028\u200b\u00a0\u2019\u201c\u2013\u20ac\U0001f600"
)


@dataclass
class Probe:
    """A record changed from the clean one; ``refused_by`` names the one rule it breaks."""

    name: str
    refused_by: Optional[str]
    raw: dict[str, Any] = field(default_factory=dict)
    stats: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, name: str, refused_by: Optional[str], record: tuple[dict, dict]) -> "Probe":
        return cls(name, refused_by, *record)


def sha(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()


def height_of(kind: str) -> int:
    return LINE_HEIGHT if kind == "lines" else 4 * LINE_HEIGHT


def sized(kind: str, text: str, width: int, height: int) -> tuple[dict, dict]:
    """Raw fields and image statistics of a ``width`` x ``height`` image labelled ``text``."""
    raw = {"text": text, "width": str(width), "height": str(height)}
    rows = text.count(NEWLINE) + 1 if kind == "paragraphs" else None
    return raw, {"image_width": width, "image_height": height, "text_rows": rows}


def label(kind: str, text: str, per_pixel: float = 0.1) -> tuple[dict, dict]:
    """``text`` on an image as wide as makes ``per_pixel`` characters per pixel of a row
    scaled to the model's line height."""
    lines = text.split(NEWLINE) if kind == "paragraphs" else [text]
    height = height_of(kind)
    scaled = max(len(line) for line in lines) / per_pixel  # the longest row, at 40 px high
    return sized(kind, text, max(1, round(scaled * height / (LINE_HEIGHT * len(lines)))), height)


def of_size(kind: str, width: int, height: int, per_pixel: float = 0.1) -> tuple[dict, dict]:
    """A ``width`` x ``height`` image with a plausible one-row label (``per_pixel``)."""
    scaled = min(width * LINE_HEIGHT / height, 1024 if kind == "lines" else float("inf"))
    return sized(kind, "a" * max(1, round(per_pixel * scaled)), width, height)


def long_label(kind: str, chars: int) -> str:
    """A label of exactly ``chars`` characters, in rows of at most 64 for paragraphs."""
    if kind == "lines":
        return "a" * chars
    rows = -(-chars // 65)
    text = NEWLINE.join("a" * 64 for _ in range(rows))
    return text[:chars] if len(text) >= chars else text + "a" * (chars - len(text))


def probes(kind: str, config) -> list[Probe]:
    """The probe records of a suite: one field changed each."""
    vocabulary = DEFAULT_VOCABULARY.characters
    allowed = vocabulary if kind == "paragraphs" else vocabulary.replace(NEWLINE, "")
    max_chars = MAX_PARAGRAPH_CHARS if kind == "paragraphs" else MAX_LINE_CHARS
    low_cpp, high_cpp = config.chars_per_pixel
    found = [
        Probe.of(f"char-{ord(char):x}", "labels_in_vocabulary", label(kind, f"ab{char}cd"))
        for char in sorted(set(CANDIDATES + [NEWLINE]) - set(allowed))
        if not (char == NEWLINE and kind == "paragraphs")
    ]
    chunks = [allowed[i : i + 40] for i in range(0, len(allowed), 40)]
    found += [
        Probe.of(f"vocabulary-{i}", None, label(kind, chunk)) for i, chunk in enumerate(chunks)
    ]
    text = "abcdefghij"
    clean_width = int(label(kind, "hello world")[0]["width"])
    found += [
        Probe("empty-label", "labels_non_empty", {"text": ""}),
        Probe.of("blank-label", "labels_non_empty", label(kind, "   ")),
        Probe.of("longest-label", None, label(kind, long_label(kind, max_chars))),
        Probe.of(
            "label-too-long",
            "label_length_within_model_max",
            label(kind, long_label(kind, max_chars + 1)),
        ),
        Probe.of("cpp-at-high", None, label(kind, text, high_cpp * 0.999)),
        Probe.of("cpp-at-low", None, label(kind, text, low_cpp * 1.001)),
        Probe.of("cpp-above", "chars_per_pixel_plausible", label(kind, text, high_cpp * 1.1)),
        Probe.of("cpp-below", "chars_per_pixel_plausible", label(kind, text, low_cpp / 1.1)),
        # a character per 3 px of a 40 px line: no model reads that (CTC stride 8)
        Probe.of("cpp-unreadable", "chars_per_pixel_plausible", label(kind, text, 1 / 3)),
        Probe("id-with-space", "ids_present", {"id": "a b"}),
        Probe("id-with-slash", "ids_present", {"id": "a/b"}),
        Probe("absolute-path", "paths_inside_dataset", {"path": "/etc/x.png"}),
        Probe("escaping-path", "paths_inside_dataset", {"path": "images/../../x.png"}),
        Probe("dotted-name", None, {"path": "images/..x.png"}),
        Probe("decimal-height", "sizes_are_integers", {"height": f"{height_of(kind)}.0"}),
        Probe("short-sha", "sha256_well_formed", {"sha256": sha("x")[:63]}),
        Probe("upper-sha", "sha256_well_formed", {"sha256": sha("y").upper()}),
        Probe("unknown-split", "split_names_known", {"split": "validation"}),
        Probe("missing-file", "files_exist", stats={"file_exists": False}),
        Probe("undecodable", "images_decode", stats={"decodable": False}),
        Probe("other-file", "sha256_matches", stats={"file_sha256": sha("other")}),
        Probe("other-width", "manifest_size_matches_image", {"width": str(clean_width + 1)}),
        Probe("blank-image", "ink_present", stats={"ink_fraction": 0.0}),
        Probe("faint-image", "ink_present", stats={"ink_fraction": config.min_ink_fraction / 2}),
        Probe("black-image", "not_saturated", stats={"black_fraction": 1.0}),
        Probe("dark-image", "mean_intensity_in_range", stats={"mean_intensity": 0.1}),
        Probe("held-out-in-test", None, {"writer": HELD_OUT, "split": "test"}),
        Probe("held-out-in-train", "held_out_writers_only_in_test", {"writer": HELD_OUT}),
        Probe(
            "held-out-in-val",
            "held_out_writers_only_in_test",
            {"writer": HELD_OUT, "split": "val"},
        ),
    ]
    for mode in sorted(set(IMAGE_MODES) | STORED_MODES):
        refused = None if mode in STORED_MODES else "image_mode_supported"
        found.append(Probe(f"mode-{mode}", refused, stats={"mode": mode}))
    (low_width, high_width), (low_height, high_height) = config.image_width, config.image_height
    found += [
        Probe.of("narrowest", None, of_size(kind, low_width, height_of(kind))),
        Probe.of(
            "too-narrow", "image_size_in_range", of_size(kind, low_width - 1, height_of(kind))
        ),
        Probe.of("too-wide", "image_size_in_range", of_size(kind, high_width + 1, height_of(kind))),
        Probe.of("too-low", "image_size_in_range", of_size(kind, 200, low_height - 1)),
        Probe.of(
            "too-high",
            "image_size_in_range",
            of_size(kind, min(high_height * 10, high_width), high_height + 1),
        ),
    ]
    if kind == "paragraphs":
        # six label lines: max(1, 25 %) = 2 rows of slack; 3 rows seen is one too few
        raw, stats = label(kind, NEWLINE.join(["abcdefgh"] * 6), 0.05)
        found += [
            Probe("rows-within-slack", None, raw, {**stats, "text_rows": 4}),
            Probe("rows-missing", "text_lines_match_rows", raw, {**stats, "text_rows": 3}),
        ]
    return found


def clean(kind: str, name: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """A clean record (raw manifest fields, image statistics) that every rule accepts."""
    raw, geometry = label(kind, "hello world")
    raw.update(
        id=name,
        path=f"images/{name}.png",
        sha256=sha(name),
        writer="writer",
        split="train",
        source="synthetic",
        generator_version="probe",
    )
    stats = {
        "file_exists": True,
        "file_sha256": sha(name),
        "decodable": True,
        "mode": "L",
        "bit_depth": 8,
        "mean_intensity": 0.85,
        "contrast": 0.2,
        "ink_fraction": 0.1,
        "black_fraction": 0.05,
        **geometry,
    }
    return raw, stats


def probe_table(kind: str, config, found: list[Probe]):
    """The records table of the probes (through the same code as a real data set's)."""
    rows, stats = [], []
    for probe in found:
        raw, image = clean(kind, probe.name)
        raw.update(probe.raw)
        image.update(probe.stats)
        if "sha256" in probe.raw:  # a malformed hash in the manifest, not a different file
            image["file_sha256"] = probe.raw["sha256"]
        rows.append(raw)
        stats.append(ImageStats(**image))
    return records_table(config, rows, stats, frozenset({HELD_OUT}))


@pytest.fixture(scope="module", params=["lines", "paragraphs", "iam-lines"])
def suite_run(request):
    """Each suite's record rules run once over its probe table."""
    kind = "lines" if request.param == "iam-lines" else request.param
    config = suite_config("iam" if request.param.startswith("iam") else kind, kind)
    suite = build_suite(config)
    records_only = Suite(config, tuple(c for c in suite.checks if c.table == "records"))
    found = probes(kind, config)
    outcomes, _ = run_checks(records_only, {"records": probe_table(kind, config, found)})
    return records_only, found, {outcome.name: outcome for outcome in outcomes}


def test_every_record_rule_of_every_suite_has_a_probe_it_must_refuse(suite_run):
    suite, found, _ = suite_run
    unprobed = set(suite.names) - {probe.refused_by for probe in found} - UNIQUENESS_RULES
    assert not unprobed, f"rules without a probe: {sorted(unprobed)}"


#: Rules over several records at once, probed by the corruption tests instead.
UNIQUENESS_RULES = {
    "ids_unique",
    "no_duplicate_images_within_split",
    "no_duplicate_images_across_splits",
}


def test_each_rule_refuses_exactly_the_probes_that_break_it(suite_run):
    suite, found, outcomes = suite_run
    expected = Counter(probe.refused_by for probe in found if probe.refused_by)
    got = {
        name: outcome.unexpected_count for name, outcome in outcomes.items() if not outcome.success
    }
    assert got == dict(expected), "\n".join(
        f"{name}: refused {got.get(name, 0)} probe(s), expected {expected.get(name, 0)}"
        for name in sorted(set(got) | set(expected))
        if got.get(name, 0) != expected.get(name, 0)
    )


def test_no_probe_within_the_limits_is_refused(suite_run):
    _, found, outcomes = suite_run
    accepted = {probe.name for probe in found if probe.refused_by is None}
    flagged = {i for outcome in outcomes.values() for i in outcome.sample_ids}
    assert not accepted & flagged
