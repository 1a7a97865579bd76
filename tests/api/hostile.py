"""Hostile clients on loopback, for the fault suite (test_faults.py) and for measuring the
service's targets on the real model.

Each helper does one thing a badly behaved client does: hold connections open without a word,
stall an upload, flood the decoder with worst-case images. :class:`ServerProcess` runs the server
as a child process so its memory can be read and it can be sent SIGTERM.

    python -m tests.api.hostile            # measures `text-recognizer serve` (default model)

prints a table of the issue's targets (health latency under 260 idle connections, stalled
upload cut-off, SIGTERM exit, peak RSS under 8 worst-case images, latency of lines at 4 clients).
Every request goes to 127.0.0.1; every loop is bounded in count and time.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import http.client
import io
import json
import math
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Sequence

from PIL import Image

HOST = "127.0.0.1"
MIB = 1024 * 1024


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def serve_command(port: int, *options: str) -> list[str]:
    """``text-recognizer serve`` on ``port`` (the real CLI and, unless told, the default model)."""
    return [sys.executable, "-m", "text_recognizer", "serve", "--port", str(port), *options]


def fake_server_command(port: int, delay_ms: float = 0.0, **settings: Any) -> list[str]:
    """The service around the fake recognizer (tests.api.live_server) with ``settings``."""
    sets = [f"--set={name}={value!r}" for name, value in settings.items()]
    command = [sys.executable, "-m", "tests.api.live_server", "--port", str(port)]
    return [*command, "--delay-ms", str(delay_ms), *sets]


class ServerProcess:
    """A server child process on loopback: its URL, its memory, its log, and how it ended."""

    def __init__(self, command: Sequence[str], port: int) -> None:
        self.port = port
        self.url = f"http://{HOST}:{port}"
        self._log = tempfile.TemporaryFile()
        root = Path(__file__).resolve().parents[2]
        env = {**os.environ, "PYTHONPATH": str(root)}
        self.process = subprocess.Popen(
            list(command), stdout=self._log, stderr=subprocess.STDOUT, cwd=root, env=env
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    def wait_until(self, path: str = "/readyz", timeout_s: float = 120.0) -> None:
        """Poll ``path`` until it answers 200; fail with the server's log if it never does."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited ({self.process.returncode}):\n{self.log()}")
            with contextlib.suppress(OSError):
                if request(self.port, "GET", path, timeout_s=2.0).status == 200:
                    return
            time.sleep(0.1)
        raise RuntimeError(f"{path} did not answer 200 within {timeout_s} s:\n{self.log()}")

    def status(self, key: str = "VmRSS") -> int:
        """``VmRSS`` (resident) or ``VmHWM`` (peak resident) of the server, in bytes."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024
        raise RuntimeError(f"no {key} for process {self.pid}")

    def reset_peak(self) -> None:
        """Make ``VmHWM`` start again from the current RSS (Linux ``clear_refs``)."""
        Path(f"/proc/{self.pid}/clear_refs").write_text("5")

    def log(self) -> str:
        self._log.seek(0)
        return self._log.read().decode(errors="replace")

    def stop(self, timeout_s: float = 30.0) -> float:
        """SIGTERM, then wait; the seconds it took to exit (SIGKILL after ``timeout_s``)."""
        started = time.perf_counter()
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout_s)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return time.perf_counter() - started

    def __enter__(self) -> ServerProcess:
        return self

    def __exit__(self, *_: object) -> None:
        self.stop(timeout_s=10.0)
        self._log.close()


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes
    seconds: float

    def json(self) -> Any:
        return json.loads(self.body)


def request(
    port: int,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout_s: float = 10.0,
) -> Reply:
    """One request on a fresh connection (no pooling: each probe pays its own accept)."""
    started = time.perf_counter()
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout_s)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        data = response.read()
    finally:
        connection.close()
    reply_headers = {name.lower(): value for name, value in response.getheaders()}
    return Reply(response.status, reply_headers, data, time.perf_counter() - started)


def multipart(data: bytes, mode: str = "auto", filename: str = "image.png") -> tuple[bytes, str]:
    """A multipart body with ``file`` and ``mode``, and its Content-Type."""
    boundary = "hostile-boundary-7f3a"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="mode"\r\n\r\n{mode}\r\n'.encode(),
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n".encode(),
        data,
        f"\r\n--{boundary}--\r\n".encode(),
    ]
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def post_image(port: int, data: bytes, mode: str = "auto", timeout_s: float = 120.0) -> Reply:
    body, content_type = multipart(data, mode)
    return request(port, "POST", "/v1/recognize", body, {"Content-Type": content_type}, timeout_s)


def idle_connections(port: int, count: int) -> list[socket.socket]:
    """``count`` connections that never send a byte (each in its own socket)."""
    sockets = []
    for _ in range(count):
        sockets.append(socket.create_connection((HOST, port), timeout=5.0))
    return sockets


def closed_by_server(sockets: Sequence[socket.socket], timeout_s: float) -> int:
    """How many of ``sockets`` the server closes (EOF) within ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    closed = 0
    for sock in sockets:
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        with contextlib.suppress(OSError):
            if sock.recv(1) == b"":
                closed += 1
    return closed


