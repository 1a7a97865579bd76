"""Every guard's limit, with the last value it accepts and the first it refuses.

:mod:`text_recognizer.testing.guards` lists the package's guards from its source;
``tests/test_guard_bounds.py`` runs each :class:`Bound` below on both sides of its limit and
fails for a guard site that has fewer bounds here than guards there. A bound is one limit of
one guard: ``not 1 <= low <= high <= MAX`` is three (low's floor, low against high, high's
ceiling). ``inside`` is the limit itself where the limit is allowed (``<=``), else the last
value before it; ``outside`` is one step past: 1 for integers, the next float
(:func:`math.nextafter`) for floats.

``call(value, tmp)`` runs the guarded code with ``value`` at the bound (``tmp`` is a scratch
folder); at ``inside`` it must return. Where getting past the guard leads on to work the bound
does not care about (loading a model that is not there, reading a data set), ``then`` names the
error that later step raises: the inside value must end there, and not in this guard's refusal
or in a crash.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import gzip
import io
import math
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Callable
from unittest import mock

import torch
from PIL import Image

from text_recognizer.errors import TextRecognizerError

#: ``call(value, tmp)``: the guarded code run with ``value``.
GuardedCall = Callable[[Any, Path], object]
#: Marks the argument of a call builder that takes the bound's value.
AT: Any = type("AtTheBound", (), {"__repr__": lambda self: "AT"})()


def filled(arguments: dict[str, Any], value: Any) -> dict[str, Any]:
    """``arguments`` with the one given as :data:`AT` replaced by ``value``."""
    return {key: value if given is AT else given for key, given in arguments.items()}


@dataclass(frozen=True)
class Bound:
    """One limit of one guard (see the module docstring)."""

    site: str  # ``path::function`` of the guard, as text_recognizer.testing.guards names it
    name: str
    call: GuardedCall
    inside: Any
    outside: Any
    refusal: type[BaseException]
    message: str  # a regular expression the refusal's message matches
    then: type[BaseException] | None = None  # where an inside value fails after the guard

    @property
    def id(self) -> str:
        return f"{self.site.split('::')[1]}: {self.name}"


def above(value: float) -> float:
    return math.nextafter(value, math.inf)


def below(value: float) -> float:
    return math.nextafter(value, -math.inf)


def _run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)


# -- api ---------------------------------------------------------------------------------------


def _png(width: int, height: int, mode: str = "L") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, (width, height)).save(buffer, "PNG")
    return buffer.getvalue()


def _open_image_pixels(pixels: int, tmp: Path) -> object:
    from text_recognizer.api.limits import open_image

    return open_image(_png(10, 10), max_pixels=pixels)


def _open_image_decode_bytes(budget: int, tmp: Path) -> object:
    from text_recognizer.api.limits import open_image

    return open_image(_png(100, 10), max_pixels=10**6, max_decode_bytes=budget)


def _decode_cost_of_100x10_gray() -> int:
    from text_recognizer.api.limits import decode_cost

    return decode_cost("L", 100, 10)


def _reserve(nbytes: int, tmp: Path) -> object:
    from text_recognizer.api.limits import ByteBudget

    return _run(ByteBudget(capacity=100).acquire(nbytes))


class _Request:
    """A Starlette request's headers and body stream, as read_limited_body reads them."""

    def __init__(self, body: bytes, declared: int | None) -> None:
        self.headers = {} if declared is None else {"content-length": str(declared)}
        self._body = body

    async def stream(self) -> Any:
        for start in range(0, len(self._body), 3):
            yield self._body[start : start + 3]


def _declared_body(length: int, tmp: Path) -> object:
    from text_recognizer.api.parsing import read_limited_body

    return _run(read_limited_body(_Request(b"x" * length, declared=length), max_bytes=10))


def _streamed_body(length: int, tmp: Path) -> object:
    from text_recognizer.api.parsing import read_limited_body

    return _run(read_limited_body(_Request(b"x" * length, declared=None), max_bytes=10))


def _service(**settings: Any) -> Any:
    from text_recognizer.api.service import RecognitionService
    from text_recognizer.api.settings import ServeSettings

    return RecognitionService(lambda: None, ServeSettings(**settings))


def _check_ready_with_queued(queued: int, tmp: Path) -> object:
    service = _service(max_queue=3)
    service._batcher = SimpleNamespace(queued=queued)  # the queue's depth, stood in
    return service.check_ready()


def _admit_with_inflight(inflight: int, tmp: Path) -> object:
    service = _service(max_inflight=3)
    service.inflight = inflight
    with service.admit():
        return None


def _settings(**values: Any) -> Callable[[Any, Path], object]:
    """ServeSettings with ``values``, the one given as :data:`AT` set to the bound's value."""

    def make(value: Any, tmp: Path) -> object:
        from text_recognizer.api.settings import ServeSettings

        return ServeSettings(**filled(values, value))

    return make


