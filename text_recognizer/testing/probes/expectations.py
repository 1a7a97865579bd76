"""Probes of the data-validation stage: suites and their thresholds, per-image statistics, the
tables the suites run on, split distances, and which expectation a clean, corrupted, shifted or
just-at-the-limit data set passes or fails (great-expectations runs are built once and shared).
"""

from __future__ import annotations

import csv
import dataclasses
import functools
import hashlib
import io
import json
import re
import shutil
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any, Callable

import numpy as np
from PIL import Image

from text_recognizer.data.fake import render_fake, write_fake_manifest
from text_recognizer.data.manifest import COLUMNS, MANIFEST_CSV, write_image_record, write_manifest
from text_recognizer.io import encode_png
from text_recognizer.testing.probes import outcome, probe
from text_recognizer.testing.probes.calls import memoised

NEEDS = ("great_expectations", "pandas")
#: Results of the expensive steps (GX runs, data sets written and measured), built once.
HELD_OUT = "held-out"


def _r(value: Any, digits: int = 5) -> float:
    """A rounded float; ``None`` (and NaN) as -1 so a change to or from missing shows."""
    if value is None or (isinstance(value, float) and value != value):
        return -1.0
    return round(float(value), digits)


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _plain(value: str) -> str:
    """A reported value without numpy's type wrappers, hashes masked, long floats rounded."""
    value = re.sub(r"np\.\w+\(([^()]*)\)", r"\1", value)
    value = re.sub(r"[0-9a-f]{64}", "<sha256>", value)
    value = re.sub(r"[0-9A-F]{64}", "<SHA256>", value)
    return re.sub(r"\d+\.\d{6,}", lambda m: f"{float(m.group()):.5g}", value)


def _drawn_line(chars: int, paper: int, ink: int, stroke: int, seed: int) -> Image.Image:
    """A 40 px high "line" of ``chars`` dark blocks, 10 px of width per character."""
    rng = np.random.default_rng(seed)
    array = np.full((40, 10 * chars), paper, dtype=np.uint8)
    for k in range(chars):
        left, top = 10 * k + 3 + int(rng.integers(0, 2)), 10 + int(rng.integers(0, 4))
        array[top : top + 18, left : left + stroke] = ink
    return Image.fromarray(array)


def _flags(outcomes: Any, ids: dict[str, list[str]]) -> dict[str, str]:
    """Per case, the failed expectations whose sample ids hold one of the case's ids."""
    result = {}
    for case, case_ids in ids.items():
        names = [o.name for o in outcomes if not o.success and set(case_ids) & set(o.sample_ids)]
        result[case] = ";".join(names) or "-"
    return result


def _outcome_table(outcomes: Any) -> dict[str, Any]:
    return {
        "names": [o.name for o in outcomes],
        "success": np.array([o.success for o in outcomes]),
        "unexpected": np.array([o.unexpected_count for o in outcomes]),
        "elements": np.array([o.element_count for o in outcomes]),
    }


def _tables(root: Path, suite: str = "auto") -> dict[str, Any]:
    """The three tables of ``root`` built the way ``validate_dataset`` builds them (no GX)."""
    from text_recognizer.validation.image_stats import compute_all_stats
    from text_recognizer.validation.suites import suite_config
    from text_recognizer.validation.tables import records_table, split_pairs_table, splits_table
    from text_recognizer.validation.validate import held_out_writers, image_file, read_raw_manifest

    metadata, rows = read_raw_manifest(root)
    kind = str(metadata.get("kind", "lines"))
    config = suite_config(suite, kind, frozenset(row.get("source") or "" for row in rows))
    base = str(root.resolve())
    stats = compute_all_stats([image_file(base, row.get("path")) for row in rows], workers=1)
    held = held_out_writers(metadata, rows, config.writers_disjoint_by_split)
    records = records_table(config, rows, stats, held)
    fractions = metadata.get("split_fractions")
    return {
        "config": config,
        "records": records,
        "splits": splits_table(config, records, fractions) if fractions else None,
        "split_pairs": split_pairs_table(config, records),
    }


def _pair_values(pairs: Any) -> dict[str, Any]:
    columns = [c for c in pairs.columns if c != "pair"]
    return {
        "pairs": list(pairs["pair"]) or ["none"],
        "columns": columns,
        "values": np.array([[_r(v, 4) for v in pairs[c]] for c in columns]),
    }


# -- suites, distances, statistics: no great-expectations run -----------------------------------


@probe("expectations/suite_configs", requires=NEEDS)
def suite_configs() -> dict[str, Any]:
    """Each suite's thresholds as ``suite_config`` picks them, and the combinations refused."""
    from text_recognizer.validation.suites import SUITE_NAMES, suite_config

    picks = {
        "auto_lines": ("auto", "lines", frozenset()),
        "auto_paragraphs": ("auto", "paragraphs", frozenset()),
        "auto_iam_lines": ("auto", "lines", frozenset({"iam"})),
        "auto_mixed_lines": ("auto", "lines", frozenset({"iam", "synthetic"})),
        "iam_paragraphs": ("iam", "paragraphs", frozenset()),
    }
    out: dict[str, Any] = {"suite_names": list(SUITE_NAMES)}
    for key, args in picks.items():
        c = suite_config(*args)
        out[key] = {
            "name": f"{c.name}/{c.kind}",
            "modes": list(c.supported_modes),
            "disjoint": c.writers_disjoint_by_split,
            "newline_allowed": "\n" in c.characters,
            "num_characters": len(c.characters),
            "numbers": [
                c.max_chars,
                *c.chars_per_pixel,
                *c.image_width,
                *c.image_height,
                *c.mean_intensity,
                c.min_ink_fraction,
                c.max_black_fraction,
                c.rows_tolerance,
                c.split_tolerance,
                c.label_length_ks_floor,
                c.image_ks_floor,
                c.char_tvd_floor,
            ],
        }
    out["line_characters"] = suite_config("lines", "lines").characters
    refused = {
        "lines_on_paragraphs": lambda: suite_config("lines", "paragraphs"),
        "paragraphs_on_lines": lambda: suite_config("paragraphs", "lines"),
        "unknown_suite": lambda: suite_config("words", "lines"),
        "unknown_kind": lambda: suite_config("auto", "pages"),
    }
    out["refused"] = [outcome(attempt) for attempt in refused.values()]
    return out