def stalled_upload(port: int, declared_bytes: int = 100_000, sent: bytes = b"\x89PNG") -> Any:
    """A connection that sends headers and the first bytes of a body, then nothing."""
    sock = socket.create_connection((HOST, port), timeout=30.0)
    head = (
        f"POST /v1/recognize HTTP/1.1\r\nHost: {HOST}:{port}\r\nContent-Type: image/png\r\n"
        f"Content-Length: {declared_bytes}\r\n\r\n"
    )
    sock.sendall(head.encode() + sent)
    return sock


def read_reply(sock: socket.socket, timeout_s: float) -> tuple[int | None, bytes, float]:
    """(status, raw response, seconds until the server closed) read from a stalled socket."""
    started = time.perf_counter()
    sock.settimeout(timeout_s)
    data = b""
    with contextlib.suppress(OSError):
        while chunk := sock.recv(65536):
            data += chunk
    seconds = time.perf_counter() - started
    status = int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/1.1 ") else None
    return status, data, seconds


def worst_case_png(
    max_decode_bytes: int, mode: str = "RGBA", max_pixels: int = 40_000_000
) -> bytes:
    """The largest square ``mode`` PNG the service still accepts: just under its decode bound."""
    from text_recognizer.api.limits import decode_cost

    side = int(math.isqrt(min(max_pixels, max_decode_bytes // (decode_cost(mode, 1, 1) or 1))))
    while decode_cost(mode, side, side) > max_decode_bytes or side * side > max_pixels:
        side -= 1
    image = Image.new(mode, (side, side), (255, 255, 255, 255) if mode == "RGBA" else 255)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def concurrent_posts(port: int, images: Sequence[bytes], timeout_s: float = 300.0) -> list[int]:
    """POST every image at once, each from its own thread; their statuses."""
    statuses: list[int] = [0] * len(images)

    def post(index: int) -> None:
        try:
            statuses[index] = post_image(port, images[index], timeout_s=timeout_s).status
        except OSError:
            statuses[index] = -1

    threads = [threading.Thread(target=post, args=(i,)) for i in range(len(images))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout_s)
    return statuses


@dataclass
class Measurements:
    rows: list[tuple[str, str, str]] = field(default_factory=list)

    def add(self, what: str, value: str, target: str) -> None:
        self.rows.append((what, value, target))
        print(f"  {what}: {value}", file=sys.stderr, flush=True)

    def table(self) -> str:
        lines = ["| measurement | value | target |", "| --- | --- | --- |"]
        lines += [f"| {what} | {value} | {target} |" for what, value, target in self.rows]
        return "\n".join(lines)


def measure(options: Sequence[str] = ()) -> Measurements:
    """The issue's targets on ``text-recognizer serve`` with the default model."""
    from text_recognizer.api.settings import ServeSettings

    defaults = ServeSettings()
    results = Measurements()
    port = free_port()
    with ServerProcess(serve_command(port, *options), port) as server:
        server.wait_until("/readyz")
        for _ in range(5):
            post_image(port, line_png(), mode="line")
        baseline = server.status("VmRSS")
        results.add("RSS after start-up and 5 lines", f"{baseline / MIB:.0f} MiB", "-")

        server.reset_peak()
        summary = _load_test(server.url)
        results.add(
            "lines, 4 clients, 200 requests (20% bad): p50 / p95 / p99",
            f"{summary['p50_ms']:.0f} / {summary['p95_ms']:.0f} / {summary['p99_ms']:.0f} ms",
            "p95 <= 150 ms",
        )
        results.add(
            "  errors / shed (503) / peak RSS during the run",
            f"{summary['errors']} / {summary['shed_503']} / {server.status('VmHWM') / MIB:.0f} MiB",
            "0 errors",
        )

        image = worst_case_png(defaults.max_decode_bytes)
        with Image.open(io.BytesIO(image)) as opened:
            size = f"{opened.width}x{opened.height} {opened.mode}, {len(image) // 1024} KB"
        server.reset_peak()
        started = time.perf_counter()
        statuses = concurrent_posts(port, [image] * 8)
        seconds = time.perf_counter() - started
        time.sleep(2.0)
        results.add(
            f"8 concurrent worst-case legal images ({size}): statuses, time",
            f"{sorted(set(statuses))}, {seconds:.1f} s",
            "-",
        )
        results.add(
            "  peak RSS / RSS 2 s after (baseline)",
            f"{server.status('VmHWM') / MIB:.0f} / {server.status('VmRSS') / MIB:.0f} MiB "
            f"({baseline / MIB:.0f})",
            "<= 1024 MiB / <= 1.2x baseline",
        )

        idle = idle_connections(port, 260)
        try:
            time.sleep(0.5)
            probes = [request(port, "GET", "/healthz", timeout_s=5.0) for _ in range(20)]
            refused = post_image(port, line_png(), mode="line")
            slowest = max(reply.seconds for reply in probes)
            results.add(
                "/healthz under 260 idle connections: statuses, slowest of 20",
                f"{sorted({reply.status for reply in probes})}, {1000 * slowest:.1f} ms",
                "200 within 1 s",
            )
            results.add(
                "  a recognize request meanwhile",
                f"{refused.status} {json.loads(refused.body)['error']['kind']}, "
                f"Retry-After {refused.headers.get('retry-after')}",
                "JSON 503 + Retry-After",
            )
            closed = closed_by_server(idle, defaults.header_timeout_s + 5.0)
            results.add(
                "  idle connections closed by the header timeout", f"{closed} of 260", "260"
            )
        finally:
            for sock in idle:
                sock.close()

        stalled = stalled_upload(port)
        status, _, seconds = read_reply(stalled, defaults.body_timeout_s + 10.0)
        stalled.close()
        results.add(
            f"stalled upload: answer, cut off after (body timeout {defaults.body_timeout_s:g} s)",
            f"{status}, {seconds:.1f} s",
            "within the body timeout",
        )

        stalled = stalled_upload(port)
        time.sleep(0.5)
        exit_seconds = server.stop(timeout_s=60.0)
        status, _, _ = read_reply(stalled, 5.0)
        stalled.close()
        results.add(
            f"SIGTERM with a stalled upload: exit after (shutdown timeout "
            f"{defaults.shutdown_timeout_s:g} s), the upload's answer",
            f"{exit_seconds:.2f} s, {status}",
            "within the shutdown timeout",
        )
    return results


def line_png(text: str = "A MOVE to stop Mr. Gaitskell") -> bytes:
    from scripts.load_test import line_image_png

    return line_image_png(text)


def _load_test(url: str) -> dict[str, Any]:
    from scripts.load_test import run_load

    results = asyncio.run(run_load(url, clients=4, requests=200, duration_s=120, bad_fraction=0.2))
    return results.summary()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("options", nargs="*", help="extra `serve` options (after --)")
    args = parser.parse_args(argv)
    print(measure(args.options).table())
    return 0


@contextlib.contextmanager
def fake_server(delay_ms: float = 0.0, **settings: Any) -> Iterator[ServerProcess]:
    """A ready :class:`ServerProcess` around the fake recognizer."""
    port = free_port()
    with ServerProcess(fake_server_command(port, delay_ms, **settings), port) as server:
        server.wait_until("/readyz", timeout_s=60.0)
        yield server


if __name__ == "__main__":
    sys.exit(main())