def _token(token: str, tmp: Path) -> object:
    from text_recognizer.api.settings import ServeSettings

    return ServeSettings(token=token)


def _service_bounds() -> list[Bound]:
    from text_recognizer.api.errors import RequestError, ServiceConfigError
    from text_recognizer.api.settings import _POSITIVE_INTS, _POSITIVE_SECONDS

    site = "text_recognizer/api/settings.py::ServeSettings.__post_init__"
    bounds = [
        Bound(site, f"{name} >= 1", _settings(**{name: AT}), 1, 0, ServiceConfigError, name)
        for name in _POSITIVE_INTS
        if name not in ("max_decode_bytes", "decode_budget_bytes")
    ]
    bounds += [
        Bound(
            site,
            "max_decode_bytes >= 1",
            _settings(max_decode_bytes=AT, decode_budget_bytes=1),
            1,
            0,
            ServiceConfigError,
            "max_decode_bytes must be at least 1",
        ),
        Bound(
            site,
            "decode_budget_bytes >= 1",
            _settings(max_decode_bytes=1, decode_budget_bytes=AT),
            1,
            0,
            ServiceConfigError,
            "decode_budget_bytes must be at least 1",
        ),
    ]
    for name in _POSITIVE_SECONDS:
        bounds += [
            Bound(
                site, f"{name} > 0", _settings(**{name: AT}), 5e-324, 0.0, ServiceConfigError, name
            ),
            Bound(
                site,
                f"{name} <= 3600",
                _settings(**{name: AT}),
                3600.0,
                above(3600.0),
                ServiceConfigError,
                name,
            ),
        ]
    bounds += [
        Bound(
            site,
            "batch_window_ms >= 0",
            _settings(batch_window_ms=AT),
            0.0,
            below(0.0),
            ServiceConfigError,
            "batch_window_ms",
        ),
        Bound(
            site,
            "batch_window_ms <= 1000",
            _settings(batch_window_ms=AT),
            1000.0,
            above(1000.0),
            ServiceConfigError,
            "batch_window_ms",
        ),
        Bound(
            site,
            "decode_budget_bytes >= max_decode_bytes",
            _settings(max_decode_bytes=1000, decode_budget_bytes=AT),
            1000,
            999,
            ServiceConfigError,
            "must be at least max_decode_bytes",
        ),
    ]
    token_site = "text_recognizer/api/settings.py::_check_token"
    bounds += [
        Bound(
            token_site,
            "16 characters at least",
            _token,
            "k" * 16,
            "k" * 15,
            ServiceConfigError,
            "at least 16",
        ),
        Bound(
            token_site,
            "printable from '!'",
            _token,
            "!" * 16,
            "k" * 15 + " ",
            ServiceConfigError,
            "printable",
        ),
        Bound(
            token_site,
            "printable up to '~'",
            _token,
            "~" * 16,
            "k" * 15 + "\x7f",
            ServiceConfigError,
            "printable",
        ),
    ]
    limits = "text_recognizer/api/limits.py"
    bounds += [
        Bound(
            f"{limits}::open_image",
            "pixels <= max_pixels",
            _open_image_pixels,
            100,
            99,
            RequestError,
            "pixels; the limit is",
        ),
        Bound(
            f"{limits}::open_image",
            "decode cost <= max_decode_bytes",
            _open_image_decode_bytes,
            _decode_cost_of_100x10_gray(),
            _decode_cost_of_100x10_gray() - 1,
            RequestError,
            "would need about",
        ),
        Bound(
            f"{limits}::ByteBudget.acquire",
            "nbytes >= 0",
            _reserve,
            0,
            -1,
            ValueError,
            "cannot reserve",
        ),
        Bound(
            f"{limits}::ByteBudget.acquire",
            "nbytes <= capacity",
            _reserve,
            100,
            101,
            ValueError,
            "cannot reserve",
        ),
        Bound(
            "text_recognizer/api/parsing.py::read_limited_body",
            "declared length <= max_bytes",
            _declared_body,
            10,
            11,
            RequestError,
            "Content-Length",
        ),
        Bound(
            "text_recognizer/api/parsing.py::read_limited_body",
            "streamed length <= max_bytes",
            _streamed_body,
            10,
            11,
            RequestError,
            "larger than the limit of 10 bytes$",
        ),
        Bound(
            "text_recognizer/api/service.py::RecognitionService.check_ready",
            "queued < max_queue",
            _check_ready_with_queued,
            2,
            3,
            RequestError,
            "at capacity",
        ),
        Bound(
            "text_recognizer/api/service.py::RecognitionService.admit",
            "inflight < max_inflight",
            _admit_with_inflight,
            2,
            3,
            RequestError,
            "already in flight",
        ),
    ]
    return bounds


# -- command line --------------------------------------------------------------------------------


