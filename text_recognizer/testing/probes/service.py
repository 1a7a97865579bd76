"""Probes of the REST service's internals, driven without sockets: limits and the decode budget,
the micro-batcher, the service's lifecycle, access control, request parsing, the guard
middleware at the ASGI level, and the metrics it renders."""

from __future__ import annotations

import asyncio
import base64
import io
import json
import logging
import threading
from contextlib import contextmanager
from typing import Any, Awaitable, Callable, Iterator, Sequence

import numpy as np
from PIL import Image

from text_recognizer.api.access import (
    AccessMiddleware,
    host_allowed,
    host_name,
    is_loopback,
    needs_token,
    token_matches,
)
from text_recognizer.api.batching import MicroBatcher, QueueFullError
from text_recognizer.api.errors import ERROR_KINDS, RequestError, bounded, quoted, request_error
from text_recognizer.api.limits import (
    ByteBudget,
    decode_cost,
    decode_data_url,
    decoded_bytes_per_pixel,
    finish_decode,
    looks_like_an_image,
    open_image,
)
from text_recognizer.api.middleware import GuardMiddleware, has_body, route_label, send_error
from text_recognizer.api.parsing import check_mode, media_type_of
from text_recognizer.api.service import RecognitionService
from text_recognizer.api.settings import ServeSettings
from text_recognizer.errors import InvalidImageError
from text_recognizer.prediction import Prediction
from text_recognizer.testing.http_doubles import http_scope, png_claiming
from text_recognizer.testing.probes import image_summary, probe
from text_recognizer.testing.probes.inference import marks_page

RECOGNIZE = "/v1/recognize"
TOKEN = "probe-token-0123456789"
#: Widths the stand-in recognizer refuses (an InvalidImageError) or crashes on.
REFUSED_WIDTH, CRASH_WIDTH = 13, 17


# -- helpers ------------------------------------------------------------------------------------


class SizeReader:
    """A stand-in recognizer reading an image as ``"<width>x<height>"``, with confidence = its
    ink share; records each call's batch size and mode; ``gate`` holds calls while cleared."""

    model_version = "probe-1"

    def __init__(self) -> None:
        self.gate = threading.Event()
        self.gate.set()
        self.entered = threading.Event()
        self.calls: list[tuple[int, str]] = []

    def predict(self, image: Image.Image, mode: str = "auto") -> Prediction:
        return self.predict_batch([image], mode)[0]

    def predict_batch(self, images: Sequence[Image.Image], mode: str = "auto") -> list[Prediction]:
        self.calls.append((len(images), mode))
        self.entered.set()
        self.gate.wait(timeout=10)
        for image in images:
            if image.width == REFUSED_WIDTH:
                raise InvalidImageError("the stand-in refuses this width")
            if image.width == CRASH_WIDTH:
                raise RuntimeError("the stand-in crashed")
        return [self._read(image, mode) for image in images]

    def _read(self, image: Image.Image, mode: str) -> Prediction:
        ink = 1.0 - float(np.asarray(image.convert("L"), dtype=np.float64).mean()) / 255.0
        kind = "paragraphs" if mode == "paragraphs" else "lines"
        return Prediction(f"{image.width}x{image.height}", round(ink, 6), kind, [], "probe-1")


