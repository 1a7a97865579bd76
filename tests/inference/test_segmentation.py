"""Line segmentation: a page's ink bands become line boxes, cut where lines meet, none lost."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from tests.built_once import built_once
from text_recognizer.data.page import normalize_page
from text_recognizer.data.preprocess import to_grayscale
from text_recognizer.data.synthetic import SyntheticConfig, render_sample
from text_recognizer.segmentation import crop_lines, segment_lines

#: Share of synthetic paragraphs whose line count must come out exact (measured: 40 of 40 here,
#: 200 of 200 augmented test-split paragraphs).
MIN_EXACT_LINE_COUNTS = 0.95


@dataclass(frozen=True)
class Page:
    image: Image.Image
    text: str


def render_pages(folder: Path) -> None:
    """40 generated paragraphs, half augmented, half clean: PNGs and their labels."""
    labels = {}
    for augment in (True, False):
        for index in range(20):
            sample = render_sample(
                SyntheticConfig(kind="paragraphs", seed=7, augment=augment), index
            )
            name = f"{'augmented' if augment else 'clean'}-{index:02d}.png"
            sample.image.save(folder / name)
            labels[name] = sample.text
    (folder / "labels.json").write_text(json.dumps(labels), encoding="utf-8")


@pytest.fixture(scope="module")
def paragraphs(tmp_path_factory) -> list[Page]:
    """The 40 pages, rendered once per run (shared by the xdist workers)."""
    folder = built_once(tmp_path_factory, "segmentation-pages", render_pages)
    labels = json.loads((folder / "labels.json").read_text(encoding="utf-8"))
    return [Page(Image.open(folder / name).copy(), text) for name, text in labels.items()]


def page(bands: list[tuple[int, int]], height: int = 120, width: int = 200) -> np.ndarray:
    """White page with black bars over the given row ranges."""
    gray = np.full((height, width), 250, dtype=np.uint8)
    for top, bottom in bands:
        gray[top:bottom, 10:-10] = 20
    return gray


def test_line_count_matches_the_label_on_generated_paragraphs(paragraphs):
    exact = [len(segment_lines(s.image)) == s.text.count("\n") + 1 for s in paragraphs]
    assert np.mean(exact) >= MIN_EXACT_LINE_COUNTS


@pytest.mark.parametrize("noise", [0.0, 9.0])
def test_a_blank_page_has_no_lines(noise):
    rng = np.random.default_rng(0)
    gray = np.clip(rng.normal(230, noise, size=(300, 400)), 0, 255).astype(np.uint8)
    assert segment_lines(gray) == []
    assert crop_lines(gray) == []


def test_a_line_image_is_one_line():
    for index in range(5):
        line = render_sample(SyntheticConfig(kind="lines", seed=7), index).image
        assert len(segment_lines(line)) == 1


def test_crops_cover_all_ink_of_the_page(paragraphs):
    for sample in paragraphs:
        ink = normalize_page(np.asarray(to_grayscale(sample.image))).ink
        covered = np.zeros_like(ink)
        for box in segment_lines(sample.image):
            covered[box.top : box.bottom, box.left : box.right] = True
        assert (ink & ~covered).sum() <= 0.001 * ink.sum()


def test_boxes_run_top_to_bottom_without_overlap(paragraphs):
    for sample in paragraphs:
        boxes = segment_lines(sample.image)
        assert all(above.bottom <= below.top for above, below in zip(boxes, boxes[1:]))


def test_touching_lines_are_cut_at_the_profile_minimum():
    gray = page([(20, 40), (60, 80)])
    gray[40:60, 50:52] = 20  # a descender reaching the next line: no blank row between them
    boxes = segment_lines(gray, padding=0.0)
    assert len(boxes) == 2
    assert 40 <= boxes[0].bottom == boxes[1].top <= 60


def paper_margins(crop: Image.Image) -> tuple[int, int]:
    """Blank rows above the crop's first ink row and below its last."""
    inked = np.flatnonzero((np.asarray(crop) < 128).any(axis=1))
    return int(inked[0]), crop.height - 1 - int(inked[-1])


def test_lines_stopped_by_their_band_get_as_much_paper_below_as_above():
    gray = page([(20, 40), (60, 80)])
    gray[40:60, 50:52] = 20  # the descender runs into the band's edge, above and below the cut
    upper, lower = crop_lines(gray)
    assert paper_margins(upper)[0] > 0  # a free top margin: the one the cut side must match
    assert paper_margins(upper)[1] == paper_margins(upper)[0]
    assert paper_margins(lower)[0] == paper_margins(lower)[1]


def test_specks_and_dots_are_not_lines():
    gray = page([(20, 40), (70, 90)])
    gray[55:57, 100:102] = 20  # a dot between the lines
    assert len(segment_lines(gray)) == 2


def test_a_short_line_below_a_long_one_is_its_own_line():
    gray = page([(20, 40)])
    gray[70:90, 10:30] = 20  # the last word of a paragraph
    boxes = segment_lines(gray)
    assert len(boxes) == 2
    assert boxes[1].top <= 70 and boxes[1].bottom >= 90 and boxes[1].right < 60


def test_boxes_are_cropped_to_the_ink_with_a_little_padding():
    gray = page([(20, 40)])
    (box,) = segment_lines(gray)
    assert box.left < 10 and box.right > 190 and box.top < 20 and box.bottom > 40
    assert box.left >= 10 - 10 and box.top >= 20 - 10


def test_an_ink_tensor_segments_like_its_image(paragraphs):
    image = to_grayscale(paragraphs[0].image)
    ink = 1.0 - torch.from_numpy(np.asarray(image, dtype=np.float32)) / 255.0
    assert segment_lines(ink[None]) == segment_lines(image)


def test_crops_are_gray_images_one_per_line_with_paper_margins(paragraphs):
    sample = paragraphs[0]
    crops = crop_lines(sample.image)
    assert len(crops) == len(segment_lines(sample.image))
    for crop in crops:
        assert crop.mode == "L"
        gray = np.asarray(crop)
        assert gray.min() < 128  # the line's ink is there
        assert gray[0].min() > 128 and gray[-1].min() > 128  # blank paper above and below


def test_segmentation_accepts_any_pil_mode():
    image = Image.fromarray(page([(20, 40), (70, 90)])).convert("RGB")
    assert len(segment_lines(image)) == 2


def test_light_ink_on_dark_paper_segments_like_its_inverse(paragraphs):
    for sample in paragraphs[:10]:
        gray = np.asarray(to_grayscale(sample.image))
        assert segment_lines(255 - gray) == segment_lines(gray)


def test_a_scanner_edge_and_specks_away_from_the_text_add_no_line_and_move_no_box():
    clean = page([(120, 140), (170, 190)], height=300, width=260)
    gray = clean.copy()
    gray[:, :6] = 15  # the scanner's dark edge along the left side
    gray[280:282, 200:202] = 20  # dust well below the text
    gray[20:22, 240:242] = 20  # and well above it
    assert segment_lines(gray) == segment_lines(clean)
