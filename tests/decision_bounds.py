"""Decisions against a named limit, each observed on both sides of it.

Guards refuse (``tests/guard_bounds.py``); these decide: a batch is full, a table has too many
rows to print, a request is one connection too many, a pixel is ink.
:func:`text_recognizer.testing.guards.package_limit_decisions` lists them from the source;
``tests/test_guard_bounds.py`` fails for a site with fewer :class:`Decision` entries plus
:data:`EXEMPT` reasons than decisions.

A :class:`Decision` observes the outcome at the limit (``inside``) and one step past it
(``outside``), and holds each to what it must be. ``observe(value, tmp)`` returns something
comparable: a status code, a batch size, whether a table was printed.
"""

from __future__ import annotations

import asyncio
import io
from contextlib import redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch

#: ``observe(value, tmp)``: what the decision made of ``value``.
Observer = Callable[[Any, Path], Any]


@dataclass(frozen=True)
class Decision:
    """One limit of one decision, with the outcome on each side of it."""

    site: str  # ``path::function``, as text_recognizer.testing.guards names it
    name: str
    observe: Observer
    inside: Any
    at_limit: Any
    outside: Any
    past_limit: Any

    @property
    def id(self) -> str:
        return f"{self.site.split('::')[1]}: {self.name}"


#: Decisions no boundary pair can pin down, by site, with the reason.
EXEMPT: dict[str, str] = {
    "text_recognizer/validation/image_stats.py::compute_all_stats": (
        "the limit only picks a process pool or the calling process; both give the same "
        "statistics, so either side of it looks alike (tests/validation compare them)"
    ),
    "text_recognizer/training/throughput.py::run_throughput": (
        "a wall-clock budget: the elapsed time is never exactly the budget"
    ),
    "text_recognizer/data/font_vetting.py::vet_font": (
        "small-caps metrics are measured from a font's outlines as floats; no font file lands "
        "on the limit"
    ),
    "text_recognizer/data/page.py::_span": (
        "the run share is a float fraction of a smoothed profile; a bound pair would have to "
        "rebuild the function"
    ),
    "text_recognizer/segmentation.py::text_row_cores": (
        "profile thresholds on smoothed ink rows; the segmentation laws and goldens hold it"
    ),
    "text_recognizer/segmentation.py::_sparse_lines": (
        "a gap compared with a float derived from the typical line height"
    ),
    "text_recognizer/data/corpus.py::sample_text": (
        "sentences are drawn at random: text exactly min_chars long cannot be arranged"
    ),
    "text_recognizer/bench.py::inference_rows": (
        "picks how many paragraphs a benchmark times; only its timings would show the difference"
    ),
    "text_recognizer/data/iam.py::_load_page": (
        "a float tolerance on a measured resolution ratio, never exactly 0.001 off"
    ),
    "text_recognizer/data/paper.py::lighting": (
        "a side drawn at random from four; which two shade from the far end is a style choice"
    ),
    "text_recognizer/data/paper.py::scan_page": (
        "a side drawn at random from four; which two are measured along the height is a style "
        "choice"
    ),
    "text_recognizer/data/paper.py::ink_layer": (
        "a pressure variation whose low end is exactly 1.0 multiplies by a field of ones: the "
        "same ink either way"
    ),
    "text_recognizer/segmentation.py::_cut": ("ties within a float epsilon of the minimum"),
    **dict.fromkeys(
        (
            "text_recognizer/data/augment.py::draw_pen_change",
            "text_recognizer/data/corpus.py::sample_number",
            "text_recognizer/data/corpus.py::sample_sentence",
            "text_recognizer/data/emnist.py::sample_sentences",
            "text_recognizer/data/handwriting.py::margins",
            "text_recognizer/data/synthetic.py::_render_paragraph",
        ),
        "draws from a random generator against probabilities: a float draw never lands on the "
        "limit, and the generator's goldens hold the choices",
    ),
    "text_recognizer/cli/regress.py::run_check": (
        "the mean CER of the staged model on the fixed samples against the golden plus its "
        "margin; the regression check's own tests move the golden on both sides"
    ),
}