def _prepare(dataset: str, **values: Any) -> GuardedCall:
    """``data prepare DATASET`` with ``values`` the option given as :data:`AT` at the bound."""

    def run(value: Any, tmp: Path) -> object:
        from text_recognizer.cli.data_real import run_prepare

        options = {"raw": str(tmp / "raw"), "out": str(tmp / "out"), "kind": "lines"}
        options |= {"scale": 0.5, "limit": None, "n": 10, "seed": 0}
        options |= filled(values, value)
        return run_prepare(argparse.Namespace(dataset=dataset, **options))

    return run


def _demo(lines: int, paragraphs: int) -> GuardedCall:
    def run(value: Any, tmp: Path) -> object:
        from text_recognizer.cli.demo import run as run_demo

        counts = {"lines": lines, "paragraphs": paragraphs}
        counts = filled(counts, value)
        return run_demo(argparse.Namespace(model=str(tmp / "no-model"), out=str(tmp), **counts))

    return run


def _argument_type(function: str) -> GuardedCall:
    def parse(value: Any, tmp: Path) -> object:
        from text_recognizer.cli import serve

        return getattr(serve, function)(value)

    return parse


def _at_least_three(value: Any, tmp: Path) -> object:
    from text_recognizer.cli.common import int_at_least

    return int_at_least(3)(value)


def _cli_bounds() -> list[Bound]:
    from text_recognizer.errors import DataSetLayoutError, StagedModelError

    refused = argparse.ArgumentTypeError
    serve = "text_recognizer/cli/serve.py"
    prepare = "text_recognizer/cli/data_real.py::run_prepare"
    demo = "text_recognizer/cli/demo.py::run"
    return [
        Bound(
            "text_recognizer/cli/common.py::int_at_least.parse",
            ">= minimum",
            _at_least_three,
            "3",
            "2",
            refused,
            "expected an integer >= 3",
        ),
        Bound(
            f"{serve}::_window_ms",
            ">= 0 ms",
            _argument_type("_window_ms"),
            "0",
            repr(below(0.0)),
            refused,
            "0 to 1000 ms",
        ),
        Bound(
            f"{serve}::_window_ms",
            "<= 1000 ms",
            _argument_type("_window_ms"),
            "1000",
            repr(above(1000.0)),
            refused,
            "0 to 1000 ms",
        ),
        Bound(
            f"{serve}::_seconds",
            "> 0 s",
            _argument_type("_seconds"),
            "5e-324",
            "0",
            refused,
            "more than 0",
        ),
        Bound(
            f"{serve}::_seconds",
            "<= 3600 s",
            _argument_type("_seconds"),
            "3600",
            repr(above(3600.0)),
            refused,
            "at most 3600",
        ),
        Bound(
            prepare,
            "--scale > 0",
            _prepare("iam", scale=AT),
            5e-324,
            0.0,
            TextRecognizerError,
            "--scale must be",
            then=DataSetLayoutError,
        ),
        Bound(
            prepare,
            "--scale <= 1",
            _prepare("iam", scale=AT),
            1.0,
            above(1.0),
            TextRecognizerError,
            "--scale must be",
            then=DataSetLayoutError,
        ),
        Bound(
            prepare,
            "--n >= 1",
            _prepare("emnist-lines", n=AT),
            1,
            0,
            TextRecognizerError,
            "--n must be positive",
            then=DataSetLayoutError,
        ),
        Bound(
            demo,
            "--lines >= 0",
            _demo(AT, 1),
            0,
            -1,
            TextRecognizerError,
            "must be >= 0",
            StagedModelError,
        ),
        Bound(
            demo,
            "--paragraphs >= 0",
            _demo(1, AT),
            0,
            -1,
            TextRecognizerError,
            "must be >= 0",
            StagedModelError,
        ),
    ]


# -- data ----------------------------------------------------------------------------------------


def _limits(**values: Any) -> Any:
    from text_recognizer.data.archive import ExtractionLimits

    return ExtractionLimits(**values)


def _member_name(name: str, tmp: Path) -> object:
    from text_recognizer.data.archive import member_destination

    return member_destination(tmp, name)


def _members(count: int, tmp: Path) -> object:
    from text_recognizer.data.archive import _check_count_and_total

    return _check_count_and_total("m", count, 0, _limits(max_members=5))


def _expanded_total(total: int, tmp: Path) -> object:
    from text_recognizer.data.archive import _check_count_and_total

    return _check_count_and_total("m", 1, total, _limits(max_total_bytes=100))


def _expanded_member(packed: int) -> GuardedCall:
    def check(expanded: int, tmp: Path) -> object:
        from text_recognizer.data.archive import _check_ratio

        return _check_ratio("m", expanded, packed, _limits(max_ratio=10.0, ratio_floor_bytes=100))

    return check