@probe("expectations/suite_checks", requires=NEEDS)
def suite_checks() -> dict[str, Any]:
    """Every check of the lines suite (name, table, GX class, arguments), the other suites'
    names, and what the vocabulary regex accepts."""
    from text_recognizer.validation.expectations import build_suite, vocabulary_regex
    from text_recognizer.validation.suites import LINES_SUITE, PARAGRAPHS_SUITE, suite_config

    lines = build_suite(LINES_SUITE)
    described = []
    for check in lines.checks:
        kwargs = {k: v for k, v in check.kwargs.items() if k != "regex" or len(v) < 80}
        described.append(
            f"{check.name}|{check.table}|{check.expectation}|{json.dumps(kwargs, sort_keys=True)}"
        )
    paragraphs = build_suite(PARAGRAPHS_SUITE)
    without = build_suite(LINES_SUITE, with_split_shares=False)
    iam = build_suite(suite_config("iam", "lines"))
    regex = vocabulary_regex("ab-]\\")
    vocabulary = next(c for c in lines.checks if c.name == "labels_in_vocabulary")
    samples = ["", "ab", "a-b]\\", "abc", "ab\n", "a b", "\\\\]"]
    return {
        "lines_checks": described,
        "lines_descriptions": [check.description for check in lines.checks],
        "paragraph_names": paragraphs.names,
        "paragraph_only": sorted(set(paragraphs.names) - set(lines.names)),
        "counts": [len(lines.checks), len(without.checks), len(paragraphs.checks), len(iam.checks)],
        "tables": [
            sum(c.table == t for c in lines.checks) for t in ("records", "splits", "split_pairs")
        ],
        "without_shares_dropped": sorted(set(lines.names) - set(without.names)),
        "regex": regex,
        "regex_matches": np.array([bool(re.search(regex, s)) for s in samples]),
        "line_vocabulary_matches": np.array(
            [
                bool(re.search(vocabulary.kwargs["regex"], s))
                for s in ["Hello, world!", "a\nb", "é", "tab\there", "  ", "#&'()*+,-./:;?"]
            ]
        ),
    }


@probe("expectations/split_distances", requires=NEEDS)
def split_distances() -> dict[str, Any]:
    """KS distances and limits, total variation and its noise limit, on fixed and drawn samples."""
    from text_recognizer.validation.split_distances import (
        KS_C_ALPHA,
        TVD_NOISE_FACTOR,
        ks_limit,
        ks_statistic,
        total_variation,
        tvd_limit,
    )

    pairs = [
        ([1, 2, 3], [1, 2, 3]),
        ([0, 0], [1, 1]),
        ([1, 2, 3, 4], [2, 3, 4, 5]),
        ([1, 1, 2], [1, 2, 2]),
        ([0, 1], [0, 0, 0, 1]),
        ([5.0], [1, 2, 3, 4, 5, 6]),
        ([3, 1, 2], [2, 3, 1]),
    ]
    sizes = [(4, 32), (10, 10), (12, 12), (30, 30), (100, 100), (400, 400), (100_000, 100_000)]
    rng = np.random.default_rng(7)
    same = [ks_statistic(rng.normal(size=20), rng.normal(size=20)) for _ in range(200)]
    shifted = [ks_statistic(rng.normal(size=20), rng.normal(1.0, size=20)) for _ in range(200)]
    limit20 = ks_limit(20, 20, 0.0)
    counters = [
        (Counter("aab"), Counter("abb")),
        (Counter("abc"), Counter("abc")),
        (Counter("aaaa"), Counter("bbbb")),
        (Counter("hello world"), Counter("world hello")),
        (Counter("abcdefgh" * 3), Counter("abcdefgh" * 50)),
        (Counter("abcdefghij" * 100), Counter("abcdefghik" * 100)),
        (Counter("abcdefghij" * 2000), Counter("abcdefghij" * 1900 + "k" * 1000)),
    ]
    return {
        "constants": [KS_C_ALPHA, TVD_NOISE_FACTOR],
        "ks": np.array([ks_statistic(a, b) for a, b in pairs]),
        "ks_limit_floor_0_1": np.array([ks_limit(n, m, 0.1) for n, m in sizes]),
        "ks_limit_floor_0_3": np.array([ks_limit(n, m, 0.3) for n, m in sizes]),
        "drawn_same": [float(np.mean(same)), float(np.max(same))],
        "drawn_shifted": [float(np.mean(shifted)), float(np.min(shifted))],
        "share_past_limit": [
            float(np.mean(np.array(same) > limit20)),
            float(np.mean(np.array(shifted) > limit20)),
        ],
        "tvd": np.array([total_variation(a, b) for a, b in counters]),
        "tvd_limit_floor_0": np.array([tvd_limit(a, b, 0.0) for a, b in counters]),
        "tvd_limit_floor_0_1": np.array([tvd_limit(a, b, 0.1) for a, b in counters]),
    }


def _gray_images() -> dict[str, np.ndarray]:
    bar = np.full((20, 40), 255, dtype=np.uint8)
    bar[8:12, 5:35] = 0
    gray = np.full((40, 60), 200, dtype=np.uint8)
    gray[6:12, 4:56] = 60
    gray[24:31, 4:40] = 60
    rows3 = np.full((60, 80), 240, dtype=np.uint8)
    for top in (5, 25, 45):
        rows3[top : top + 8, 6:74:3] = 30
    level32 = np.full((20, 40), 255, dtype=np.uint8)
    level32[5:15, 5:25] = 32
    level33 = level32.copy()
    level33[5:15, 5:25] = 33
    noisy = np.clip(np.random.default_rng(3).normal(220, 8, (30, 50)), 0, 255).astype(np.uint8)
    noisy[12:18, 5:45] = 40
    return {
        "bar": bar,
        "bar_inverted": 255 - bar,
        "gray_two_rows": gray,
        "three_rows": rows3,
        "blank": np.full((20, 40), 230, dtype=np.uint8),
        "black_at_level_32": level32,
        "black_past_level_33": level33,
        "noisy": noisy,
        "all_black": np.zeros((16, 16), dtype=np.uint8),
    }