# -- api -----------------------------------------------------------------------------------------


def _status_with_open_connections(open_connections: int, tmp: Path) -> int:
    """The status of a request arriving while ``open_connections`` are open, limit 3."""
    from text_recognizer.api.access import AccessMiddleware
    from text_recognizer.api.metrics import Metrics

    sent: list[dict[str, Any]] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    middleware = AccessMiddleware(
        app, Metrics(), ("*",), None, 3, lambda: open_connections, retry_after_s=1
    )
    scope = {"type": "http", "path": "/v1/recognize", "headers": [(b"host", b"localhost")]}
    asyncio.run(middleware(scope, receive, send))
    return next(message["status"] for message in sent if "status" in message)


class _BatchRecorder:
    """An image recognizer that records the size of each batch it is given."""

    model_version = "batch-recorder"

    def __init__(self) -> None:
        self.batches: list[int] = []

    def predict_batch(self, images: list[Any], mode: str = "auto") -> list[Any]:
        from text_recognizer.recognizer import Prediction

        self.batches.append(len(images))
        return [Prediction("", 1.0, "lines") for _ in images]


def _first_batch_of(waiting: int, tmp: Path) -> int:
    """The first batch formed from ``waiting`` requests already queued, batch size 3."""
    from PIL import Image

    from text_recognizer.api.batching import MicroBatcher

    recognizer = _BatchRecorder()

    async def run() -> None:
        batcher = MicroBatcher(recognizer, max_queue=8, max_batch_size=3, window_s=0.0)
        image = Image.new("L", (8, 8))
        submitted = [asyncio.ensure_future(batcher.submit(image, "lines")) for _ in range(waiting)]
        await asyncio.sleep(0)  # every request waits in the queue before the dispatcher starts
        batcher.start()
        await asyncio.gather(*submitted)
        await batcher.stop()

    asyncio.run(run())
    return recognizer.batches[0]


def _quoted_whole(length: int, tmp: Path) -> bool:
    """Whether a string of ``length`` characters is quoted whole with limit 10."""
    from text_recognizer.api.errors import quoted

    return quoted("x" * length, limit=10) == repr("x" * length)


def _quoted_repr_whole(length: int, tmp: Path) -> bool:
    """Whether a list whose repr is ``length`` characters is quoted whole with limit 10."""
    from text_recognizer.api.errors import quoted

    value = [int("1" * (length - 2))]  # "[111...]": the digits plus two brackets
    assert len(repr(value)) == length
    return quoted(value, limit=10) == repr(value)


def _bounded_whole(length: int, tmp: Path) -> bool:
    from text_recognizer.api.errors import bounded

    return bounded("x" * length, limit=25) == "x" * length


def _granted_at_once(nbytes: int, tmp: Path) -> bool:
    """Whether ``nbytes`` more are granted at once with 40 of a 100-byte budget in use."""
    from text_recognizer.api.limits import ByteBudget

    async def run() -> bool:
        budget = ByteBudget(capacity=100)
        await budget.acquire(40)
        try:
            await asyncio.wait_for(budget.acquire(nbytes), timeout=0.05)
        except asyncio.TimeoutError:
            return False
        return True

    return asyncio.run(run())


def _granted_on_release(nbytes: int, tmp: Path) -> bool:
    """Whether a waiter for ``nbytes`` is granted once 60 of 100 in use drop to 40."""
    from text_recognizer.api.limits import ByteBudget

    async def run() -> bool:
        budget = ByteBudget(capacity=100)
        await budget.acquire(60)
        await budget.acquire(20)  # 80 in use
        waiter = asyncio.ensure_future(budget.acquire(nbytes))
        await asyncio.sleep(0)
        budget.release(20)  # 60 in use: a waiter of up to 40 now fits
        await asyncio.sleep(0)
        granted = waiter.done()
        waiter.cancel()
        return granted

    return asyncio.run(run())


# -- command line, model card ------------------------------------------------------------------