def _member_bytes(produced: int, tmp: Path) -> object:
    """A member declaring 10 bytes whose stream yields ``produced``."""
    from text_recognizer.data.archive import _copy_member

    info = zipfile.ZipInfo("m")
    info.file_size = 10
    bundle = SimpleNamespace(open=lambda _: io.BytesIO(b"x" * produced))
    return _copy_member(bundle, info, tmp / "m", 0, _limits())


def _line_chars(min_chars: int, max_chars: int) -> GuardedCall:
    def sample(value: int, tmp: Path) -> object:
        import numpy as np

        from text_recognizer.data.corpus import sample_line

        chars = filled({"min_chars": min_chars, "max_chars": max_chars}, value)
        return sample_line(np.random.default_rng(0), **chars)

    return sample


def _synthetic_dataset(length: int, tmp: Path) -> object:
    from text_recognizer.data.datasets import SyntheticDataset
    from text_recognizer.data.synthetic import SyntheticConfig

    return SyntheticDataset(SyntheticConfig(kind="lines"), length, "train")


def _generator_index(index: int, tmp: Path) -> object:
    from text_recognizer.data.datasets import SyntheticDataset
    from text_recognizer.data.synthetic import SyntheticConfig

    return SyntheticDataset(SyntheticConfig(kind="lines"), 3, "train").generator_index(index)


def _indices_of_an_empty_split(length: int, tmp: Path) -> object:
    from text_recognizer.data.datasets import synthetic_split_indices
    from text_recognizer.data.synthetic import SyntheticConfig

    config = SyntheticConfig(kind="lines", split_fractions=(0.9, 0.1, 0.0))
    return synthetic_split_indices(config, "test", length)


def _fake_dataset(length: int, tmp: Path) -> object:
    from text_recognizer.data.datasets import FakeDataset

    return FakeDataset("lines", length, "train")


def _fake_sample(index: int, tmp: Path) -> object:
    from text_recognizer.data.datasets import FakeDataset

    return FakeDataset("lines", 3, "train")[index]


class _Response:
    """An HTTP 200 answer declaring 5 bytes and sending ``sent``."""

    status = 200
    headers = {"Content-Length": "5"}

    def __init__(self, sent: int) -> None:
        self._body = io.BytesIO(b"x" * sent)

    def read(self, size: int) -> bytes:
        return self._body.read(size)

    def __enter__(self) -> "_Response":
        return self

    def __exit__(self, *exc: object) -> None:
        return None


def _download_sending(sent: int, tmp: Path) -> object:
    from text_recognizer.data.download import _fetch_into

    with mock.patch("urllib.request.urlopen", lambda *args, **kwargs: _Response(sent)):
        return _fetch_into("https://example.org/f", tmp / "f.part", {}, None, 2, 1.0)


def _idx(data: bytes, tmp: Path) -> object:
    from text_recognizer.data.emnist import parse_idx

    return parse_idx(data)


def _mapping(row: str, tmp: Path) -> object:
    from text_recognizer.data.emnist import parse_mapping

    return parse_mapping(row)


def _gzip_member_of(size: int, tmp: Path) -> object:
    """A gzip member unpacking to ``size`` bytes, against a limit of 10."""
    from text_recognizer.data import emnist

    (tmp / "gzip").mkdir(exist_ok=True)
    (tmp / "gzip" / "m.gz").write_bytes(gzip.compress(b"x" * size))
    with mock.patch.object(emnist, "MAX_IDX_BYTES", 10):
        return emnist._read_member(tmp / "gzip", "m.gz")


def _font_package_of(size: int, tmp: Path) -> object:
    """An npm font package whose face is ``size`` bytes, against a limit of 10."""
    from text_recognizer.data import font_install
    from text_recognizer.data.fonts import npm_font_file

    tarball = tmp / "package.tgz"
    with tarfile.open(tarball, "w:gz") as archive:
        member = tarfile.TarInfo(f"package/files/{npm_font_file('caveat')}")
        member.size = size
        archive.addfile(member, io.BytesIO(b"x" * size))
    with mock.patch.object(font_install, "MAX_FONT_BYTES", 10):
        return font_install._unpack(tarball, "caveat", tmp)


def _writers_of(count: int, tmp: Path) -> object:
    from text_recognizer.data.fonts import HandwritingFont, writers_by_split

    fonts = [
        HandwritingFont(f"font{i}", f"/fonts/{i}.ttf", "pkg", "pip", frozenset("ab"))
        for i in range(count)
    ]
    return writers_by_split(fonts)


def _crop(axis: int) -> GuardedCall:
    def crop(extent: int, tmp: Path) -> object:
        from text_recognizer.data.iam import _crop as crop_box

        box = [0, 0, 5, 5]
        box[2 + axis] = extent
        return crop_box(Image.new("L", (10, 10)), tuple(box), 1.0)

    return crop


def _contact_sheet(n: int, tmp: Path) -> object:
    from text_recognizer.data.inspection import contact_sheet
    from text_recognizer.data.manifest import read_manifest
    from text_recognizer.data.synthetic import generate_dataset

    generate_dataset(tmp / "set", "lines", n=1, seed=0, augment=False)
    return contact_sheet(read_manifest(tmp / "set"), n=n)