@probe("expectations/gray_statistics", requires=NEEDS)
def gray_statistics_probe() -> dict[str, Any]:
    """Intensity, contrast, ink, black share and text rows of drawn images (and row counts of
    masks), including the black level's boundary and an inverted page."""
    from text_recognizer.validation.image_stats import (
        BLACK_LEVEL,
        count_text_rows,
        gray_statistics,
    )

    out: dict[str, Any] = {"black_level": BLACK_LEVEL}
    for name, array in _gray_images().items():
        stats = gray_statistics(Image.fromarray(array), rows=True)
        out[name] = [
            _r(stats["mean_intensity"]),
            _r(stats["contrast"]),
            _r(stats["ink_fraction"]),
            _r(stats["black_fraction"]),
            stats["text_rows"],
        ]
    out["no_rows_key"] = sorted(gray_statistics(_gray_images()["bar"]))
    masks = {
        "empty": np.zeros((30, 10), dtype=bool),
        "two": np.pad(np.ones((6, 10), dtype=bool), ((2, 22), (0, 0))),
        "close_pair": np.zeros((40, 10), dtype=bool),
        "five": np.zeros((100, 10), dtype=bool),
    }
    masks["two"][15:22] = True
    masks["close_pair"][5:15] = True
    masks["close_pair"][16:26] = True
    for top in range(5, 100, 20):
        masks["five"][top : top + 8, : 10 if top != 45 else 2] = True
    out["rows_of_masks"] = np.array([count_text_rows(m) for m in masks.values()])
    grid = []
    for covered in (1, 2, 3):  # the middle of five rows inked over 1, 2 or 3 of 10 columns
        mask = masks["five"].copy()
        mask[45:53] = False
        mask[45:53, :covered] = True
        grid.append([count_text_rows(mask, threshold) for threshold in (0.1, 0.25, 0.9)])
    out["rows_partial_row_by_threshold"] = np.array(grid)
    return out