def _evaluation_of(writers: int) -> Any:
    from text_recognizer.evaluation import Evaluation, WriterScore

    score = WriterScore(samples=1, cer=0.0, wer=0.0)
    return Evaluation(
        "data",
        "test",
        "lines",
        writers,
        0.0,
        0.0,
        1.0,
        0.01,
        "v1",
        {f"writer-{index}": score for index in range(writers)},
        (),
    )


def _writer_table_printed(writers: int, tmp: Path) -> bool:
    from text_recognizer.cli.evaluate import _print_writers

    printed = io.StringIO()
    with redirect_stdout(printed):
        _print_writers(_evaluation_of(writers))
    return "writer-0" in printed.getvalue()


def _writer_table_on_card(writers: int, tmp: Path) -> bool:
    from text_recognizer.training.model_card import evaluation_markdown

    return "| writer |" in evaluation_markdown(_evaluation_of(writers).to_dict())


# -- data ----------------------------------------------------------------------------------------


def _lines_long_enough(min_chars: int, tmp: Path) -> bool:
    """Whether sample_line keeps to min_chars when the prose wraps to lines of exactly that."""
    from unittest import mock

    from text_recognizer.data import corpus

    with mock.patch.object(corpus, "wrap", lambda text, width: ["abcde", "ab"]):
        lines = {
            corpus.sample_line(np.random.default_rng(seed), min_chars, 10) for seed in range(8)
        }
    return lines == {"abcde"}


def _paragraph_lines_kept(max_chars: int, tmp: Path) -> int:
    """How many of two 4-character lines (9 characters with the newline) fit ``max_chars``."""
    from unittest import mock

    from text_recognizer.data import corpus

    with mock.patch.object(corpus, "wrap", lambda text, width: ["abcd", "efgh"]):
        rng = np.random.default_rng(0)
        return len(corpus.sample_paragraph(rng, (2, 2), (4, 4), max_chars=max_chars))


def _ink_box_of(pixel: int, tmp: Path) -> Any:
    from text_recognizer.data.augment import ink_box

    mask = np.zeros((4, 4), dtype=np.uint8)
    mask[1, 2] = pixel
    return ink_box(mask, threshold=24)


def _inverted_at_contrast(contrast: int, tmp: Path) -> bool:
    """is_inverted on dark paper (30) with a light block ``contrast`` above it."""
    from text_recognizer.data.page import is_inverted

    page = np.full((40, 120), 30, dtype=np.uint8)
    page[15:25, 20:100] = 30 + contrast
    return is_inverted(page)


def _inverted_with_light(light: int, tmp: Path) -> bool:
    """is_inverted on a page of 50, 100, 100 and ``light`` in every 2x2 tile: at 150 the dark
    and light tails balance in every patch and the border sits midway, so both votes are 0."""
    from text_recognizer.data.page import is_inverted

    tile = np.array([[50, 100], [100, light]], dtype=np.uint8)
    return is_inverted(np.tile(tile, (20, 60)))


def _blank_with_darkest(darkest: int, tmp: Path) -> bool:
    """Whether a clean white page whose ink is ``darkest`` reads as blank."""
    from text_recognizer.data.page import _flattened

    page = np.full((40, 120), 255, dtype=np.uint8)
    page[15:25, 20:100] = darkest
    return bool(_flattened(page)[2])


def _ink_at(value: int, tmp: Path) -> bool:
    """Whether a pixel of ``value`` on a white page with black text counts as ink."""
    from text_recognizer.data.page import normalize_page

    page = np.full((40, 120), 255, dtype=np.uint8)
    page[15:25, 20:100] = 0
    page[20, 105] = value
    return bool(normalize_page(page).ink[20, 105])


# -- models, inference ---------------------------------------------------------------------------


def _reversed_over(length: int, tmp: Path) -> list[float]:
    from text_recognizer.models.line_ctc import reverse_within_lengths

    x = torch.arange(4.0).view(1, 4, 1)
    return reverse_within_lengths(x, torch.tensor([length])).flatten().tolist()