def _data_module(**values: Any) -> GuardedCall:
    def make(value: Any, tmp: Path) -> object:
        from text_recognizer.data.modules import LineDataModule

        options = filled(values, value)
        return LineDataModule(**options)

    return make


def _image_size(width: Any, height: Any) -> GuardedCall:
    def check(value: int, tmp: Path) -> object:
        from text_recognizer.data.preprocess import validate_image_size

        size = filled({"width": width, "height": height}, value)
        return validate_image_size(size["width"], size["height"])

    return check


def _collated_line(width: int = 16, chars: int = 4) -> GuardedCall:
    def collate(value: int, tmp: Path) -> object:
        from text_recognizer.data.preprocess import LINE_HEIGHT, collate_lines

        size = {"width": width, "chars": chars}
        size = filled(size, value)
        image = torch.ones(1, LINE_HEIGHT, size["width"])
        return collate_lines([{"image": image, "text": "a" * size["chars"], "id": "s"}])

    return collate


def _synthetic_config(**values: Any) -> GuardedCall:
    def make(value: Any, tmp: Path) -> object:
        from text_recognizer.data.synthetic import SyntheticConfig

        options = filled(values, value)
        return SyntheticConfig(kind="paragraphs", **options)

    return make


def _split_of(index: int, tmp: Path) -> object:
    from text_recognizer.data.synthetic import split_for_index

    return split_for_index(index)


def _generated(n: int = 1, workers: int = 1) -> GuardedCall:
    def generate(value: int, tmp: Path) -> object:
        from text_recognizer.data.synthetic import generate_dataset

        counts = {"n": n, "workers": workers}
        counts = filled(counts, value)
        return generate_dataset(tmp / "set", "lines", seed=0, augment=False, **counts)

    return generate


