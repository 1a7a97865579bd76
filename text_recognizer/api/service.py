"""The service's lifecycle, independent of the web framework: load the model, then batch calls.

The model loads in a worker thread after start-up, so the process answers ``/healthz`` at once
and ``/readyz`` turns 200 only when predictions can actually be served (a load balancer must not
route traffic to a replica still reading its weights).
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Callable

from PIL import Image

from text_recognizer.api.batching import MicroBatcher, QueueFullError
from text_recognizer.api.errors import request_error
from text_recognizer.api.metrics import Metrics
from text_recognizer.api.settings import ServeSettings
from text_recognizer.prediction import ImageRecognizer, Prediction

logger = logging.getLogger(__name__)

RecognizerFactory = Callable[[], ImageRecognizer]


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
        self.load_seconds: float | None = None
        self._batcher: MicroBatcher | None = None
        self._load_task: asyncio.Task[None] | None = None
        self.metrics.set_gauge("recognizer_ready", "1 when the model is loaded.", 0)

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

    async def stop(self) -> None:
        if self._load_task is not None and not self._load_task.done():
            self._load_task.cancel()
            await asyncio.gather(self._load_task, return_exceptions=True)
        if self._batcher is not None:
            await self._batcher.stop()
            self._batcher = None

    async def _load(self) -> None:
        started = time.perf_counter()
        try:
            recognizer = await asyncio.to_thread(self.factory)
        except Exception as error:  # the log has the traceback; /readyz says it failed
            logger.exception("loading the model failed")
            self.load_error = f"{type(error).__name__}: {error}"
            return
        self.recognizer = recognizer
        self.load_seconds = time.perf_counter() - started
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
        self.metrics.set_gauge("recognizer_ready", "1 when the model is loaded.", 1)
        logger.info("model %s loaded in %.2f s", self.model_version, self.load_seconds)

    def check_ready(self) -> None:
        """Raise a 503 RequestError (with Retry-After) unless the model is loaded and the queue
        has room: a request that would be refused anyway is refused before its body is read."""
        if self._batcher is None:
            state = "failed to load" if self.load_error else "is still loading"
            raise request_error("not_ready", f"the model {state}", self._retry_after())
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

    def _retry_after(self) -> dict[str, str]:
        return {"Retry-After": str(self.settings.retry_after_s)}