def _image(width: int, height: int = 20) -> Image.Image:
    image = Image.new("L", (width, height), 255)
    image.paste(0, (0, 0, max(1, width // 4), height))
    return image


def _encoded(image: Image.Image, fmt: str = "PNG", **options: Any) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def _refusal(call: Callable[[], Any]) -> str:
    """``"ok"``, or the kind of the RequestError (else the exception's type) ``call`` raises."""
    try:
        call()
    except RequestError as error:
        return f"{error.status} {error.kind}"
    except Exception as error:  # noqa: BLE001 - recorded by type
        return type(error).__name__
    return "ok"


async def _until(condition: Callable[[], bool], timeout_s: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while not condition():
        if loop.time() > deadline:
            raise TimeoutError("a probed condition never held")
        await asyncio.sleep(0.001)


@contextmanager
def _quiet_logs() -> Iterator[None]:
    """Silence the service's logs (a probed crash is logged with its traceback)."""
    previous = logging.root.manager.disable
    logging.disable(logging.CRITICAL)
    try:
        yield
    finally:
        logging.disable(previous)


def _receiver(events: Sequence[dict[str, Any]]) -> Callable[[], Awaitable[dict[str, Any]]]:
    """An ASGI receive that hands out ``events`` in order, then stalls forever."""
    pending = list(events)

    async def receive() -> dict[str, Any]:
        if pending:
            return pending.pop(0)
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    return receive


def _body(chunks: Sequence[bytes], end: bool = True) -> list[dict[str, Any]]:
    return [
        {"type": "http.request", "body": chunk, "more_body": not (end and i == len(chunks) - 1)}
        for i, chunk in enumerate(chunks)
    ]


async def _call(app: Any, scope: dict[str, Any], events: Sequence[dict[str, Any]]) -> dict:
    """Drive ``app`` once; what it sent: status, chosen headers, error kind, message count."""
    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await asyncio.wait_for(app(scope, _receiver(events), send), 10.0)
    start = next((m for m in sent if m["type"] == "http.response.start"), None)
    headers = {k.decode(): v.decode() for k, v in (start or {}).get("headers", [])}
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    try:
        kind = str(json.loads(body)["error"]["kind"])
    except (ValueError, KeyError, TypeError):
        kind = "-"
    return {
        "status": -1 if start is None else int(start["status"]),
        "kind": kind,
        "messages": len(sent),
        "headers": headers,
    }


def _metrics() -> Any:
    from text_recognizer.api.metrics import Metrics

    return Metrics()


# -- errors and settings ------------------------------------------------------------------------


@probe("service/error_kinds")
def error_kinds() -> dict[str, Any]:
    """Every error kind's HTTP status (clients branch on them), and how client values and long
    messages are cut."""
    long_message = request_error("corrupt_image", "m" * 700)
    return {
        "kinds": list(ERROR_KINDS),
        "statuses": [status for status, _ in ERROR_KINDS.values()],
        "quoted": [quoted("page"), quoted("x" * 100, limit=10), quoted(12345678, limit=4)],
        "bounded": [bounded("abcdefghij" * 3, limit=25), bounded("short", limit=5)],
        "long_message": {"length": len(long_message.message), "tail": long_message.message[-20:]},
        "body": json.dumps(request_error("queue_full", "busy", {"Retry-After": "1"}).to_body()),
    }


@probe("service/settings_bounds")
def settings_bounds() -> dict[str, Any]:
    """Which limits ServeSettings accepts at and just past each bound, and its defaults."""
    cases: dict[str, dict[str, Any]] = {
        "queue_0": {"max_queue": 0},
        "queue_1": {"max_queue": 1},
        "batch_true": {"max_batch_size": True},
        "batch_float": {"max_batch_size": 2.0},
        "window_0": {"batch_window_ms": 0.0},
        "window_1000": {"batch_window_ms": 1000.0},
        "window_1000.5": {"batch_window_ms": 1000.5},
        "window_negative": {"batch_window_ms": -0.1},
        "body_timeout_0": {"body_timeout_s": 0.0},
        "body_timeout_3600": {"body_timeout_s": 3600.0},
        "body_timeout_3601": {"body_timeout_s": 3601.0},
        "budget_equal": {"max_decode_bytes": 4096, "decode_budget_bytes": 4096},
        "budget_below": {"max_decode_bytes": 4096, "decode_budget_bytes": 4095},
        "hosts_empty": {"allowed_hosts": ()},
        "hosts_blank": {"allowed_hosts": ("localhost", " ")},
        "proxy_ip": {"trusted_proxies": ("10.0.0.1",)},
        "proxy_net_loose": {"trusted_proxies": ("10.0.0.1/8",)},
        "proxy_v6": {"trusted_proxies": ("fd00::/8",)},
        "proxy_name": {"trusted_proxies": ("proxy.local",)},
        "token_15": {"token": "a" * 15},
        "token_16": {"token": "a" * 16},
        "token_space": {"token": "a" * 10 + " " + "a" * 10},
        "token_non_ascii": {"token": "\u00e9" * 20},
        "attempts_0": {"model_load_attempts": 0},
    }
    outcomes = []
    for options in cases.values():
        try:
            ServeSettings(**options)
            outcomes.append("ok")
        except Exception as error:  # noqa: BLE001 - recorded by message
            outcomes.append(f"{type(error).__name__}: {str(error)[:90]}")
    defaults = ServeSettings()
    return {
        "cases": list(cases),
        "outcomes": outcomes,
        "defaults": [
            defaults.max_body_bytes,
            defaults.max_pixels,
            defaults.max_concurrency,
            defaults.max_queue,
            defaults.max_batch_size,
            defaults.retry_after_s,
            defaults.max_connections,
            defaults.max_inflight,
            defaults.max_decode_bytes,
            defaults.decode_budget_bytes,
            defaults.model_load_attempts,
        ],
        "default_seconds": [
            defaults.batch_window_ms,
            defaults.header_timeout_s,
            defaults.body_timeout_s,
            defaults.keep_alive_timeout_s,
            defaults.shutdown_timeout_s,
        ],
        "default_hosts": list(defaults.allowed_hosts),
        "token_in_repr": TOKEN in repr(ServeSettings(token=TOKEN)),
    }


# -- limits -------------------------------------------------------------------------------------


@probe("service/decode_costs")
def decode_costs() -> dict[str, Any]:
    """Estimated decode bytes per mode and size (transparency included), and stored bytes per
    pixel of each mode."""
    modes = ["1", "L", "P", "LA", "RGB", "RGBA", "CMYK", "I;16", "I;16B", "I", "F", "YCbCr"]
    sizes = [(1, 1), (1000, 40), (640, 480), (6300, 6300)]
    return {
        "modes": modes,
        "stored": [decoded_bytes_per_pixel(mode) for mode in modes],
        "costs": [[decode_cost(mode, w, h) for w, h in sizes] for mode in modes],
        "transparent": [decode_cost(mode, 100, 100, True) for mode in ("L", "RGB", "P", "I")],
    }


@probe("service/open_image")
def open_image_judgements() -> dict[str, Any]:
    """open_image on small images of each mode and format: cost estimated from the header, the
    pixel and decode-byte bounds at and past their limits, and what each damage is refused as."""
    base = _image(60, 20)
    transparent_p = base.convert("P")
    transparent_p.info["transparency"] = 0
    encoded = {
        "L_png": _encoded(base),
        "RGB_png": _encoded(base.convert("RGB")),
        "RGBA_png": _encoded(base.convert("RGBA")),
        "LA_png": _encoded(base.convert("LA")),
        "P_png": _encoded(base.convert("P")),
        "P_transparent_png": _encoded(transparent_p, transparency=0),
        "I16_png": _encoded(Image.fromarray(np.asarray(base, dtype=np.uint16) * 257)),
        "1_bmp": _encoded(base.convert("1"), "BMP"),
        "RGB_jpeg": _encoded(base.convert("RGB"), "JPEG", quality=90),
        "CMYK_jpeg": _encoded(base.convert("CMYK"), "JPEG", quality=90),
        "L_gif": _encoded(base, "GIF"),
        "F_tiff": _encoded(Image.fromarray(np.asarray(base, dtype=np.float32) / 255.0), "TIFF"),
        "RGB_webp": _encoded(base.convert("RGB"), "WEBP", lossless=True),
        "L_ppm": _encoded(base, "PPM"),
    }
    opened = {name: open_image(data, max_pixels=10**6) for name, data in encoded.items()}
    png = encoded["L_png"]
    rgba = encoded["RGBA_png"]
    rgba_cost = opened["RGBA_png"].cost_bytes
    refusals = {
        "pixels_at_limit": lambda: open_image(png, max_pixels=1200),
        "pixels_over_limit": lambda: open_image(png, max_pixels=1199),
        "decode_at_bound": lambda: open_image(rgba, 10**6, max_decode_bytes=rgba_cost),
        "decode_over_bound": lambda: open_image(rgba, 10**6, max_decode_bytes=rgba_cost - 1),
        "empty": lambda: open_image(b"", 10**6),
        "text": lambda: open_image(b"hello, world", 10**6),
        "pdf": lambda: open_image(b"%PDF-1.4\n%\xe2\xe3", 10**6),
        "eps": lambda: open_image(b"%!PS-Adobe-3.0 EPSF-3.0", 10**6),
        "png_signature_only": lambda: open_image(png[:8] + b"\x00" * 40, 10**6),
        "truncated_header": lambda: open_image(png[:20], 10**6),
        "bomb": lambda: open_image(png_claiming(20000, 20000), 10**9),
        "claims_3000_square": lambda: open_image(png_claiming(3000, 3000), 10**6),
        "ico": lambda: open_image(_encoded(base, "ICO"), 10**6),
    }
    return {
        "names": list(encoded),
        "modes": [item.image.mode for item in opened.values()],
        "costs": [item.cost_bytes for item in opened.values()],
        "undecoded": [bool(item.image.tile) for item in opened.values()],
        "refusal_cases": list(refusals),
        "refusals": [_refusal(call) for call in refusals.values()],
        "looks_like": [
            looks_like_an_image(data)
            for data in (png, b"GIF89a..", b"BM..", b"RIFF\0\0\0\0WEBPVP8", b"RIFF\0\0\0\0WAVE")
            + (b"II*\x00", b"MM\x00*", b"P5 3", b"\xff\xd8\xff\xe0", b"%PDF", b"")
        ],
    }


@probe("service/finish_decode")
def finish_decode_outputs() -> dict[str, Any]:
    """Decoded pixels of each mode as upright 8-bit gray (EXIF rotation, alpha on paper), and
    what a damaged body or an extreme shape is refused as."""
    base = Image.fromarray(marks_page([2], width=90, gap=5)[:40])
    rgba = base.convert("RGBA")
    alpha = np.asarray(rgba).copy()
    alpha[:, :30, 3] = 0  # a transparent left third: it must read as paper
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 clockwise to display"
    sources = {
        "L": _encoded(base),
        "RGB_jpeg": _encoded(base.convert("RGB"), "JPEG", quality=95),
        "RGBA_transparent": _encoded(Image.fromarray(alpha, "RGBA")),
        "I16": _encoded(Image.fromarray(np.asarray(base, dtype=np.uint16) * 257)),
        "exif_rotated": _encoded(base.convert("RGB"), "JPEG", quality=95, exif=exif),
    }
    out: dict[str, Any] = {}
    for name, data in sources.items():
        decoded = finish_decode(open_image(data, max_pixels=10**6))
        summary = image_summary(decoded, grid=4)
        out[name] = {"mode": decoded.mode, **summary}
    png = _encoded(base)
    out["refusals"] = [
        _refusal(lambda: finish_decode(open_image(png[: len(png) // 2], 10**6))),
        _refusal(lambda: finish_decode(open_image(_encoded(Image.new("L", (1, 201))), 10**6))),
        _refusal(lambda: finish_decode(open_image(_encoded(Image.new("L", (1, 200))), 10**6))),
    ]
    return out


@probe("service/data_urls")
def data_urls() -> dict[str, Any]:
    """What decode_data_url returns or refuses for each form of a JSON ``image`` value."""
    payload = base64.b64encode(b"\x89PNG-bytes").decode()
    cases = {
        "png": f"data:image/png;base64,{payload}",
        "upper": f"DATA:IMAGE/PNG;BASE64,{payload}",
        "params": f"data:image/png;name=a.png;charset=x;base64,{payload}",
        "whitespace": f"data:image/png;base64,{payload[:4]}\n {payload[4:]}",
        "no_type": f"data:;base64,{payload}",
        "text_type": f"data:text/plain;base64,{payload}",
        "no_base64": f"data:image/png,{payload}",
        "bad_padding": "data:image/png;base64,aGVsbG8",
        "bad_chars": "data:image/png;base64,aGVs*G8=",
        "not_string": 42,
        "plain_base64": payload,
    }
    results = []
    for value in cases.values():
        try:
            results.append(decode_data_url(value).decode("latin-1"))
        except RequestError as error:
            results.append(f"{error.status} {error.kind}")
    return {"cases": list(cases), "results": results}


@probe("service/byte_budget")
def byte_budget() -> dict[str, Any]:
    """The decode budget's reservations: first come first served (no barging by a small one),
    bounds at and past capacity, cancellation handing the turn on, and reserve() release."""

    async def scenario() -> dict[str, Any]:
        budget = ByteBudget(100)
        trace: list[list[int]] = []
        granted: list[str] = []

        def snap() -> None:
            trace.append([budget.in_use, budget.waiting])

        async def take(name: str, nbytes: int) -> None:
            await budget.acquire(nbytes)
            granted.append(name)

        await budget.acquire(60)
        snap()
        big = asyncio.ensure_future(take("fifty", 50))
        small = asyncio.ensure_future(take("ten", 10))
        await asyncio.sleep(0)
        snap()  # ten fits, but waits behind fifty
        budget.release(60)
        await asyncio.gather(big, small)
        snap()
        budget.release(50)
        budget.release(10)
        await budget.acquire(100)  # exactly the capacity
        snap()
        blocked = asyncio.ensure_future(take("blocked", 70))
        behind = asyncio.ensure_future(take("behind", 30))
        await asyncio.sleep(0)
        snap()
        blocked.cancel()
        await asyncio.gather(blocked, return_exceptions=True)
        snap()
        budget.release(70)
        await behind
        snap()
        budget.release(30)
        async with budget.reserve(40):
            snap()
        snap()
        bounds = []
        for nbytes in (101, -1):
            try:
                await budget.acquire(nbytes)
                bounds.append("ok")
            except ValueError as error:
                bounds.append(str(error))
        return {"trace": trace, "granted": granted, "bounds": bounds}

    return asyncio.run(scenario())


# -- batching and the service -------------------------------------------------------------------


@probe("service/micro_batches")
def micro_batches() -> dict[str, Any]:
    """Batches formed from N waiting requests under max_batch_size (modes split, order kept),
    and the window: a request arriving within it joins the batch, one after a zero window not."""

    async def queued(count: int, max_batch: int, modes: Sequence[str]) -> dict[str, Any]:
        reader = SizeReader()
        reader.gate.clear()
        observed: list[int] = []
        batcher = MicroBatcher(
            reader, 64, max_batch, 0.0, on_batch=lambda size, _: observed.append(size)
        )
        batcher.start()
        first = asyncio.ensure_future(batcher.submit(_image(30), "lines"))
        await _until(reader.entered.is_set)
        waiting = [
            asyncio.ensure_future(batcher.submit(_image(31 + i), modes[i % len(modes)]))
            for i in range(count)
        ]
        await _until(lambda: batcher.queued == count)
        depth = batcher.queued
        reader.gate.set()
        predictions = await asyncio.gather(first, *waiting)
        await batcher.stop()
        return {
            "depth": depth,
            "calls": [size for size, _ in reader.calls],
            "call_modes": [mode for _, mode in reader.calls],
            "observed": observed,
            "texts": [p.text for p in predictions],
            "kinds": [p.kind for p in predictions],
        }

    async def windowed(window_s: float) -> list[int]:
        reader = SizeReader()
        batcher = MicroBatcher(reader, 8, 2, window_s)
        batcher.start()
        first = asyncio.ensure_future(batcher.submit(_image(40), "lines"))
        await asyncio.sleep(0.01)
        second = asyncio.ensure_future(batcher.submit(_image(41), "lines"))
        await asyncio.gather(first, second)
        await batcher.stop()
        return [size for size, _ in reader.calls]

    async def scenario() -> dict[str, Any]:
        return {
            "ten_by_four": await queued(10, 4, ["lines"]),
            "exact_fit": await queued(6, 3, ["lines"]),
            "mixed_modes": await queued(5, 8, ["lines", "paragraphs", "auto"]),
            "window_1s": await windowed(1.0),
            "window_0": await windowed(0.0),
        }

    with _quiet_logs():
        return asyncio.run(scenario())


@probe("service/batch_failures")
def batch_failures() -> dict[str, Any]:
    """A failing batch is retried one by one (only the bad image fails), a full queue refuses
    at once, a request whose client left is skipped, and stop() fails whatever still waits."""

    async def scenario() -> dict[str, Any]:
        reader = SizeReader()
        reader.gate.clear()
        batcher = MicroBatcher(reader, 3, 8, 0.0)
        batcher.start()
        first = asyncio.ensure_future(batcher.submit(_image(30), "lines"))
        await _until(reader.entered.is_set)
        widths = [50, REFUSED_WIDTH, 51, CRASH_WIDTH]
        jobs = [asyncio.ensure_future(batcher.submit(_image(w), "lines")) for w in widths[:3]]
        await _until(lambda: batcher.queued == 3)
        try:
            await batcher.submit(_image(99), "lines")
            full = "accepted"
        except QueueFullError as error:
            full = str(error)
        jobs[2].cancel()  # its client went away while it waited
        reader.gate.set()
        outcomes = await asyncio.gather(first, *jobs, return_exceptions=True)
        crash = await asyncio.gather(
            batcher.submit(_image(CRASH_WIDTH), "lines"), return_exceptions=True
        )
        calls_before_stop = list(reader.calls)
        reader.gate.clear()
        reader.entered.clear()
        held = asyncio.ensure_future(batcher.submit(_image(60), "lines"))
        await _until(reader.entered.is_set)
        stranded = asyncio.ensure_future(batcher.submit(_image(61), "lines"))
        await _until(lambda: batcher.queued == 1)
        stopping = asyncio.ensure_future(batcher.stop())
        await asyncio.sleep(0.01)
        reader.gate.set()
        await stopping
        late = await asyncio.gather(held, stranded, return_exceptions=True)

        def show(outcome: Any) -> str:
            if isinstance(outcome, BaseException):
                return f"{type(outcome).__name__}: {outcome}"
            return outcome.text

        return {
            "queue_full": full,
            "outcomes": [show(item) for item in outcomes],
            "single_crash": [show(item) for item in crash],
            "calls": [size for size, _ in calls_before_stop],
            "after_stop": [show(item) for item in late],
        }

    with _quiet_logs():
        return asyncio.run(scenario())


@probe("service/lifecycle", requires=("prometheus_client",))
def lifecycle() -> dict[str, Any]:
    """The service from start to drain: check_ready's refusal at each stage (loading, a failed
    try awaiting retry, given up, ready, queue full, draining) and the readiness gauge."""

    def check(service: RecognitionService) -> list[str]:
        try:
            service.check_ready()
            return ["ready", "-"]
        except RequestError as error:
            return [f"{error.status} {error.kind}: {error.message}", str(error.headers)]

    async def scenario() -> dict[str, Any]:
        out: dict[str, Any] = {}
        settings = ServeSettings(max_queue=1, batch_window_ms=0.0, model_load_attempts=1)
        reader = SizeReader()
        release = threading.Event()

        def slow_factory() -> SizeReader:
            release.wait(timeout=10)
            return reader

        service = RecognitionService(slow_factory, settings, _metrics())
        out["before_start"] = check(service) + [str(service.ready)]
        service.start()
        await asyncio.sleep(0)
        out["loading"] = check(service)
        out["ready_gauge_loading"] = service.metrics.value("recognizer_ready")
        release.set()
        await service.wait_until_loaded()
        out["loaded"] = check(service) + [service.model_version]
        out["ready_gauge"] = service.metrics.value("recognizer_ready")
        out["model_info"] = service.metrics.value("recognizer_model_info", version="probe-1")
        reader.gate.clear()
        first = asyncio.ensure_future(service.recognize(_image(30), "lines"))
        await _until(reader.entered.is_set)
        second = asyncio.ensure_future(service.recognize(_image(31), "auto"))
        await _until(lambda: service.queued == 1)
        out["queue_full"] = check(service)
        out["queue_gauge"] = service.metrics.value("recognizer_queue_depth")
        try:
            await service.recognize(_image(32), "lines")
            out["third"] = "accepted"
        except RequestError as error:
            out["third"] = f"{error.status} {error.kind}"
        reader.gate.set()
        out["texts"] = [p.text for p in await asyncio.gather(first, second)]
        service.begin_drain()
        out["draining"] = check(service)
        await service.stop()
        out["stopped_ready"] = service.ready

        failures: list[str] = []

        def broken() -> SizeReader:
            raise OSError("weights are missing")

        failing = RecognitionService(broken, settings, _metrics())
        failing.on_load_failed = failures.append
        failing.start()
        await failing.wait_until_loaded()
        out["failed"] = check(failing) + [str(failing.load_attempts), str(failing.load_failed)]
        out["failure_reports"] = failures
        try:
            await failing.recognize(_image(30), "lines")
        except RequestError as error:
            out["failed_recognize"] = f"{error.status} {error.kind}"
        await failing.stop()

        retrying = RecognitionService(
            broken, ServeSettings(model_load_attempts=2, retry_after_s=7), _metrics()
        )
        retrying.start()
        await _until(lambda: retrying.load_error is not None)
        await asyncio.sleep(0)
        out["retrying"] = check(retrying) + [retrying.load_error or "-"]
        await retrying.stop()
        out["retry_cancelled"] = [retrying.load_attempts, int(retrying.load_failed)]
        return out

    with _quiet_logs():
        return asyncio.run(scenario())


@probe("service/admission", requires=("prometheus_client",))
def admission() -> dict[str, Any]:
    """admit() counts requests in flight up to max_inflight, refuses the next as overloaded with
    Retry-After, and gives the slot back on success and on failure; the gauge follows."""
    service = RecognitionService(SizeReader, ServeSettings(max_inflight=2, retry_after_s=3), None)
    counts = [service.inflight]
    refusals = []
    with service.admit():
        counts.append(service.inflight)
        with service.admit():
            counts.append(service.inflight)
            gauge_full = service.metrics.value("recognizer_inflight_requests")
            try:
                with service.admit():
                    counts.append(-1)
            except RequestError as error:
                refusals += [f"{error.status} {error.kind}", str(error.headers), error.message]
            counts.append(service.inflight)
        counts.append(service.inflight)
    try:
        with service.admit():
            counts.append(service.inflight)
            raise ValueError("the handler failed")
    except ValueError:
        pass
    counts.append(service.inflight)
    return {"counts": counts, "refusals": refusals, "gauge_full": gauge_full}


# -- access -------------------------------------------------------------------------------------


@probe("service/hosts_and_tokens")
def hosts_and_tokens() -> dict[str, Any]:
    """Host header matching (ports, brackets, case, trailing dots, wildcards), bearer token
    checks on malformed headers, loopback binds and which paths need the token."""
    hosts = [
        "localhost",
        "LOCALHOST:8000",
        "localhost.",
        "127.0.0.1:8000",
        "[::1]:8000",
        "::1",
        "api.example.com",
        "a.api.example.com:443",
        "example.com",
        "evilexample.com",
        "api.example.com.evil.test",
        "",
        " localhost ",
    ]
    allow_lists = {
        "loopback": ["127.0.0.1", "localhost", "::1"],
        "wildcard_sub": ["*.example.com"],
        "exact_with_port": ["api.example.com:8000"],
        "any": ["*"],
        "trailing_dot": ["Example.COM."],
    }
    tokens = [
        f"Bearer {TOKEN}",
        f"bearer {TOKEN}",
        f"BEARER   {TOKEN}  ",
        f" Bearer {TOKEN}",
        f"Bearer {TOKEN}x",
        f"Bearer {TOKEN[:-1]}",
        f"Bearer {TOKEN} extra",
        "Bearer",
        "Bearer ",
        f"Basic {TOKEN}",
        TOKEN,
        f"Bearer\t{TOKEN}",
        "",
    ]
    paths = ["/v1/recognize", "/metrics", "/healthz", "/readyz", "/", "/docs", "/static/app.js"]
    paths += ["/static", "/openapi.json", "/redoc", "/v2/x", "/docs-assets/favicon.png"]
    binds = ["127.0.0.1", "localhost", "0.0.0.0", "::1", "[::1]", "127.0.0.2", "10.0.0.1", "x"]
    return {
        "hosts": hosts,
        "names": [host_name(host) for host in hosts],
        "allowed": {
            name: [host_allowed(host, patterns) for host in hosts]
            for name, patterns in allow_lists.items()
        },
        "tokens": [token_matches(header, TOKEN) for header in tokens],
        "paths": paths,
        "needs_token": [needs_token(path) for path in paths],
        "loopback": [is_loopback(bind) for bind in binds],
    }


@probe("service/access_middleware", requires=("prometheus_client",))
def access_middleware() -> dict[str, Any]:
    """What AccessMiddleware answers before routing for each Host/token/overload case, which
    refusals it counts, and that probes and metrics pass under overload."""
    metrics = _metrics()
    connections = {"open": 0}

    async def inner(scope: dict, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})

    middleware = AccessMiddleware(
        inner,
        metrics,
        allowed_hosts=("localhost", "*.example.com"),
        token=TOKEN,
        max_connections=2,
        open_connections=lambda: connections["open"],
        retry_after_s=4,
    )
    auth = [(b"authorization", f"Bearer {TOKEN}".encode())]
    cases: dict[str, tuple[str, bytes | None, list, int]] = {
        "good": (RECOGNIZE, b"localhost:8000", auth, 0),
        "subdomain": (RECOGNIZE, b"a.example.com", auth, 0),
        "bad_host": (RECOGNIZE, b"evil.test", auth, 0),
        "no_host": (RECOGNIZE, None, auth, 0),
        "bad_host_and_token": (RECOGNIZE, b"evil.test", [], 0),
        "no_token": (RECOGNIZE, b"localhost", [], 0),
        "wrong_token": (RECOGNIZE, b"localhost", [(b"authorization", b"Bearer nope")], 0),
        "metrics_no_token": ("/metrics", b"localhost", [], 0),
        "page_no_token": ("/", b"localhost", [], 0),
        "probe_bad_host": ("/healthz", b"evil.test", [], 5),
        "at_connection_limit": (RECOGNIZE, b"localhost", auth, 2),
        "over_connection_limit": (RECOGNIZE, b"localhost", auth, 3),
        "metrics_overloaded": ("/metrics", b"localhost", auth, 3),
        "overloaded_no_token": (RECOGNIZE, b"localhost", [], 3),
    }

    async def scenario() -> list[dict]:
        answers = []
        for path, host, headers, open_count in cases.values():
            connections["open"] = open_count
            answers.append(
                await _call(middleware, http_scope(path, headers=headers, host=host), [])
            )
        return answers

    answers = asyncio.run(scenario())
    return {
        "cases": list(cases),
        "statuses": [a["status"] for a in answers],
        "kinds": [a["kind"] for a in answers],
        "www_authenticate": [a["headers"].get("www-authenticate", "-") for a in answers],
        "retry_after": [a["headers"].get("retry-after", "-") for a in answers],
        "counted": [
            metrics.errors(kind) for kind in ("invalid_host", "unauthorized", "overloaded")
        ],
    }


@probe("service/trusted_proxies", requires=("uvicorn",))
def trusted_proxies() -> dict[str, Any]:
    """The client address and scheme a request is seen with, for each trusted_proxies setting
    wired as the server wires it (forwarded headers believed only from the listed peers)."""
    from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

    seen: list[str] = []

    async def inner(scope: dict, receive: Any, send: Any) -> None:
        seen.append(f"{scope['client'][0]} {scope['scheme']}")

    settings = {
        "none": (),
        "one_ip": ("10.0.0.1",),
        "network": ("10.0.0.0/8",),
        "two_hops": ("10.0.0.1", "10.0.0.2"),
    }
    requests = {
        "direct": ("203.0.113.5", []),
        "via_proxy": (
            "10.0.0.1",
            [(b"x-forwarded-for", b"198.51.100.7"), (b"x-forwarded-proto", b"https")],
        ),
        "via_proxy_chain": ("10.0.0.1", [(b"x-forwarded-for", b"198.51.100.7, 10.0.0.2")]),
        "spoofed_chain": ("10.0.0.1", [(b"x-forwarded-for", b"1.2.3.4, 198.51.100.7")]),
        "untrusted_peer": ("203.0.113.5", [(b"x-forwarded-for", b"198.51.100.7")]),
        "loopback_peer": ("127.0.0.1", [(b"x-forwarded-for", b"198.51.100.7")]),
        "bad_proto": ("10.0.0.1", [(b"x-forwarded-proto", b"gopher")]),
    }

    async def scenario() -> dict[str, list[str]]:
        out = {}
        for name, proxies in settings.items():
            ServeSettings(trusted_proxies=proxies)  # valid as configured
            app: Any = inner
            if proxies:  # build_server: proxy_headers only when proxies are named
                app = ProxyHeadersMiddleware(inner, trusted_hosts=list(proxies))
            seen.clear()
            for peer, headers in requests.values():
                await app(http_scope("/healthz", "GET", headers, client=(peer, 5000)), None, None)
            out[name] = list(seen)
        return out

    return {"requests": list(requests), **asyncio.run(scenario())}


# -- parsing ------------------------------------------------------------------------------------


def _multipart(parts: Sequence[tuple[str, str | None, bytes]], boundary: str = "probe") -> bytes:
    lines = b""
    for name, filename, data in parts:
        disposition = f'form-data; name="{name}"'
        if filename is not None:
            disposition += f'; filename="{filename}"'
        lines += f"--{boundary}\r\nContent-Disposition: {disposition}\r\n".encode()
        if filename is not None:
            lines += b"Content-Type: application/octet-stream\r\n"
        lines += b"\r\n" + data + b"\r\n"
    return lines + f"--{boundary}--\r\n".encode()


@probe("service/request_parsing", requires=("starlette", "multipart"))
def request_parsing() -> dict[str, Any]:
    """parse_recognize_request on each encoding (raw image, JSON data URL, multipart) and mode
    source: the bytes and mode it yields, or the kind it refuses with."""
    from starlette.requests import Request

    from text_recognizer.api.parsing import parse_recognize_request

    image = b"\x89PNG\r\n\x1a\nfake-image-bytes"
    url = "data:image/png;base64," + base64.b64encode(image).decode()
    form = "multipart/form-data; boundary=probe"
    cases: dict[str, tuple[str, bytes, bytes, int | None]] = {
        "raw_png": ("image/png", b"", image, None),
        "raw_query_mode": ("image/jpeg", b"mode=Paragraph", image, None),
        "raw_bad_query_mode": ("image/png", b"mode=page", image, None),
        "raw_long_mode": ("image/png", b"mode=" + b"l" * 25, image, None),
        "json": ("application/json", b"", json.dumps({"image": url}).encode(), None),
        "json_mode": (
            "Application/JSON; charset=utf-8",
            b"mode=lines",
            json.dumps({"image": url, "mode": "paragraphs"}).encode(),
            None,
        ),
        "json_query_mode": (
            "application/json",
            b"mode=line",
            json.dumps({"image": url}).encode(),
            None,
        ),
        "json_mode_number": (
            "application/json",
            b"",
            json.dumps({"image": url, "mode": 3}).encode(),
            None,
        ),
        "json_list": ("application/json", b"", b"[1, 2]", None),
        "json_no_image": ("application/json", b"", b'{"mode": "auto"}', None),
        "json_broken": ("application/json", b"", b'{"image": ', None),
        "json_deep": ("application/json", b"", b"[" * 3000, None),
        "json_bad_url": (
            "application/json",
            b"",
            b'{"image": "data:text/plain;base64,aGk="}',
            None,
        ),
        "multipart": (form, b"", _multipart([("file", "a.png", image)]), None),
        "multipart_mode": (
            form,
            b"mode=auto",
            _multipart([("mode", None, b"LINES"), ("file", "a.png", image)]),
            None,
        ),
        "multipart_no_file": (form, b"", _multipart([("mode", None, b"lines")]), None),
        "multipart_file_as_field": (form, b"", _multipart([("file", None, image)]), None),
        "multipart_many_fields": (
            form,
            b"",
            _multipart([(f"f{i}", None, b"x") for i in range(6)] + [("file", "a", image)]),
            None,
        ),
        "multipart_two_files": (
            form,
            b"",
            _multipart([("file", "a.png", image), ("other", "b.png", image)]),
            None,
        ),
        "multipart_garbage": (form, b"", b"this is not multipart at all", None),
        "text_plain": ("text/plain", b"", image, None),
        "no_type": ("", b"", image, None),
        "empty": ("image/png", b"", b"", None),
        "at_limit": ("image/png", b"", b"x" * 4096, None),
        "over_limit": ("image/png", b"", b"x" * 4097, None),
        "declared_over": ("image/png", b"", b"x" * 10, 4097),
        "declared_under": ("image/png", b"", b"x" * 4097, 10),
    }

    async def parse(content_type: str, query: bytes, body: bytes, declared: int | None) -> str:
        length = len(body) if declared is None else declared
        headers = [(b"content-length", str(length).encode())]
        if content_type:
            headers.append((b"content-type", content_type.encode()))
        chunks = [body[i : i + 1000] for i in range(0, len(body), 1000)] or [b""]
        request = Request(
            http_scope(RECOGNIZE, headers=headers, query=query), _receiver(_body(chunks))
        )
        try:
            parsed = await parse_recognize_request(request, max_bytes=4096)
        except RequestError as error:
            return f"{error.status} {error.kind}"
        return f"{len(parsed.data)} bytes, {parsed.mode}, {parsed.data == image}"

    async def scenario() -> list[str]:
        return [await parse(*case) for case in cases.values()]

    with _quiet_logs():
        results = asyncio.run(scenario())
    return {
        "cases": list(cases),
        "results": results,
        "check_mode": [
            _mode_or_refusal(mode)
            for mode in ("auto", "LINE", " paragraphs ", "Paragraph", "page", "", None, "l" * 21)
        ],
        "media_types": [
            media_type_of(value)
            for value in (
                " Application/JSON; charset=utf-8",
                "image/PNG",
                "",
                "multipart/form-data;b=1",
            )
        ],
    }


def _mode_or_refusal(mode: Any) -> str:
    try:
        return check_mode(mode)
    except RequestError as error:
        return f"{error.status} {error.kind}: {error.message}"


# -- the guard middleware -----------------------------------------------------------------------


async def _read_body(receive: Any) -> bytes:
    data = b""
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise OSError("client disconnected")
        data += message.get("body", b"")
        if not message.get("more_body", False):
            return data


async def _answer(send: Any, status: int = 200) -> None:
    await send({"type": "http.response.start", "status": status, "headers": []})
    await send({"type": "http.response.body", "body": b'{"ok": true}'})


@probe("service/guard_outcomes", requires=("prometheus_client",))
def guard_outcomes() -> dict[str, Any]:
    """GuardMiddleware at the ASGI level around tiny inner apps: the status sent and the status
    counted for a normal answer, crashes before and after the answer starts, disconnects before
    and after a complete answer, an unread body, a slow body and a draining server."""

    async def normal(scope: dict, receive: Any, send: Any) -> None:
        await _read_body(receive)
        await _answer(send)

    async def crash_before(scope: dict, receive: Any, send: Any) -> None:
        await _read_body(receive)
        raise RuntimeError("secret detail /srv/model.pt")

    async def crash_after(scope: dict, receive: Any, send: Any) -> None:
        await _read_body(receive)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        raise RuntimeError("failed mid-answer")

    async def listens_after(scope: dict, receive: Any, send: Any) -> None:
        await _read_body(receive)
        await _answer(send)
        await receive()  # the client's disconnect after the whole answer

    async def early_refusal(scope: dict, receive: Any, send: Any) -> None:
        await send_error(send, request_error("unauthorized", "no"))

    async def quiet_on_disconnect(scope: dict, receive: Any, send: Any) -> None:
        try:
            await _read_body(receive)
        except OSError:
            return
        await _answer(send)

    async def framework(scope: dict, receive: Any, send: Any) -> None:
        """Answers a RequestError from reading the body as the app's handler would."""
        try:
            await _read_body(receive)
        except RequestError as error:
            await send_error(send, error)
            return
        await _answer(send)

    disconnect = {"type": "http.disconnect"}
    length = [(b"content-length", b"8")]
    cases: dict[str, tuple[Any, list, list, bool]] = {
        "normal": (normal, length, _body([b"abcd", b"efgh"]), False),
        "no_body_get": (normal, [], _body([b""]), False),
        "crash_before_start": (crash_before, length, _body([b"abcdefgh"]), False),
        "crash_after_start": (crash_after, length, _body([b"abcdefgh"]), False),
        "disconnect_mid_body": (normal, length, _body([b"abcd"], end=False) + [disconnect], False),
        "disconnect_quietly": (
            quiet_on_disconnect,
            length,
            _body([b"abcd"], end=False) + [disconnect],
            False,
        ),
        "disconnect_after_answer": (
            listens_after,
            length,
            _body([b"abcdefgh"]) + [disconnect],
            False,
        ),
        "refused_unread_body": (early_refusal, length, _body([b"abcdefgh"]), False),
        "chunked_unread_body": (
            early_refusal,
            [(b"transfer-encoding", b"chunked")],
            _body([b"x"]),
            False,
        ),
        "body_timeout": (framework, length, _body([b"abcd"], end=False), False),
        "body_timeout_unhandled": (normal, length, _body([b"abcd"], end=False), False),
        "draining": (framework, length, _body([b"abcd"], end=False), True),
    }

    async def scenario() -> dict[str, Any]:
        rows: dict[str, list] = {"status": [], "kind": [], "messages": [], "connection": []}
        rows["nosniff"] = []
        counted = []
        for inner, headers, events, drain in cases.values():
            metrics = _metrics()
            draining = asyncio.Event()
            if drain:
                draining.set()
            guard = GuardMiddleware(inner, metrics, 0.05, draining, known_paths=[RECOGNIZE])
            answer = await _call(guard, http_scope(RECOGNIZE, headers=headers), events)
            rows["status"].append(answer["status"])
            rows["kind"].append(answer["kind"])
            rows["messages"].append(answer["messages"])
            rows["connection"].append(answer["headers"].get("connection", "-"))
            rows["nosniff"].append(answer["headers"].get("x-content-type-options", "-"))
            statuses = (200, 401, 408, 499, 500, 503)
            counted.append(
                [metrics.requests(RECOGNIZE, "POST", status) for status in statuses]
                + [
                    int(metrics.value("recognizer_client_disconnects_total", route=RECOGNIZE)),
                    metrics.errors("internal_error"),
                ]
            )
        lifespan = []

        async def record(scope: dict, receive: Any, send: Any) -> None:
            lifespan.append(scope["type"])

        await GuardMiddleware(record, _metrics(), 1.0, asyncio.Event())(
            {"type": "lifespan"}, None, None
        )
        return {**rows, "counted": counted, "lifespan_passed": lifespan}

    with _quiet_logs():
        out = asyncio.run(scenario())
    out["cases"] = list(cases)
    out["route_labels"] = [
        route_label({"path": "/v1/recognize"}, [RECOGNIZE]),
        route_label({"path": "/nowhere"}, [RECOGNIZE]),
        route_label({"path": "/x/1", "route": type("R", (), {"path": "/x/{id}"})()}),
    ]
    out["has_body"] = [
        has_body({"headers": headers})
        for headers in (
            [(b"content-length", b"0")],
            [(b"content-length", b" 12 ")],
            [(b"content-length", b"")],
            [(b"transfer-encoding", b"chunked")],
            [],
        )
    ]
    return out


@probe("service/metrics_text", requires=("prometheus_client",))
def metrics_text() -> dict[str, Any]:
    """The service's own lines of the Prometheus text after a fixed sequence of requests,
    errors, disconnects, batches and gauges (process metrics and creation times left out)."""
    service = RecognitionService(SizeReader, ServeSettings(), _metrics())
    metrics = service.metrics
    for route, method, status, seconds in (
        (RECOGNIZE, "POST", 200, 0.004),
        (RECOGNIZE, "POST", 200, 0.12),
        (RECOGNIZE, "POST", 413, 0.03),
        (RECOGNIZE, "POST", 499, 3.0),
        ("/healthz", "GET", 200, 0.001),
        ("other", "GET", 404, 20.0),
    ):
        metrics.observe_request(route, method, status, seconds)
    for kind in ("body_too_large", "not_found", "body_too_large"):
        metrics.count_error(kind)
    metrics.count_disconnect(RECOGNIZE)
    metrics.count_closed_connection("header_timeout")
    for size, seconds in ((1, 0.02), (3, 0.2), (8, 0.6), (9, 12.0)):
        metrics.observe_batch(size, seconds)
    metrics.set_model("")
    metrics.set_ready(True)
    service.inflight = 2
    text = metrics.render().decode()
    own = []
    for line in text.splitlines():
        name = line.split(" ")[2] if line.startswith("#") else line.split("{")[0].split(" ")[0]
        if not name.startswith(("process_", "python_")) and not name.endswith("_created"):
            own.append(line)
    return {"lines": own, "count": len(own)}