def _data_bounds() -> list[Bound]:
    from text_recognizer.data.preprocess import LINE_MAX_WIDTH, MAX_ASPECT_RATIO, MAX_IMAGE_PIXELS
    from text_recognizer.data.synthetic import MAX_LINE_CHARS, MAX_PARAGRAPH_LINES
    from text_recognizer.errors import (
        DataSetLayoutError,
        DownloadError,
        InvalidImageError,
        LabelTooLongError,
        ManifestError,
        MissingFontsError,
        UnsafeArchiveError,
    )

    archive = "text_recognizer/data/archive.py"
    datasets = "text_recognizer/data/datasets.py"
    emnist = "text_recognizer/data/emnist.py"
    modules = "text_recognizer/data/modules.py"
    preprocess = "text_recognizer/data/preprocess.py"
    synthetic = "text_recognizer/data/synthetic.py"
    config = f"{synthetic}::SyntheticConfig.__post_init__"
    pixels_wide = MAX_IMAGE_PIXELS // 10_000
    ratio_wide = int(MAX_ASPECT_RATIO)
    bad = TextRecognizerError
    bounds = [
        Bound(
            f"{archive}::member_destination",
            "a drive needs two characters",
            _member_name,
            ":",
            "C:",
            UnsafeArchiveError,
            "absolute path",
        ),
        Bound(
            f"{archive}::_check_count_and_total",
            "members <= max_members",
            _members,
            5,
            6,
            UnsafeArchiveError,
            "more than 5 members",
        ),
        Bound(
            f"{archive}::_check_count_and_total",
            "bytes <= max_total_bytes",
            _expanded_total,
            100,
            101,
            UnsafeArchiveError,
            "beyond 100 bytes",
        ),
        Bound(
            f"{archive}::_check_ratio",
            "expanded <= ratio_floor_bytes",
            _expanded_member(packed=1),
            100,
            101,
            UnsafeArchiveError,
            "refusing a bomb",
        ),
        Bound(
            f"{archive}::_check_ratio",
            "ratio <= max_ratio",
            _expanded_member(packed=20),
            200,
            201,
            UnsafeArchiveError,
            "refusing a bomb",
        ),
        Bound(
            f"{archive}::_copy_member",
            "bytes <= declared size",
            _member_bytes,
            10,
            11,
            UnsafeArchiveError,
            "beyond its declared 10 bytes",
        ),
        Bound(
            "text_recognizer/data/corpus.py::sample_line",
            "min_chars >= 1",
            _line_chars(AT, 5),
            1,
            0,
            ValueError,
            "min_chars",
        ),
        Bound(
            "text_recognizer/data/corpus.py::sample_line",
            "min_chars <= max_chars",
            _line_chars(AT, 5),
            5,
            6,
            ValueError,
            "min_chars",
        ),
        Bound(
            f"{datasets}::SyntheticDataset.__init__",
            "length >= 0",
            _synthetic_dataset,
            0,
            -1,
            ValueError,
            "length must be >= 0",
        ),
        Bound(
            f"{datasets}::SyntheticDataset.generator_index",
            "index >= 0",
            _generator_index,
            0,
            -1,
            IndexError,
            "out of range for 3 samples",
        ),
        Bound(
            f"{datasets}::SyntheticDataset.generator_index",
            "index < length",
            _generator_index,
            2,
            3,
            IndexError,
            "out of range for 3 samples",
        ),
        Bound(
            f"{datasets}::synthetic_split_indices",
            "an empty split serves 0 samples",
            _indices_of_an_empty_split,
            0,
            1,
            ValueError,
            "has fraction 0",
        ),
        Bound(
            f"{datasets}::FakeDataset.__init__",
            "length >= 0",
            _fake_dataset,
            0,
            -1,
            ValueError,
            "length >= 0",
        ),
        Bound(
            f"{datasets}::FakeDataset.__getitem__",
            "index >= 0",
            _fake_sample,
            0,
            -1,
            IndexError,
            "out of range for 3 samples",
        ),
        Bound(
            f"{datasets}::FakeDataset.__getitem__",
            "index < length",
            _fake_sample,
            2,
            3,
            IndexError,
            "out of range for 3 samples",
        ),
        Bound(
            "text_recognizer/data/download.py::_fetch_into",
            "all declared bytes arrive",
            _download_sending,
            5,
            4,
            DownloadError,
            "transfer ended at 4 of 5",
        ),
        Bound(
            f"{emnist}::parse_idx",
            "a 4-byte magic number",
            _idx,
            bytes([0, 0, 8, 0]),  # a whole magic number, then no data for its scalar
            bytes([0, 0, 8]),
            DataSetLayoutError,
            "not an IDX file",
            then=DataSetLayoutError,
        ),
        Bound(
            f"{emnist}::parse_idx",
            "a whole header",
            _idx,
            bytes([0, 0, 8, 1, 0, 0, 0, 0]),
            bytes([0, 0, 8, 1, 0, 0, 0]),
            DataSetLayoutError,
            "header truncated",
        ),
        Bound(
            f"{emnist}::parse_mapping",
            "two fields a row",
            _mapping,
            "0 48",
            "0",
            DataSetLayoutError,
            "expected 'label ascii_code'",
        ),
        Bound(
            f"{emnist}::_read_member",
            "bytes <= MAX_IDX_BYTES",
            _gzip_member_of,
            10,
            11,
            DataSetLayoutError,
            "expands beyond 10 bytes",
        ),
        Bound(
            "text_recognizer/data/font_install.py::_unpack",
            "bytes <= MAX_FONT_BYTES",
            _font_package_of,
            10,
            11,
            ValueError,
            "implausibly large",
        ),
        Bound(
            "text_recognizer/data/fonts.py::writers_by_split",
            "two fonts at least",
            _writers_of,
            2,
            1,
            MissingFontsError,
            "at least 2 are needed",
        ),
        Bound(
            "text_recognizer/data/iam.py::_crop",
            "width >= 1",
            _crop(axis=0),
            1,
            0,
            DataSetLayoutError,
            "lies outside",
        ),
        Bound(
            "text_recognizer/data/iam.py::_crop",
            "height >= 1",
            _crop(axis=1),
            1,
            0,
            DataSetLayoutError,
            "lies outside",
        ),
        Bound(
            "text_recognizer/data/inspection.py::contact_sheet",
            "n >= 1",
            _contact_sheet,
            1,
            0,
            ManifestError,
            "n >= 1",
        ),
        Bound(
            f"{modules}::TextDataModule.__init__",
            "batch_size >= 1",
            _data_module(batch_size=AT),
            1,
            0,
            ValueError,
            "batch_size",
        ),
        Bound(
            f"{modules}::TextDataModule.__init__",
            "num_workers >= 0",
            _data_module(num_workers=AT),
            0,
            -1,
            ValueError,
            "num_workers",
        ),
        Bound(
            f"{modules}::TextDataModule.__init__",
            "train_writers >= 1",
            _data_module(data_dir="/nowhere", train_writers=AT),
            1,
            0,
            ValueError,
            "train_writers",
        ),
        Bound(
            f"{preprocess}::validate_image_size",
            "width >= 1",
            _image_size(AT, 1),
            1,
            0,
            InvalidImageError,
            "zero size",
        ),
        Bound(
            f"{preprocess}::validate_image_size",
            "height >= 1",
            _image_size(1, AT),
            1,
            0,
            InvalidImageError,
            "zero size",
        ),
        Bound(
            f"{preprocess}::validate_image_size",
            "pixels <= MAX_IMAGE_PIXELS",
            _image_size(AT, 10_000),
            pixels_wide,
            pixels_wide + 1,
            InvalidImageError,
            "too large",
        ),
        Bound(
            f"{preprocess}::validate_image_size",
            "ratio <= MAX_ASPECT_RATIO",
            _image_size(AT, 1),
            ratio_wide,
            ratio_wide + 1,
            InvalidImageError,
            "aspect ratio",
        ),
        Bound(
            f"{preprocess}::_collate",
            "width >= 1",
            _collated_line(width=AT),
            1,
            0,
            ValueError,
            "has image shape",
        ),
        Bound(
            f"{preprocess}::_collate",
            "width <= the widest line",
            _collated_line(width=AT),
            LINE_MAX_WIDTH,
            LINE_MAX_WIDTH + 1,
            ValueError,
            "has image shape",
        ),
        Bound(
            f"{preprocess}::_collate",
            "label <= MAX_LINE_CHARS",
            _collated_line(chars=AT),
            128,
            129,
            LabelTooLongError,
            "the limit is 128",
        ),
        Bound(config, "seed >= 0", _synthetic_config(seed=AT), 0, -1, bad, "seed must be"),
        Bound(
            config,
            "split fractions >= 0",
            _synthetic_config(split_fractions=AT),
            (1.0, 0.0, 0.0),
            (1.0, 5e-324, -5e-324),
            bad,
            "non-negative",
        ),
    ]
    for field, ceiling in (
        ("line_chars", MAX_LINE_CHARS),
        ("paragraph_lines", MAX_PARAGRAPH_LINES),
        ("paragraph_line_chars", MAX_LINE_CHARS),
    ):
        named = _synthetic_config(**{field: AT})
        bounds += [
            Bound(config, f"{field} low >= 1", named, (1, 2), (0, 2), bad, field),
            Bound(config, f"{field} low <= high", named, (2, 2), (3, 2), bad, field),
            Bound(
                config,
                f"{field} high <= {ceiling}",
                named,
                (1, ceiling),
                (1, ceiling + 1),
                bad,
                field,
            ),
        ]
    bounds += [
        Bound(
            f"{synthetic}::split_for_index",
            "index >= 0",
            _split_of,
            0,
            -1,
            bad,
            "index must be >= 0",
        ),
        Bound(
            f"{synthetic}::generate_dataset",
            "n >= 1",
            _generated(n=AT),
            1,
            0,
            bad,
            "n must be a positive",
        ),
        Bound(
            f"{synthetic}::generate_dataset",
            "workers >= 1",
            _generated(workers=AT),
            1,
            0,
            bad,
            "workers must be",
        ),
    ]
    for name in ("train_size", "val_size", "test_size"):
        bounds.append(
            Bound(
                f"{modules}::_check_size",
                f"{name} >= 0",
                _data_module(**{name: AT}),
                0,
                -1,
                ValueError,
                name,
            )
        )
    return bounds