def _kind_at_aspect(width: int, tmp: Path) -> str:
    """The kind chosen for a one-row block ``width`` wide and 20 high."""
    from text_recognizer.data.page import Page
    from text_recognizer.recognizer import choose_kind

    gray = np.full((20, width), 255, dtype=np.uint8)
    gray[8:12, :] = 0
    ink = gray < 128
    return choose_kind(Page(gray, False, ink, (0, 20, 0, width)), ("lines", "paragraphs"))


def _size_named(nbytes: int, tmp: Path) -> str:
    from text_recognizer.api.limits import _size

    return _size(nbytes)


def _memory_trimmed_after(nbytes: int, tmp: Path) -> bool:
    """Whether holding ``nbytes`` and letting go returns freed memory to the system."""
    from unittest import mock

    from text_recognizer.api import limits

    trimmed: list[bool] = []

    async def run() -> None:
        budget = limits.ByteBudget(capacity=limits.TRIM_AFTER_BYTES)
        async with budget.reserve(nbytes):
            pass

    with mock.patch.object(limits, "release_free_memory", lambda: trimmed.append(True)):
        asyncio.run(run())
    return bool(trimmed)


def _mode_padded_to(length: int, tmp: Path) -> str:
    """What check_mode makes of "lines" padded with spaces to ``length`` characters."""
    from text_recognizer.api.errors import RequestError
    from text_recognizer.api.parsing import check_mode

    try:
        return check_mode(" lines".ljust(length))
    except RequestError:
        return "refused"


def _causes_shown(depth: int, tmp: Path) -> int:
    """How many causes of a chain ``depth`` deep an error message names."""
    from text_recognizer.api.parsing import _with_causes

    cause: BaseException | None = None
    for number in range(depth):
        error = ValueError(f"cause {number}")
        error.__cause__ = cause
        cause = error
    top = RuntimeError("top")
    top.__cause__ = cause
    return _with_causes("top", top).count("cause ")


def _is_ink(value: int, tmp: Path) -> bool:
    from text_recognizer.data.augment import stroke_thickness

    mask = np.zeros((6, 6), dtype=np.uint8)
    mask[2:4, 2:4] = value
    return stroke_thickness(mask) > 0


def _thicker_pen_dilates_fully(thickness: float, tmp: Path) -> bool:
    from text_recognizer.data.augment import adjust_stroke, dilate

    mask = np.zeros((9, 9), dtype=np.uint8)
    mask[4, 2:7] = 255
    return bool((adjust_stroke(mask, 1, thickness, x_height=100.0) == dilate(mask)).all())


def _thinner_pen_erodes(thickness: float, tmp: Path) -> bool:
    from text_recognizer.data.augment import adjust_stroke, erode

    mask = np.zeros((9, 9), dtype=np.uint8)
    mask[2:7, 2:7] = 255
    return bool((adjust_stroke(mask, -1, thickness, x_height=100.0) == erode(mask)).all())


def _lifted_from_pixel(value: int, tmp: Path) -> bool:
    """Whether a pen lift can start at the only pixel of a mask, of ``value``."""
    from text_recognizer.data.augment import pen_lifts

    mask = np.zeros((5, 5), dtype=np.uint8)
    mask[2, 2] = value
    return bool((pen_lifts(mask, np.random.default_rng(0), 1, 1.0) != mask).any())


def _pixels_lifted_with_radius(radius: float, tmp: Path) -> int:
    """How many pixels one pen lift of ``radius`` clears from solid ink."""
    from text_recognizer.data.augment import pen_lifts

    mask = np.full((9, 9), 255, dtype=np.uint8)
    return int((pen_lifts(mask, np.random.default_rng(0), 1, radius) == 0).sum())


def _noise_of_width(width: int, tmp: Path) -> float:
    from text_recognizer.data.page import pixel_noise

    gray = np.zeros((4, width), dtype=np.uint8)
    gray[:, 1::2] = 191
    return round(pixel_noise(gray), 3)


def _edge_depth_of(share: float, tmp: Path) -> int:
    from text_recognizer.data.page import _edge_depth

    return _edge_depth(np.array([share, share, 0.0]))


