"""The lines the behavioural suites read: rendered once, clean, by the synthetic generator.

``base`` lines (running prose) are what the invariance suites perturb; the minimum-
functionality sets hold what a reader of handwriting must manage: ``digits``, ``punctuation``,
``capitals`` and ``long`` lines. Every line is written by a writer no model trained on (the
library's test-only and validation-only writers, alternately) with the generator's clean
rendering (black ink on white paper, no augmentation), so a suite's perturbation is the only
difficulty added. Same seed and generator version, same bytes::

    text-recognizer regress behaviour-samples --out tests/regression/behaviour
"""

from __future__ import annotations

import datetime
import json
import os
from dataclasses import asdict
from pathlib import Path

import numpy as np

from text_recognizer.errors import GoldenError
from text_recognizer.io import atomic_write_bytes, atomic_write_text, encode_png
from text_recognizer.testing.behaviour import BASE_SET, LINES_FILE, BehaviourLine

DEFAULT_SEED = 17
DEFAULT_BASE = 24
DEFAULT_PER_SET = 8
GENERATE_COMMAND = "text-recognizer regress behaviour-samples --out tests/regression/behaviour"
PUNCTUATION = "!\"#&'()*+,-./:;?"


def _digits(rng: np.random.Generator) -> str:
    groups = [str(int(rng.integers(0, 10 ** int(rng.integers(1, 6))))) for _ in range(4)]
    joins = [" ", ", ", " - ", "/", ".", ":"]
    text = groups[0]
    for group in groups[1:]:
        text += joins[int(rng.integers(len(joins)))] + group
    return text


def _punctuated(rng: np.random.Generator, words: list[str]) -> str:
    picked = [str(word) for word in rng.choice(words, size=5)]
    out = []
    for word in picked:
        mark = PUNCTUATION[int(rng.integers(len(PUNCTUATION)))]
        out.append(f"({word})" if mark in "()" else f'"{word}"' if mark == '"' else word + mark)
    return " ".join(out)


def set_texts(rng: np.random.Generator, name: str, count: int) -> list[str]:
    """``count`` label texts of the set ``name``."""
    from text_recognizer.data import corpus

    words = [word for word in corpus.load_words().words if word.isalpha()][:2000]
    if name == BASE_SET:
        return [corpus.sample_line(rng, 20, 50) for _ in range(count)]
    if name == "digits":
        return [_digits(rng) for _ in range(count)]
    if name == "punctuation":
        return [_punctuated(rng, words) for _ in range(count)]
    if name == "capitals":
        return [" ".join(str(w).upper() for w in rng.choice(words, size=4)) for _ in range(count)]
    if name == "long":
        return [corpus.sample_line(rng, 90, 120) for _ in range(count)]
    raise GoldenError(f"unknown behaviour set {name!r}")


def generate_behaviour_lines(
    out_dir: str | os.PathLike,
    seed: int = DEFAULT_SEED,
    base: int = DEFAULT_BASE,
    per_set: int = DEFAULT_PER_SET,
) -> list[BehaviourLine]:
    """Render every set into ``out_dir`` with ``lines.json`` beside the images."""
    from text_recognizer.data import augment, handwriting, paper
    from text_recognizer.data.augment import AugmentConfig
    from text_recognizer.data.synthetic import GENERATOR_VERSION, writers_for_split

    writers = [
        font for pair in zip(*(writers_for_split(s) for s in ("test", "val"))) for font in pair
    ]
    config = AugmentConfig()
    rng = np.random.default_rng(seed)
    root = Path(out_dir)
    lines: list[BehaviourLine] = []
    sets = [(BASE_SET, base)] + [
        (name, per_set) for name in ("digits", "punctuation", "capitals", "long")
    ]
    for name, count in sets:
        for number, text in enumerate(set_texts(rng, name, count)):
            font = next(w for w in writers[len(lines) % len(writers) :] + writers if w.covers(text))
            style = handwriting.draw_style(rng, config, False)
            mask, _ = handwriting.render_mask(text, font, style, rng, config, False)
            mask, _ = augment.crop_to_ink(mask, handwriting.margins(rng, style, config, False))
            image = paper.finish(mask, rng, config, clean=True, x_height=style.x_height)
            identifier = f"{name}-{number:02d}"
            atomic_write_bytes(root / f"{identifier}.png", encode_png(image, optimize=True))
            lines.append(BehaviourLine(identifier, f"{identifier}.png", name, text, font.name))
    payload = {
        "command": GENERATE_COMMAND,
        "seed": seed,
        "generator_version": GENERATOR_VERSION,
        "created": datetime.date.today().isoformat(),
        "lines": [asdict(line) for line in lines],
    }
    atomic_write_text(root / LINES_FILE, json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
    return lines