# -- models, decoding, training, vocabulary ------------------------------------------------------


def _paragraph_decoder_reading(length: int, tmp: Path) -> object:
    """Teacher-forced decoding of ``length`` tokens by a model of max_length 6."""
    from text_recognizer.models import build_model
    from text_recognizer.models.paragraph_transformer import ParagraphTransformer

    config = dataclasses.replace(build_model("paragraph_transformer", "tiny").config, max_length=6)
    model = ParagraphTransformer(config).eval()
    memory = torch.zeros(1, 4, config.d_model)
    return model.decode(torch.zeros(1, length, dtype=torch.long), memory)


def _tempered(temperature: float, tmp: Path) -> object:
    from text_recognizer.decoding import tempered

    return tempered(torch.zeros(1, 2, 3), temperature)


def _ctc_beam(option: str) -> GuardedCall:
    def search(value: int, tmp: Path) -> object:
        from text_recognizer.decoding import ctc_beam_search
        from text_recognizer.vocab import DEFAULT_VOCABULARY

        log_probs = torch.zeros(1, 3, len(DEFAULT_VOCABULARY)).log_softmax(-1)
        return ctc_beam_search(log_probs, **{option: value})

    return search


def _autoregressive_beam(beam_width: int, tmp: Path) -> object:
    from text_recognizer.decoding import autoregressive_beam_search
    from text_recognizer.models import build_model
    from text_recognizer.models.paragraph_transformer import ParagraphTransformer

    config = build_model("paragraph_transformer", "tiny").config
    small = dataclasses.replace(config, image_height=64, image_width=64)
    model = ParagraphTransformer(small).eval()
    return autoregressive_beam_search(
        model, torch.zeros(1, 1, 64, 64), beam_width=beam_width, max_length=2
    )


def _load_with_beam(beam_width: int, tmp: Path) -> object:
    from text_recognizer.recognizer import Recognizer

    return Recognizer.load(tmp / "no-model", beam_width=beam_width)


def _stage_with_samples(samples: int, tmp: Path) -> object:
    from text_recognizer.training.stage import stage

    (tmp / "model.ckpt").write_bytes(b"not a checkpoint")
    return stage(tmp / "model.ckpt", tmp / "staged", samples=samples, formats=("torchscript",))