def _edge_depth_of_rows(rows: int, tmp: Path) -> int:
    from text_recognizer.data.page import _edge_depth

    return _edge_depth(np.array([1.0] * rows + [0.0]))


def _lines_counted(middle: int, tmp: Path) -> int:
    """Lines counted in a band of rows with 4, ``middle`` and 4 ink pixels."""
    from text_recognizer.data.page import _line_count

    band = np.zeros((3, 8), dtype=bool)
    band[0, :4] = band[2, :4] = True
    band[1, :middle] = True
    return _line_count(band)


def _reading_of(middle: float, top: float, mode: str, bottom: float = 0) -> str:
    """How _wide_to_gray reads a ``mode`` image of ``bottom``, ``middle`` and ``top``: as
    fractions of 1, 8-bit, 16-bit or stretched, judged by what became of ``middle``. (From a
    bottom of 0, stretching 0..65535 is the same as reading 16-bit.)"""
    from PIL import Image

    from text_recognizer.data.preprocess import _wide_to_gray

    dtype = np.float32 if mode == "F" else np.int32
    values = np.array([[bottom, middle, top]], dtype=dtype)
    gray = float(_wide_to_gray(Image.fromarray(values, mode))[0, 1])
    readings = {"fractions": middle * 255.0, "8-bit": middle, "16-bit": middle / 257.0}
    return next((name for name, value in readings.items() if np.isclose(gray, value)), "stretched")


def _decayed_with_dims(dims: int, tmp: Path) -> bool:
    from text_recognizer.lit_models.base import parameter_groups

    model = torch.nn.Module()
    model.weight = torch.nn.Parameter(torch.zeros((2,) * dims))
    decayed, _ = parameter_groups(model, weight_decay=0.1)
    return len(decayed["params"]) == 1


def _colour_float_pixel(top: float, tmp: Path) -> int:
    from text_recognizer.recognizer import _array_to_image

    array = np.zeros((4, 4, 3), dtype=np.float64)
    array[0, 0] = top
    return _array_to_image(array).getpixel((0, 0))[0]


def _colour_integer_pixel(top: int, tmp: Path) -> int:
    from text_recognizer.recognizer import _array_to_image

    array = np.zeros((4, 4, 3), dtype=np.int32)
    array[0, 0] = top
    return _array_to_image(array).getpixel((0, 0))[0]


def _shown_whole(length: int, tmp: Path) -> bool:
    from text_recognizer.training.schema import _shown

    return "..." not in _shown("x" * (length - 2))  # the repr adds two quotes


def _kind_with_rows(rows: int, tmp: Path) -> str:
    """The kind chosen for a wide block (aspect 10) of ``rows`` text rows."""
    from text_recognizer.data.page import Page
    from text_recognizer.recognizer import choose_kind

    gray = np.full((60, 600), 255, dtype=np.uint8)
    for row in range(rows):
        gray[10 + 24 * row : 22 + 24 * row, 20:580] = 0
    ink = gray < 128
    return choose_kind(Page(gray, False, ink, (0, 60, 0, 600)), ("lines", "paragraphs"))