@probe("expectations/image_files", requires=NEEDS)
def image_files() -> dict[str, Any]:
    """``compute_image_stats`` on files of each mode and on broken, missing and non-image
    paths: what exists, decodes, its mode, depth, size and statistics."""
    from text_recognizer.validation.image_stats import (
        STAT_COLUMNS,
        compute_all_stats,
        compute_image_stats,
    )
    from text_recognizer.validation.validate import image_file

    base = _gray_images()["gray_two_rows"]
    images = {
        "L": Image.fromarray(base),
        "RGB": Image.fromarray(base).convert("RGB"),
        "RGBA": Image.fromarray(base).convert("RGBA"),
        "I16": Image.fromarray(base.astype(np.uint16) * 257),
        "one_bit": Image.fromarray(base).point(lambda v: 255 if v > 128 else 0).convert("1"),
        "P": Image.fromarray(base).convert("P"),
        "LA": Image.fromarray(base).convert("LA"),
    }
    out: dict[str, Any] = {"stat_columns": list(STAT_COLUMNS)}
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        paths = {}
        for name, image in images.items():
            paths[name] = root / f"{name}.png"
            paths[name].write_bytes(encode_png(image))
        data = paths["L"].read_bytes()
        (root / "truncated.png").write_bytes(data[: len(data) // 2])
        (root / "text.png").write_bytes(b"not an image at all")
        (root / "folder.png").mkdir()
        for name in ("truncated", "text", "folder", "missing"):
            paths[name] = root / f"{name}.png"
        listed = list(paths.values())
        stats = compute_all_stats(listed, rows=True, workers=2)
        hashes_match = [
            s.file_sha256 == (hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else None)
            for p, s in zip(listed, stats)
        ]
    for name, s in zip(paths, stats):
        error = (s.decode_error or "-").split(":")[0]
        out[name] = {
            "facts": f"exists={s.file_exists} decodes={s.decodable} mode={s.mode} error={error}",
            "numbers": [
                -1 if s.bit_depth is None else s.bit_depth,
                -1 if s.image_width is None else s.image_width,
                -1 if s.image_height is None else s.image_height,
                _r(s.mean_intensity),
                _r(s.contrast),
                _r(s.ink_fraction),
                _r(s.black_fraction),
                -1 if s.text_rows is None else s.text_rows,
            ],
        }
    out["hashes_match"] = np.array(hashes_match)
    # a manifest path leaving the folder is mapped to a name holding NUL ("never read")
    outside = image_file("/data", "../x.png")
    out["outside_path"] = outcome(lambda: compute_image_stats(outside))
    return out


def _row(name: str, text: str, w: int, h: int, **fields: Any) -> tuple[dict, dict]:
    """Raw manifest fields and image statistics of a plausible record, ``fields`` changed
    (keys of the image statistics go to the statistics, the others to the raw fields)."""
    raw = {
        "id": name,
        "path": f"images/{name}.png",
        "sha256": _sha(name),
        "width": str(w),
        "height": str(h),
        "text": text,
        "writer": "w",
        "split": "train",
        "source": "probe",
        "generator_version": "",
    }
    stats = {
        "file_exists": True,
        "file_sha256": _sha(name),
        "decodable": True,
        "decode_error": None,
        "image_width": w,
        "image_height": h,
        "mode": "L",
        "bit_depth": 8,
        "mean_intensity": 0.85,
        "contrast": 0.2,
        "ink_fraction": 0.1,
        "black_fraction": 0.05,
        "text_rows": None,
    }
    for key, value in fields.items():
        (stats if key in stats else raw)[key] = value
    return raw, stats


def _records(config: Any, cases: list[tuple[dict, dict]], held: frozenset = frozenset()) -> Any:
    from text_recognizer.validation.image_stats import ImageStats
    from text_recognizer.validation.tables import records_table

    rows = [raw for raw, _ in cases]
    return records_table(config, rows, [ImageStats(**stats) for _, stats in cases], held)


@probe("expectations/records_table", requires=NEEDS)
def records_table_probe() -> dict[str, Any]:
    """The records table's columns and derived quantities (label geometry, characters per pixel,
    rows beyond tolerance, held-out and cross-split flags) for lines and paragraphs."""
    from text_recognizer.validation.suites import LINES_SUITE, PARAGRAPHS_SUITE

    para = "abcd efgh\nij\nklmnop qrst"
    lines = [
        _row("plain", "hello world", 110, 40),
        _row("tall", "hello world", 300, 60),
        _row("capped", "a" * 100, 9000, 40),
        _row("empty", "", 110, 40),
        _row("decimal", "abc", 110, 40, width="110.0", height="x"),
        _row("held", "abc", 60, 40, writer=HELD_OUT),
        _row("held_test", "abc", 60, 40, writer=HELD_OUT, split="test"),
        _row("copy_a", "abc", 60, 40, sha256=_sha("same")),
        _row("copy_b", "abc", 60, 40, sha256=_sha("same"), split="val"),
        _row("missing", "abc", 60, 40, file_exists=False, image_width=None, image_height=None),
    ]
    table = _records(LINES_SUITE, lines, frozenset({HELD_OUT}))
    paragraphs = [
        _row("p_exact", para, 180, 120, text_rows=3),
        _row("p_one_more", para, 180, 120, text_rows=4),
        _row("p_two_more", para, 180, 120, text_rows=5),
        _row("p_no_rows", para, 180, 120, text_rows=0),
        _row("p_many", "\n".join(["ab"] * 20), 100, 800, text_rows=25),
        _row("p_many_6", "\n".join(["ab"] * 20), 100, 800, text_rows=26),
        _row("p_empty", "", 100, 100, text_rows=1),
    ]
    ptable = _records(PARAGRAPHS_SUITE, paragraphs)

    def ints(frame: Any, column: str) -> np.ndarray:
        return np.array([-1 if v is None or v != v else int(v) for v in frame[column]])

    return {
        "columns": list(table.columns),
        "shape": list(table.shape),
        "lines": {
            "text_length": ints(table, "text_length"),
            "label_lines": ints(table, "label_lines"),
            "width_px": ints(table, "width_px"),
            "height_px": ints(table, "height_px"),
            "chars_per_pixel": np.array([_r(v) for v in table["chars_per_pixel"]]),
            "held_out_outside_test": np.array(list(table["held_out_writer_outside_test"])),
            "hash_in_other_split": np.array(list(table["hash_in_other_split"])),
        },
        "paragraphs": {
            "label_lines": ints(ptable, "label_lines"),
            "longest_line": ints(ptable, "longest_line"),
            "rows_beyond_tolerance": ints(ptable, "rows_beyond_tolerance"),
            "chars_per_pixel": np.array([_r(v) for v in ptable["chars_per_pixel"]]),
        },
    }


@probe("expectations/splits_table", requires=NEEDS)
def splits_table_probe() -> dict[str, Any]:
    """Split counts, shares, tolerances (floor or three standard errors) and the excess, for
    shares on target, off target, a split left empty and an unknown split name."""
    import pandas as pd

    from text_recognizer.validation.suites import LINES_SUITE
    from text_recognizer.validation.tables import splits_table

    def table(splits: list[str], fractions: dict[str, float]) -> dict[str, Any]:
        frame = splits_table(LINES_SUITE, pd.DataFrame({"split": splits}), fractions)
        return {
            "split": list(frame["split"]),
            "count": np.array(frame["count"]),
            "numbers": np.array(
                [
                    [_r(v) for v in frame[c]]
                    for c in ("share", "expected_share", "tolerance", "share_beyond_tolerance")
                ]
            ),
        }

    return {
        "on_target": table(["train"] * 8 + ["val"] + ["test"], {"train": 0.8, "val": 0.1}),
        "large_on_target": table(
            ["train"] * 8000 + ["val"] * 1000 + ["test"] * 1000,
            {"train": 0.8, "val": 0.1, "test": 0.1},
        ),
        "off_target": table(
            ["train"] * 900 + ["val"] * 100, {"train": 0.8, "val": 0.1, "test": 0.1}
        ),
        "empty_and_unknown": table(
            ["train"] * 6 + ["validation"] * 2, {"train": 0.6, "val": 0.2, "test": 0.2}
        ),
    }


# -- data sets on disk: shifted splits and an empty one (tables, then one GX run) ---------------


def _write_drawn_set(
    root: Path, splits: dict[str, dict[str, Any]], fractions: dict[str, float], seed: int
) -> None:
    """A lines data set of drawn images; per split: count, lengths, alphabet, paper, stroke."""
    rng = np.random.default_rng(seed)
    records = []
    for split, spec in splits.items():
        for index in range(spec["count"]):
            chars = int(rng.integers(spec["lengths"][0], spec["lengths"][1] + 1))
            text = "".join(rng.choice(list(spec["alphabet"]), size=chars))
            image = _drawn_line(chars, spec["paper"], 20, spec["stroke"], seed * 1000 + index)
            records.append(
                write_image_record(
                    root, f"{split}-{index}", image, text, f"w{index % 3}", split, "drawn"
                )
            )
    write_manifest(root, records, {"kind": "lines", "split_fractions": fractions})


def _shift_sets() -> dict[str, dict[str, Any]]:
    """Three drawn data sets: shifted intensity (val) and characters (test); longer labels
    (val) with an empty test split; thicker strokes (val) with an unshifted test split."""
    lower = "abcdefghijklmnopqrstuvwxyz"
    base = {"count": 10, "lengths": (8, 12), "alphabet": lower, "paper": 235, "stroke": 2}
    sets = {
        "S1": {"train": base, "val": {**base, "paper": 150}, "test": {**base, "alphabet": "0123"}},
        "S2": {"train": base, "val": {**base, "lengths": (20, 24)}},
        "S3": {"train": base, "val": {**base, "stroke": 6}, "test": base},
    }
    fractions = {"S1": (0.34, 0.33, 0.33), "S2": (0.5, 0.25, 0.25), "S3": (0.8, 0.1, 0.1)}
    out = {}
    with tempfile.TemporaryDirectory() as folder:
        for seed, (name, splits) in enumerate(sets.items(), start=1):
            root = Path(folder) / name
            shares = dict(zip(("train", "val", "test"), fractions[name]))
            _write_drawn_set(root, splits, shares, seed)
            out[name] = _tables(root)
    return out


def _threshold_cases() -> list[tuple[dict, dict]]:
    """Records of the lines suite each changed in one field: at a limit, or just past it."""
    cases = [
        _row("clean", "hello world", 110, 40),
        _row("cpp_at_max", "a" * 20, 100, 40),
        _row("cpp_past_max", "a" * 20, 99, 40),
        _row("cpp_at_min", "ab", 80, 40),
        _row("cpp_past_min", "ab", 81, 40),
        _row("len_at_max", "a" * 128, 1280, 40),
        _row("len_past_max", "a" * 129, 1290, 40),
        _row("width_at_min", "ab", 16, 40),
        _row("width_past_min", "ab", 15, 40),
        _row("width_at_max", "a" * 100, 8000, 40),
        _row("width_past_max", "a" * 100, 8001, 40),
        _row("height_at_min", "a" * 25, 100, 16),
        _row("height_past_min", "a" * 27, 100, 15),
        _row("height_at_max", "a" * 10, 1000, 400),
        _row("height_past_max", "a" * 10, 1000, 401),
        _row("ink_at_min", "hello world", 110, 40, ink_fraction=0.005),
        _row("ink_past_min", "hello world", 110, 40, ink_fraction=0.0049),
        _row("black_at_max", "hello world", 110, 40, black_fraction=0.35),
        _row("black_past_max", "hello world", 110, 40, black_fraction=0.3501),
        _row("mean_at_min", "hello world", 110, 40, mean_intensity=0.35),
        _row("mean_past_min", "hello world", 110, 40, mean_intensity=0.3499),
        _row("mean_at_max", "hello world", 110, 40, mean_intensity=1.0),
        _row("mean_past_max", "hello world", 110, 40, mean_intensity=1.0001),
        _row("char_e_acute", "héllo", 110, 40),
        _row("char_newline", "ab\ncd", 110, 40),
        _row("char_tab", "ab\tcd", 110, 40),
        _row("char_euro", "5 €", 110, 40),
        _row("char_nbsp", "a\u00a0b", 110, 40),
        _row("punctuation_ok", "Hi, you! (2+3)? \"#&'*-./:;", 300, 40),
        _row("blank_label", "   ", 110, 40),
        _row("empty_label", "", 110, 40),
        _row("mode_rgb", "hello world", 110, 40, mode="RGB", bit_depth=8),
        _row("mode_rgba", "hello world", 110, 40, mode="RGBA"),
        _row("mode_i16", "hello world", 110, 40, mode="I;16", bit_depth=16),
        _row("mode_p", "hello world", 110, 40, mode="P"),
        _row("held_in_train", "hello world", 110, 40, writer=HELD_OUT),
        _row("held_in_val", "hello world", 110, 40, writer=HELD_OUT, split="val"),
        _row("held_in_test", "hello world", 110, 40, writer=HELD_OUT, split="test"),
        _row("decimal_width", "hello world", 110, 40, width="110.0"),
        _row("zero_height", "hello world", 110, 40, height="0"),
        _row("size_mismatch", "hello world", 110, 40, width="111"),
        _row("unknown_split", "hello world", 110, 40, split="validation"),
        _row("absolute_path", "hello world", 110, 40, path="/data/x.png"),
        _row("escaping_path", "hello world", 110, 40, path="images/../../x.png"),
        _row("dotted_name_ok", "hello world", 110, 40, path="images/..x.png"),
        _row(
            "short_sha", "hello world", 110, 40, sha256=_sha("s")[:63], file_sha256=_sha("s")[:63]
        ),
        _row("other_file", "hello world", 110, 40, file_sha256=_sha("other")),
        _row("missing_file", "hello world", 110, 40, file_exists=False, decodable=None),
        _row("undecodable", "hello world", 110, 40, decodable=False),
        _row("space id", "hello world", 110, 40),
        _row("dup_id", "hello world", 110, 40),
        _row("dup_id", "hello world", 110, 40, sha256=_sha("dup2"), file_sha256=_sha("dup2")),
        _row("same_a", "hello world", 110, 40, sha256=_sha("same"), file_sha256=_sha("same")),
        _row("same_b", "hello world", 110, 40, sha256=_sha("same"), file_sha256=_sha("same")),
        _row("cross_a", "hello world", 110, 40, sha256=_sha("x"), file_sha256=_sha("x")),
        _row(
            "cross_b", "hello world", 110, 40, sha256=_sha("x"), file_sha256=_sha("x"), split="test"
        ),
    ]
    return cases


def _crafted_splits() -> Any:
    import pandas as pd

    return pd.DataFrame(
        {
            "split": ["at_limit", "past_limit", "within", "missing"],
            "share_beyond_tolerance": [0.0, 1e-12, -0.5, None],
        }
    )


def _crafted_pairs() -> Any:
    import pandas as pd

    from text_recognizer.validation.tables import IMAGE_DISTRIBUTIONS

    rows = []
    for name, value in (("at_limit", 0.5), ("past_limit", 0.5 + 1e-12), ("within", 0.1)):
        row: dict[str, Any] = {"pair": name}
        row.update(label_length_ks=value, label_length_ks_limit=0.5)
        row.update(char_tvd=value, char_tvd_limit=0.5)
        for check in IMAGE_DISTRIBUTIONS:
            row.update({f"{check}_ks": value, f"{check}_ks_limit": 0.5})
        rows.append(row)
    rows.append({"pair": "missing", "label_length_ks": 0.9})  # no limit: ignored
    return pd.DataFrame(rows)


def _threshold_run() -> dict[str, Any]:
    """One GX run of the whole lines suite: the threshold records, crafted split and pair rows
    at and past their limits, and the shifted data sets' split and pair rows (keys prefixed)."""
    import pandas as pd

    from text_recognizer.validation.expectations import build_suite
    from text_recognizer.validation.suites import LINES_SUITE
    from text_recognizer.validation.validate import run_checks

    shifted = memoised("shift_sets", _shift_sets)
    splits, pairs = [_crafted_splits()], [_crafted_pairs()]
    for name, tables in shifted.items():
        part = tables["splits"].copy()
        part["split"] = name + ":" + part["split"]
        splits.append(part)
        part = tables["split_pairs"].copy()
        part["pair"] = name + ":" + part["pair"]
        pairs.append(part)
    tables = {
        "records": _records(LINES_SUITE, _threshold_cases(), frozenset({HELD_OUT})),
        "splits": pd.concat(splits, ignore_index=True),
        "split_pairs": pd.concat(pairs, ignore_index=True),
    }
    outcomes, skipped = run_checks(build_suite(LINES_SUITE), tables)
    return {"outcomes": outcomes, "skipped": skipped, "tables": tables}


@probe("expectations/record_thresholds", requires=NEEDS)
def record_thresholds() -> dict[str, Any]:
    """Through GX: which record rule refuses each record at a limit (accepted) or just past it
    (refused), each character that must never occur, each bad mode, path, hash and id."""
    run = memoised("threshold_run", _threshold_run)
    records = [o for o in run["outcomes"] if o.table == "records"]
    ids = {raw["id"]: [raw["id"]] for raw, _ in _threshold_cases()}
    return {
        **_outcome_table(records),
        "flagged": _flags(records, ids),
        "skipped": run["skipped"] or ["none"],
    }


@probe("expectations/split_and_pair_limits", requires=NEEDS)
def split_and_pair_limits() -> dict[str, Any]:
    """Through GX: a split share or a distribution distance exactly at its limit passes, a hair
    past it fails, a row without a limit is ignored."""
    run = memoised("threshold_run", _threshold_run)
    rest = [o for o in run["outcomes"] if o.table != "records"]
    ids = {name: [name] for name in ("at_limit", "past_limit", "within", "missing")}
    return {
        "names": [o.name for o in rest],
        "unexpected": np.array([o.unexpected_count for o in rest]),
        "elements": np.array([o.element_count for o in rest]),
        "flagged": _flags(rest, ids),
    }


@probe("expectations/distribution_shifts", requires=NEEDS)
def distribution_shifts() -> dict[str, Any]:
    """Shifted intensity, characters, label lengths and stroke width in one split, and an empty
    split: the distances and limits, the split shares, and which checks flag which pair."""
    run = memoised("threshold_run", _threshold_run)
    shifted = memoised("shift_sets", _shift_sets)
    rest = [o for o in run["outcomes"] if o.table != "records"]
    out: dict[str, Any] = {}
    keys = []
    for name, tables in shifted.items():
        pairs, splits = tables["split_pairs"], tables["splits"]
        keys += [f"{name}:{p}" for p in pairs["pair"]] + [f"{name}:{s}" for s in splits["split"]]
        out[name] = {
            **_pair_values(pairs),
            "split_counts": np.array(splits["count"]),
            "share_beyond_tolerance": np.array([_r(v) for v in splits["share_beyond_tolerance"]]),
            "records": len(tables["records"]),
        }
    out["flagged"] = _flags(rest, {key: [key] for key in keys})
    return out


def _paragraph_run() -> dict[str, Any]:
    from text_recognizer.validation.expectations import Suite, build_suite
    from text_recognizer.validation.suites import PARAGRAPHS_SUITE
    from text_recognizer.validation.validate import run_checks

    wanted = {
        "labels_in_vocabulary",
        "label_length_within_model_max",
        "chars_per_pixel_plausible",
        "image_size_in_range",
        "text_lines_match_rows",
    }
    suite = build_suite(PARAGRAPHS_SUITE)
    subset = Suite(PARAGRAPHS_SUITE, tuple(c for c in suite.checks if c.name in wanted))
    four = "\n".join(["abcdefgh"] * 4)
    longest = "\n".join(["a" * 63] * 8)
    cases = [
        _row("clean", "abcd efgh\nijkl mnop", 180, 80, text_rows=2),
        _row("rows_one_more", four, 100, 160, text_rows=5),
        _row("rows_two_more", four, 100, 160, text_rows=6),
        _row("rows_one_less", four, 100, 160, text_rows=3),
        _row("rows_two_less", four, 100, 160, text_rows=2),
        _row("rows_none", four, 100, 160, text_rows=0),
        _row("len_at_max", longest + "a", 640, 320, text_rows=8),
        _row("len_past_max", longest + "aa", 640, 320, text_rows=8),
        _row("width_at_min", "ab", 32, 40, text_rows=1),
        _row("width_past_min", "ab", 31, 40, text_rows=1),
        _row("height_at_min", "a" * 12, 100, 32, text_rows=1),
        _row("height_past_min", "a" * 12, 100, 31, text_rows=1),
        _row("cpp_too_high", "abcdefgh", 40, 80, text_rows=1),
        _row("char_return", "ab\rcd", 100, 40, text_rows=1),
    ]
    records = _records(PARAGRAPHS_SUITE, cases)
    outcomes, _ = run_checks(subset, {"records": records})
    return {"outcomes": outcomes, "ids": [raw["id"] for raw, _ in cases], "records": records}


@probe("expectations/paragraph_thresholds", requires=NEEDS)
def paragraph_thresholds() -> dict[str, Any]:
    """Through GX: the paragraph suite's rows-vs-label-lines slack, label length, size and
    newline rules at and past their limits."""
    run = memoised("paragraph_run", _paragraph_run)
    records = run["records"]
    return {
        **_outcome_table(run["outcomes"]),
        "rows_beyond": np.array(
            [-9 if v is None else int(v) for v in records["rows_beyond_tolerance"]]
        ),
        "text_length": np.array(records["text_length"]),
        "flagged": _flags(run["outcomes"], {i: [i] for i in run["ids"]}),
    }


# -- whole data sets through validate_dataset ---------------------------------------------------


def _clean_run() -> dict[str, Any]:
    """A clean fake lines set (with split fractions), validated once, report written beside."""
    from text_recognizer.validation.validate import validate_dataset

    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "data"
        manifest = write_fake_manifest(root, "lines", {"train": 8, "val": 4, "test": 4}, seed=0)
        metadata = {
            **manifest.metadata,
            "split_fractions": {"train": 0.5, "val": 0.25, "test": 0.25},
            "held_out_writers": [],
        }
        write_manifest(root, manifest.records, metadata)
        html = Path(folder) / "report.html"
        report = validate_dataset(root, report=html)
        page = html.read_text(encoding="utf-8")
        tables = _tables(root)
        refusals = {
            "report_inside": lambda: validate_dataset(root, report=root / "r.html"),
            "wrong_suite": lambda: validate_dataset(root, suite="paragraphs"),
            "unknown_suite": lambda: validate_dataset(root, suite="iam-lines"),
            "no_manifest": lambda: validate_dataset(Path(folder)),
        }
        refused = [outcome(attempt, folder) for attempt in refusals.values()]
    return {"report": report, "page": page, "tables": tables, "refused": refused}


@probe("expectations/clean_lines", requires=NEEDS)
def clean_lines() -> dict[str, Any]:
    """A clean fake lines set: every expectation passes (names, counts, ok), the tables' observed
    values, the HTML page's verdict, and the refusals of a bad report path or suite."""
    run = memoised("clean_run", _clean_run)
    report, tables = run["report"], run["tables"]
    records = tables["records"]
    verdict = [line for line in run["page"].splitlines() if line.startswith("<h1>")]
    return {
        **_outcome_table(report.outcomes),
        "ok": report.ok,
        "suite": f"{report.suite}/{report.kind}",
        "num_records": report.num_records,
        "skipped": list(report.skipped) or ["none"],
        "summary_lines": report.summary_lines() or ["none"],
        "page": {"verdict": verdict, "pass_rows": run["page"].count('<tr class="pass">')},
        "records": {
            "shape": list(records.shape),
            "means": np.array(
                [
                    _r(records[c].astype(float).mean(), 4)
                    for c in (
                        "mean_intensity",
                        "contrast",
                        "ink_fraction",
                        "black_fraction",
                        "chars_per_pixel",
                        "text_length",
                    )
                ]
            ),
            "cpp_range": [
                _r(records["chars_per_pixel"].min()),
                _r(records["chars_per_pixel"].max()),
            ],
            "modes": sorted(set(records["mode"])),
        },
        "splits": np.array(
            [
                [_r(v) for v in tables["splits"][c]]
                for c in ("share", "tolerance", "share_beyond_tolerance")
            ]
        ),
        "split_pairs": _pair_values(tables["split_pairs"]),
        "refused": run["refused"],
    }


def _rewrite(root: Path, row: dict, data: bytes) -> None:
    (root / row["path"]).write_bytes(data)
    row["sha256"] = hashlib.sha256(data).hexdigest()


def _image_of(root: Path, row: dict) -> Image.Image:
    with Image.open(root / row["path"]) as image:
        image.load()
        return image.copy()


def _corrupt(root: Path, rows: list[dict]) -> dict[str, list[str]]:
    """Plant one corruption per train record (and a control test record); the ids each touched."""
    # records with a few characters: a one-character fake label is already near the lowest
    # characters-per-pixel, which would blur what a corruption alone trips
    train = iter([row for row in rows if row["split"] == "train" and len(row["text"]) >= 4])
    touched: dict[str, list[str]] = {}

    def plant(name: str, change: Callable[[dict], Any]) -> None:
        row = next(train)
        extra = change(row)
        touched[name] = [row["id"], *(extra or [])]

    def copy_to(split: str, suffix: str) -> Callable[[dict], list[str]]:
        def change(row: dict) -> list[str]:
            new = {**row, "id": f"{row['id']}-{suffix}", "path": f"images/{row['id']}-{suffix}.png"}
            new["split"] = split
            shutil.copyfile(root / row["path"], root / new["path"])
            rows.append(new)
            return [new["id"]]

        return change

    def blank(row: dict) -> None:
        image = _image_of(root, row)
        paper = int(np.percentile(np.asarray(image), 90))
        _rewrite(root, row, encode_png(Image.new("L", image.size, paper)))

    def dark(row: dict) -> None:
        array = (np.asarray(_image_of(root, row), dtype=np.float64) * 0.3).astype(np.uint8)
        _rewrite(root, row, encode_png(Image.fromarray(array)))

    def re_encode(mode: str) -> Callable[[dict], None]:
        def change(row: dict) -> None:
            image = _image_of(root, row)
            if mode == "I;16":
                image = Image.fromarray(np.asarray(image, dtype=np.uint16) * 257)
            else:
                image = image.convert(mode)
            _rewrite(root, row, encode_png(image))

        return change

    def over_model_max(row: dict) -> None:
        image = _drawn_line(129, 235, 20, 2, seed=5)
        _rewrite(root, row, encode_png(image))
        row.update(text=("ab" * 65)[:129], width=image.width, height=image.height)

    def duplicate_id(row: dict) -> None:
        image, text = render_fake("lines", 99, seed=3)
        new = {**row, "path": "images/other.png", "text": text}
        new.update(width=image.width, height=image.height)
        _rewrite(root, new, encode_png(image))
        rows.append(new)

    def truncated(row: dict) -> None:
        data = (root / row["path"]).read_bytes()
        _rewrite(root, row, data[: len(data) // 2])

    plant("char_never_in_vocabulary", lambda r: r.update(text="é" + r["text"][1:]))
    plant("newline_in_line_label", lambda r: r.update(text=r["text"][:1] + "\n" + r["text"][1:]))
    plant("label_overlong_for_width", lambda r: r.update(text=("abc " * 25)[:99]))
    plant("label_over_model_max", over_model_max)
    plant("empty_label", lambda r: r.update(text=""))
    plant("blank_image", blank)
    plant("dark_scan", dark)
    plant("hash_mismatch", lambda r: r.update(sha256=_sha("not this image")))
    plant("uppercase_hash", lambda r: r.update(sha256=r["sha256"].upper()))
    plant("truncated_png", truncated)
    plant("missing_file", lambda r: (root / r["path"]).unlink())
    plant("rgba_image", re_encode("RGBA"))
    plant("sixteen_bit_image", re_encode("I;16"))
    plant("width_mismatch", lambda r: r.update(width=int(r["width"]) + 1))
    plant("decimal_height", lambda r: r.update(height=f"{r['height']}.0"))
    plant("duplicate_id", duplicate_id)
    plant("duplicate_within_split", copy_to("train", "copy"))
    plant("duplicate_across_splits", copy_to("test", "test"))
    plant("held_out_writer_in_train", lambda r: r.update(writer=HELD_OUT))
    plant("unknown_split", lambda r: r.update(split="validation"))
    plant("id_with_space", lambda r: r.update(id="bad id"))
    touched["id_with_space"] = ["bad id"]
    control = next(row for row in rows if row["split"] == "test")
    control["writer"] = HELD_OUT
    touched["held_out_writer_in_test"] = [control["id"]]
    return touched


def _corrupted_run() -> dict[str, Any]:
    """A fake lines set with every corruption on its own record, validated once."""
    from text_recognizer.validation.validate import validate_dataset

    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        manifest = write_fake_manifest(root, "lines", {"train": 24, "val": 4, "test": 4}, seed=3)
        write_manifest(
            root, manifest.records, {**manifest.metadata, "held_out_writers": [HELD_OUT]}
        )
        rows = [dataclasses.asdict(record) for record in manifest.records]
        touched = _corrupt(root, rows)
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        (root / MANIFEST_CSV).write_text(buffer.getvalue(), encoding="utf-8")
        report = validate_dataset(root)
        records = _tables(root)["records"]
    return {"report": report, "touched": touched, "records": records}


@probe("expectations/corruptions", requires=NEEDS)
def corruptions() -> dict[str, Any]:
    """A fake lines set with one corruption per record: which expectations flag each corrupted
    record, every expectation's counts, the overall verdict and the report's lines."""
    run = memoised("corrupted_run", _corrupted_run)
    report = run["report"]
    touched = {i for ids in run["touched"].values() for i in ids}
    return {
        **_outcome_table(report.outcomes),
        "ok": report.ok,
        "num_records": report.num_records,
        "failed": sorted(report.failed_names),
        "flagged_by": _flags(report.outcomes, run["touched"]),
        "flagged_untouched": sorted(
            f"{o.name}:{i}" for o in report.failures for i in o.sample_ids if i not in touched
        )
        or ["none"],
        "summary_lines": report.summary_lines(),
    }


@probe("expectations/corruption_values", requires=NEEDS)
def corruption_values() -> dict[str, Any]:
    """The observed values behind the corruptions: each failed expectation's offending values as
    reported, and each corrupted record's measured quantities in the records table."""
    run = memoised("corrupted_run", _corrupted_run)
    records = run["records"].drop_duplicates("id").set_index("id")
    columns = ("text_length", "chars_per_pixel", "ink_fraction", "mean_intensity", "black_fraction")
    measured = {}
    for name, ids in run["touched"].items():
        row = records.loc[ids[0]]
        measured[name] = [_r(None if row[c] is None else row[c], 4) for c in columns]
    failures = run["report"].failures
    return {
        "columns": list(columns),
        "measured": measured,
        "reported_values": {
            o.name: [_plain(v) for v in o.sample_values] or ["-"] for o in failures
        },
        "reported_ids": {o.name: sorted(o.sample_ids) or ["-"] for o in failures},
    }


@probe("expectations/report", requires=NEEDS)
def report_probe() -> dict[str, Any]:
    """The report of given outcomes: ok, failures, summary lines (ids or error), the HTML page's
    verdict, rows and escaping, and that the written page is the rendered one."""
    from text_recognizer.validation.report import (
        Outcome,
        ValidationReport,
        render_html,
        write_html_report,
    )

    outcomes = (
        Outcome("ids_unique", "records", True, 0, 5, (), (), "no two rows share an id"),
        Outcome("ink_present", "records", False, 2, 5, ("a", "b<c>"), ("0.0", "0.001"), "ink"),
        Outcome("splits_ok", "splits", False, 1, 3, (), (), "shares", error="boom & bust"),
        Outcome("char_tvd", "split_pairs", True, 0, 2, (), (), "tvd"),
    )
    report = ValidationReport(Path("data"), "lines", "lines", 5, outcomes, 1.25, ("x", "y"))
    passing = dataclasses.replace(report, outcomes=(outcomes[0], outcomes[3]), skipped=())
    page = render_html(report)
    with tempfile.TemporaryDirectory() as folder:
        write_html_report(report, Path(folder) / "r.html")
        same = (Path(folder) / "r.html").read_text(encoding="utf-8") == page
    kept = [
        line
        for line in page.splitlines()
        if line.startswith(("<h1>", "<tr><th>expectations", "not applicable", "<tr><th>time"))
    ]
    rows = re.findall(r'<tr class="(\w+)"><td>([^<]*)</td>', page)
    return {
        "ok": [report.ok, passing.ok],
        "failed_names": sorted(report.failed_names),
        "summary_lines": report.summary_lines(),
        "passing_summary": len(passing.summary_lines()),
        "page_lines": kept,
        "page_rows": [f"{css}:{name}" for css, name in rows],
        "escaped": ["b&lt;c&gt;" in page, "boom &amp; bust" in page, "b<c>" in page],
        "passing_verdict": [ln for ln in render_html(passing).splitlines() if "<h1>" in ln],
        "written_equals_rendered": same,
    }


@probe("expectations/manifest_reading", requires=NEEDS)
def manifest_reading() -> dict[str, Any]:
    """``read_raw_manifest`` on good and broken folders, where ``image_file`` points each path,
    and whose writers ``held_out_writers`` keeps in test."""
    from text_recognizer.validation.validate import held_out_writers, image_file, read_raw_manifest

    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        good = root / "good"
        write_fake_manifest(good, "paragraphs", {"train": 1, "test": 1}, seed=2)
        metadata, rows = read_raw_manifest(good)
        cases: dict[str, Path] = {}
        for name, files in {
            "empty": {},
            "no_json": {"manifest.csv": "id\n1\n"},
            "bad_json": {"manifest.csv": "id\n1\n", "manifest.json": "{nope"},
            "json_list": {"manifest.csv": "id\n1\n", "manifest.json": "[1]"},
            "header_only": {"manifest.csv": "id,path\n", "manifest.json": "{}"},
            "one_row": {"manifest.csv": "id,width\nx,12.5\n", "manifest.json": "{}"},
        }.items():
            cases[name] = root / name
            cases[name].mkdir()
            for file, text in files.items():
                (cases[name] / file).write_text(text, encoding="utf-8")
        cases["not_a_folder"] = good / "manifest.csv"
        read = [
            outcome(functools.partial(read_raw_manifest, path), folder) for path in cases.values()
        ]
        _, one = read_raw_manifest(cases["one_row"])
    paths = ["images/a.png", "../x.png", "/etc/passwd", "images/../a.png", "a/../../b", None, ""]
    rows2 = [
        {"writer": "A", "split": "test"},
        {"writer": "B", "split": "train"},
        {"writer": "C", "split": "test"},
    ]
    return {
        "metadata_keys": sorted(metadata),
        "row_keys": list(rows[0]),
        "row_types": sorted({type(v).__name__ for row in rows for v in row.values()}),
        "num_rows": len(rows),
        "cases": list(cases),
        "read": read,
        "one_row": [f"{k}={v}" for k, v in one[0].items()],
        "image_file": [image_file("/data", p).replace("\0", "<NUL>") for p in paths],
        "held_out": [
            ",".join(sorted(held_out_writers({"held_out_writers": ["B"]}, rows2, True))),
            ",".join(sorted(held_out_writers({"held_out_writers": None}, rows2, True))) or "-",
            ",".join(sorted(held_out_writers({}, rows2, True))),
            ",".join(sorted(held_out_writers({}, rows2, False))) or "-",
        ],
    }
