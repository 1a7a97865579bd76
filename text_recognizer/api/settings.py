"""Limits of the service, in one validated object shared by the app, the CLI and the tests."""

from __future__ import annotations

from dataclasses import dataclass

from text_recognizer.api.errors import ServiceConfigError


@dataclass(frozen=True)
class ServeSettings:
    """How much one request and the whole service may cost; every limit is enforced, not advisory.

    Defaults suit a 2-core CPU box: a phone photo fits in 10 MiB and 40 Mpx, and one model call at
    a time with up to 8 images per batch keeps latency predictable.

    >>> ServeSettings(max_queue=0)
    Traceback (most recent call last):
    ...
    text_recognizer.api.errors.ServiceConfigError: max_queue must be at least 1, got 0
    """

    max_body_bytes: int = 10 * 1024 * 1024
    max_pixels: int = 40_000_000
    max_concurrency: int = 1
    max_queue: int = 64
    max_batch_size: int = 8
    batch_window_ms: float = 2.0
    retry_after_s: int = 1

    def __post_init__(self) -> None:
        for name in (
            "max_body_bytes",
            "max_pixels",
            "max_concurrency",
            "max_queue",
            "max_batch_size",
            "retry_after_s",
        ):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise ServiceConfigError(f"{name} must be at least 1, got {value!r}")
        if not 0.0 <= self.batch_window_ms <= 1000.0:
            raise ServiceConfigError(
                f"batch_window_ms must be between 0 and 1000, got {self.batch_window_ms!r}"
            )