def all_decisions() -> list[Decision]:
    from text_recognizer.api.limits import MIB, TRIM_AFTER_BYTES
    from text_recognizer.data.page import EDGE_INK_SHARE
    from text_recognizer.evaluation import MAX_WRITER_ROWS
    from text_recognizer.recognizer import MIN_LINE_ASPECT

    api = "text_recognizer/api"
    card = "text_recognizer/training/model_card.py::evaluation_markdown"
    line_width = int(20 * MIN_LINE_ASPECT)
    augment = "text_recognizer/data/augment.py"
    page = "text_recognizer/data/page.py"
    wide = "text_recognizer/data/preprocess.py::_wide_to_gray"
    arrays = "text_recognizer/recognizer.py::_array_to_image"
    above_one = float(np.nextafter(np.float32(1.0), np.float32(2.0)))
    return [
        Decision(
            f"{page}::is_inverted",
            "votes that balance are not light ink",
            _inverted_with_light,
            150,
            False,
            151,
            True,
        ),
        Decision(
            "text_recognizer/cli/evaluate.py::_print_writers",
            "two writers or more are tabulated",
            _writer_table_printed,
            2,
            True,
            1,
            False,
        ),
        Decision(
            "text_recognizer/recognizer.py::choose_kind",
            "two text rows make a paragraph",
            _kind_with_rows,
            1,
            "lines",
            2,
            "paragraphs",
        ),
        Decision(
            f"{api}/limits.py::_size",
            "MIB and more read in MiB",
            _size_named,
            MIB,
            "1 MiB",
            MIB - 1,
            "1024 KiB",
        ),
        Decision(
            f"{api}/limits.py::ByteBudget.reserve",
            "TRIM_AFTER_BYTES and more trim memory",
            _memory_trimmed_after,
            TRIM_AFTER_BYTES,
            True,
            TRIM_AFTER_BYTES - 1,
            False,
        ),
        Decision(
            f"{api}/parsing.py::check_mode",
            "a mode of 20 characters is read",
            _mode_padded_to,
            20,
            "lines",
            21,
            "refused",
        ),
        Decision(
            f"{api}/parsing.py::_with_causes", "four causes are named", _causes_shown, 4, 4, 5, 4
        ),
        Decision(
            f"{augment}::stroke_thickness", "ink is above 127", _is_ink, 128, True, 127, False
        ),
        Decision(
            f"{augment}::adjust_stroke",
            "strokes under 2 px dilate fully",
            _thicker_pen_dilates_fully,
            float(np.nextafter(2.0, 0.0)),
            True,
            2.0,
            False,
        ),
        Decision(
            f"{augment}::adjust_stroke",
            "strokes of 3 px erode",
            _thinner_pen_erodes,
            3.0,
            True,
            float(np.nextafter(3.0, 0.0)),
            False,
        ),
        Decision(
            f"{augment}::pen_lifts",
            "a lift starts on ink above 127",
            _lifted_from_pixel,
            128,
            True,
            127,
            False,
        ),
        Decision(
            f"{augment}::pen_lifts",
            "a lift clears the disc of its radius",
            _pixels_lifted_with_radius,
            1.0,
            5,
            float(np.nextafter(1.0, 0.0)),
            1,
        ),
        Decision(
            f"{page}::pixel_noise",
            "two columns have noise",
            _noise_of_width,
            2,
            round(191 / 0.954, 3),
            1,
            0.0,
        ),
        Decision(
            f"{page}::_edge_depth",
            "EDGE_INK_SHARE is a dark edge",
            _edge_depth_of,
            EDGE_INK_SHARE,
            2,
            float(np.nextafter(EDGE_INK_SHARE, 0.0)),
            0,
        ),
        Decision(
            f"{page}::_edge_depth",
            "two dark rows make an edge band",
            _edge_depth_of_rows,
            2,
            2,
            1,
            0,
        ),
        Decision(
            f"{page}::_line_count",
            "rows above a quarter of the densest are dense",
            _lines_counted,
            1,
            2,
            2,
            1,
        ),
        Decision(
            wide,
            "floats up to 1.0 are fractions",
            lambda top, tmp: _reading_of(0.5, top, "F"),
            1.0,
            "fractions",
            above_one,
            "8-bit",
        ),
        Decision(
            wide,
            "values up to 255 are 8-bit",
            lambda top, tmp: _reading_of(100, top, "I"),
            255,
            "8-bit",
            256,
            "16-bit",
        ),
        Decision(
            wide,
            "integers up to 65535 are 16-bit",
            lambda top, tmp: _reading_of(25700, top, "I", bottom=257),
            65535,
            "16-bit",
            65536,
            "stretched",
        ),
        Decision(
            "text_recognizer/lit_models/base.py::parameter_groups",
            "matrices decay",
            _decayed_with_dims,
            2,
            True,
            1,
            False,
        ),
        Decision(
            arrays, "colour floats up to 1.0 are fractions", _colour_float_pixel, 1.0, 255, 1.5, 2
        ),
        Decision(
            arrays, "colour integers up to 255 are 8-bit", _colour_integer_pixel, 255, 255, 256, 1
        ),
        Decision(
            "text_recognizer/training/schema.py::_shown",
            "a repr of 40 characters is whole",
            _shown_whole,
            40,
            True,
            41,
            False,
        ),
        Decision(
            f"{api}/access.py::AccessMiddleware.__call__",
            "open connections <= max_connections",
            _status_with_open_connections,
            3,
            200,
            4,
            503,
        ),
        Decision(
            f"{api}/batching.py::MicroBatcher._collect",
            "a batch holds max_batch_size",
            _first_batch_of,
            3,
            3,
            4,
            3,
        ),
        Decision(
            f"{api}/errors.py::quoted",
            "a string up to limit is whole",
            _quoted_whole,
            10,
            True,
            11,
            False,
        ),
        Decision(
            f"{api}/errors.py::quoted",
            "a repr up to limit + 2 is whole",
            _quoted_repr_whole,
            12,
            True,
            13,
            False,
        ),
        Decision(
            f"{api}/errors.py::bounded",
            "a message up to limit is whole",
            _bounded_whole,
            25,
            True,
            26,
            False,
        ),
        Decision(
            f"{api}/limits.py::ByteBudget.acquire",
            "a reservation filling the budget is granted",
            _granted_at_once,
            60,
            True,
            61,
            False,
        ),
        Decision(
            f"{api}/limits.py::ByteBudget._grant",
            "a waiter filling the budget is granted",
            _granted_on_release,
            40,
            True,
            41,
            False,
        ),
        Decision(
            "text_recognizer/cli/evaluate.py::_print_writers",
            "writers <= MAX_WRITER_ROWS are tabulated",
            _writer_table_printed,
            MAX_WRITER_ROWS,
            True,
            MAX_WRITER_ROWS + 1,
            False,
        ),
        Decision(
            card,
            "writers <= MAX_WRITER_ROWS are tabulated",
            _writer_table_on_card,
            MAX_WRITER_ROWS,
            True,
            MAX_WRITER_ROWS + 1,
            False,
        ),
        Decision(
            card, "two writers or more are tabulated", _writer_table_on_card, 2, True, 1, False
        ),
        Decision(
            "text_recognizer/data/augment.py::ink_box",
            "ink is above the threshold",
            _ink_box_of,
            25,
            (1, 2, 2, 3),
            24,
            None,
        ),
        Decision(
            "text_recognizer/data/corpus.py::sample_line",
            "a line of min_chars is long enough",
            _lines_long_enough,
            5,
            True,
            6,
            False,
        ),
        Decision(
            "text_recognizer/data/corpus.py::sample_paragraph",
            "lines fitting max_chars are kept",
            _paragraph_lines_kept,
            9,
            2,
            8,
            1,
        ),
        Decision(
            "text_recognizer/data/page.py::is_inverted",
            "contrast of MIN_CONTRAST / 2 is judged",
            _inverted_at_contrast,
            24,
            True,
            23,
            False,
        ),
        Decision(
            "text_recognizer/data/page.py::_flattened",
            "ink MIN_CONTRAST darker than paper is not blank",
            _blank_with_darkest,
            207,
            False,
            208,
            True,
        ),
        Decision(
            "text_recognizer/data/page.py::normalize_page",
            "ink is below INK_THRESHOLD",
            _ink_at,
            127,
            True,
            128,
            False,
        ),
        Decision(
            "text_recognizer/models/line_ctc.py::reverse_within_lengths",
            "steps before the length are reversed",
            _reversed_over,
            4,
            [3.0, 2.0, 1.0, 0.0],
            3,
            [2.0, 1.0, 0.0, 3.0],
        ),
        Decision(
            "text_recognizer/recognizer.py::choose_kind",
            "a block MIN_LINE_ASPECT wide is a line",
            _kind_at_aspect,
            line_width,
            "lines",
            line_width - 1,
            "paragraphs",
        ),
    ]
