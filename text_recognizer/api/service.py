"""The service's lifecycle, independent of the web framework: load the model, then batch calls.

The model loads in a worker thread after start-up, so the process answers ``/healthz`` at once
and ``/readyz`` turns 200 only when predictions can actually be served (a load balancer must not
route traffic to a replica still reading its weights). A load that fails is retried with backoff;
when the last try fails, ``on_load_failed`` is called (the server exits non-zero) and ``/readyz``
says so instead of promising a retry.
"""

from __future__ import annotations

import asyncio
import logging
import time
from contextlib import contextmanager
from typing import Callable, Iterator

from PIL import Image

from text_recognizer.api.batching import MicroBatcher, QueueFullError
from text_recognizer.api.errors import request_error
from text_recognizer.api.metrics import Metrics
from text_recognizer.api.settings import ServeSettings
from text_recognizer.prediction import ImageRecognizer, Prediction

logger = logging.getLogger(__name__)

RecognizerFactory = Callable[[], ImageRecognizer]
#: Seconds before the second try to load the model; each later try waits twice as long.
LOAD_BACKOFF_S = 1.0


class RecognitionService:
    """Owns the recognizer, its micro-batcher and the metrics; one per app."""

    def __init__(
        self, factory: RecognizerFactory, settings: ServeSettings, metrics: Metrics | None = None
    ) -> None:
        self.factory = factory
        self.settings = settings
        self.metrics = metrics or Metrics()
        self.recognizer: ImageRecognizer | None = None
        self.load_error: str | None = None
        self.load_attempts = 0
        self.load_failed = False
        self.load_seconds: float | None = None
        #: Called with the reason once the last try to load the model has failed.
        self.on_load_failed: Callable[[str], None] | None = None
        #: Set when the server begins to shut down; uploads still arriving are cut off.
        self.draining = asyncio.Event()
        self.inflight = 0
        self._retry_at: float | None = None
        self._batcher: MicroBatcher | None = None
        self._load_task: asyncio.Task[None] | None = None
        self.metrics.set_ready(False)
        self.metrics.track(
            "recognizer_queue_depth", "Requests waiting for a model slot.", lambda: self.queued
        )
        self.metrics.track(
            "recognizer_inflight_requests",
            "Recognize requests being read, decoded or recognized.",
            lambda: self.inflight,
        )

    @property
    def ready(self) -> bool:
        return self._batcher is not None

    @property
    def model_version(self) -> str:
        return getattr(self.recognizer, "model_version", "") or ""

    @property
    def queued(self) -> int:
        return self._batcher.queued if self._batcher is not None else 0

    def start(self) -> None:
        """Begin loading the model in the background (call inside the running event loop)."""
        self._load_task = asyncio.get_running_loop().create_task(self._load())

    async def wait_until_loaded(self) -> None:
        """Wait for the background load to finish (or fail): for in-process drivers such as
        tests, which have no readiness probe to poll."""
        if self._load_task is not None:
            await asyncio.shield(self._load_task)

    async def stop(self) -> None:
        if self._load_task is not None and not self._load_task.done():
            self._load_task.cancel()
            await asyncio.gather(self._load_task, return_exceptions=True)
        if self._batcher is not None:
            await self._batcher.stop()
            self._batcher = None

    def begin_drain(self) -> None:
        self.draining.set()

    async def _load(self) -> None:
        attempts = self.settings.model_load_attempts
        for attempt in range(1, attempts + 1):
            self.load_attempts = attempt
            started = time.perf_counter()
            try:
                recognizer = await asyncio.to_thread(self.factory)
            except Exception as error:  # the log has the traceback; /readyz says it failed
                self.load_error = f"{type(error).__name__}: {error}"
                if attempt == attempts:
                    logger.error(
                        "loading the model failed (try %d of %d); giving up",
                        attempt,
                        attempts,
                        exc_info=True,
                    )
                    break
                delay = LOAD_BACKOFF_S * 2 ** (attempt - 1)
                logger.warning(
                    "loading the model failed (try %d of %d); retrying in %g s",
                    attempt,
                    attempts,
                    delay,
                    exc_info=True,
                )
                self._retry_at = time.monotonic() + delay
                await asyncio.sleep(delay)
                continue
            self._start(recognizer, time.perf_counter() - started)
            return
        self.load_failed = True
        if self.on_load_failed is not None:
            self.on_load_failed(f"the model failed to load ({self.load_error})")

    def _start(self, recognizer: ImageRecognizer, load_seconds: float) -> None:
        self.recognizer = recognizer
        self.load_seconds = load_seconds
        batcher = MicroBatcher(
            recognizer,
            max_queue=self.settings.max_queue,
            max_batch_size=self.settings.max_batch_size,
            window_s=self.settings.batch_window_ms / 1000.0,
            max_concurrency=self.settings.max_concurrency,
            on_batch=self.metrics.observe_batch,
        )
        batcher.start()
        self._batcher = batcher
        self.metrics.set_ready(True)
        self.metrics.set_model(self.model_version)
        logger.info("model %s loaded in %.2f s", self.model_version, self.load_seconds)

    def check_ready(self) -> None:
        """Raise a 503 RequestError unless the model is loaded, the server is not shutting down
        and the queue has room: a request refused anyway is refused before its body is read."""
        if self.draining.is_set():
            raise request_error("shutting_down", "the service is shutting down")
        if self._batcher is None:
            raise self._not_ready()
        if self._batcher.queued >= self.settings.max_queue:
            raise request_error(
                "queue_full",
                f"the service is at capacity ({self._batcher.queued} requests waiting); "
                "retry later",
                self._retry_after(),
            )

    async def recognize(self, image: Image.Image, mode: str) -> Prediction:
        """The prediction for one decoded image; RequestError 503 when not ready or too busy."""
        if self._batcher is None:
            self.check_ready()
        assert self._batcher is not None
        try:
            return await self._batcher.submit(image, mode)
        except QueueFullError as error:
            raise request_error(
                "queue_full",
                f"the service is at capacity ({error}); retry later",
                self._retry_after(),
            ) from None

    def _not_ready(self) -> Exception:
        """Why the model cannot serve, truthfully: loading, retrying (and when), or given up."""
        attempts = self.settings.model_load_attempts
        if self.load_failed:
            return request_error(
                "not_ready",
                f"the model failed to load ({attempts} tries); the service is exiting",
            )
        if self.load_error is None:
            return request_error("not_ready", "the model is still loading", self._retry_after())
        wait = max(1, round((self._retry_at or 0.0) - time.monotonic()))
        return request_error(
            "not_ready",
            f"the model failed to load (try {self.load_attempts} of {attempts}); "
            f"trying again in about {wait} s",
            {"Retry-After": str(wait)},
        )

    @contextmanager
    def admit(self) -> Iterator[None]:
        """Count one recognize request in flight; 503 ``overloaded`` beyond ``max_inflight``."""
        if self.inflight >= self.settings.max_inflight:
            raise request_error(
                "overloaded",
                f"{self.inflight} requests are already in flight, the service's limit "
                f"(--max-inflight); retry later",
                self._retry_after(),
            )
        self.inflight += 1
        try:
            yield
        finally:
            self.inflight -= 1

    def _retry_after(self) -> dict[str, str]:
        return {"Retry-After": str(self.settings.retry_after_s)}