def _ranged(section: str, key: str) -> GuardedCall:
    def check(value: float, tmp: Path) -> object:
        from text_recognizer.training.config import check_ranges

        return check_ranges({section: {key: value}})

    return check


def _utilisation(step_seconds: float, peak: float) -> GuardedCall:
    def compute(value: float, tmp: Path) -> object:
        from text_recognizer.training.throughput import model_flop_utilisation

        given = {"step_seconds": step_seconds, "peak": peak}
        given = filled(given, value)
        return model_flop_utilisation(1e9, **given)

    return compute


def _decoded_index(index: int, tmp: Path) -> object:
    from text_recognizer.vocab import DEFAULT_VOCABULARY

    return DEFAULT_VOCABULARY.decode([index])


def _padded_to(length: int, tmp: Path) -> object:
    from text_recognizer.vocab import DEFAULT_VOCABULARY

    return DEFAULT_VOCABULARY.pad_batch([torch.tensor([4, 5, 6])], length=length)


def _model_bounds() -> list[Bound]:
    from text_recognizer.errors import ModelInputError, StagedModelError, VocabularyError
    from text_recognizer.training.config import PLAUSIBLE_RANGES, ExperimentConfigError
    from text_recognizer.vocab import DEFAULT_VOCABULARY

    decoding = "text_recognizer/decoding.py"
    size = len(DEFAULT_VOCABULARY)
    bounds = [
        Bound(
            "text_recognizer/models/paragraph_transformer.py::ParagraphTransformer.decode",
            "tokens <= max_length",
            _paragraph_decoder_reading,
            6,
            7,
            ModelInputError,
            "exceed the model's max_length 6",
        ),
        Bound(
            f"{decoding}::tempered",
            "temperature > 0",
            _tempered,
            5e-324,
            0.0,
            ValueError,
            "temperature must be",
        ),
        Bound(
            f"{decoding}::ctc_beam_search",
            "beam_width >= 1",
            _ctc_beam("beam_width"),
            1,
            0,
            ValueError,
            "must be at least 1",
        ),
        Bound(
            f"{decoding}::ctc_beam_search",
            "candidates >= 1",
            _ctc_beam("candidates"),
            1,
            0,
            ValueError,
            "must be at least 1",
        ),
        Bound(
            f"{decoding}::autoregressive_beam_search",
            "beam_width >= 1",
            _autoregressive_beam,
            1,
            0,
            ValueError,
            "beam_width must be",
        ),
        Bound(
            "text_recognizer/recognizer.py::Recognizer.load",
            "beam_width >= 1",
            _load_with_beam,
            1,
            0,
            StagedModelError,
            "beam_width must be",
            then=StagedModelError,
        ),
        Bound(
            "text_recognizer/training/stage.py::stage",
            "samples >= 1",
            _stage_with_samples,
            1,
            0,
            StagedModelError,
            "--samples must be",
            then=ModelInputError,
        ),
        Bound(
            "text_recognizer/training/throughput.py::model_flop_utilisation",
            "step time > 0",
            _utilisation(AT, 100.0),
            5e-324,
            0.0,
            ValueError,
            "must be positive",
        ),
        Bound(
            "text_recognizer/training/throughput.py::model_flop_utilisation",
            "peak > 0",
            _utilisation(0.01, AT),
            5e-324,
            0.0,
            ValueError,
            "must be positive",
        ),
        Bound(
            "text_recognizer/vocab.py::Vocabulary.decode",
            "index >= 0",
            _decoded_index,
            0,
            -1,
            VocabularyError,
            "outside the vocabulary",
        ),
        Bound(
            "text_recognizer/vocab.py::Vocabulary.decode",
            "index < size",
            _decoded_index,
            size - 1,
            size,
            VocabularyError,
            "outside the vocabulary",
        ),
        Bound(
            "text_recognizer/vocab.py::Vocabulary.pad_batch",
            "length >= the longest",
            _padded_to,
            3,
            2,
            VocabularyError,
            "exceeds 2",
        ),
    ]
    ranges = "text_recognizer/training/config.py::check_ranges"
    for (section, key), (low, high, _why) in PLAUSIBLE_RANGES.items():
        path = f"{section}.{key}"
        bounds.append(
            Bound(
                ranges,
                f"{path} >= {low:g}",
                _ranged(section, key),
                low,
                below(low),
                ExperimentConfigError,
                path,
            )
        )
        if math.isfinite(high):
            bounds.append(
                Bound(
                    ranges,
                    f"{path} <= {high:g}",
                    _ranged(section, key),
                    high,
                    above(high),
                    ExperimentConfigError,
                    path,
                )
            )
    return bounds


def all_bounds() -> list[Bound]:
    """Every bound, in the package's order: service, command line, data, models and training."""
    return _service_bounds() + _cli_bounds() + _data_bounds() + _model_bounds()
