"""Micro-batching of concurrent requests into bounded model calls, off the event loop.

Requests wait in a bounded queue; a dispatcher takes one as soon as a model slot is free, then
gathers whatever else arrives within a short window (or up to a batch size) and runs one
``predict_batch`` per mode in a worker thread. Under light load a request waits at most the
window; under heavy load batches fill up by themselves while the model is busy. When the queue is
full the caller is refused at once (the app answers 503 + Retry-After) instead of letting latency
grow without bound.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from typing import Callable, Sequence

from PIL import Image

from text_recognizer.prediction import ImageRecognizer, Prediction

logger = logging.getLogger(__name__)


class QueueFullError(Exception):
    """The request queue is at its limit; the caller should retry later."""


@dataclass
class _Job:
    image: Image.Image
    mode: str
    future: asyncio.Future[Prediction]
    enqueued: float = field(default_factory=time.perf_counter)


BatchObserver = Callable[[int, float], None]


class MicroBatcher:
    """Bounded queue + dispatcher in front of an :class:`ImageRecognizer`.

    Start it with :meth:`start` inside a running event loop and stop it with :meth:`stop`.
    """

    def __init__(
        self,
        recognizer: ImageRecognizer,
        max_queue: int,
        max_batch_size: int,
        window_s: float,
        max_concurrency: int = 1,
        on_batch: BatchObserver | None = None,
    ) -> None:
        self.recognizer = recognizer
        self.max_batch_size = max_batch_size
        self.window_s = window_s
        self._queue: asyncio.Queue[_Job] = asyncio.Queue(maxsize=max_queue)
        self._slots = asyncio.Semaphore(max_concurrency)
        self._on_batch = on_batch
        self._dispatcher: asyncio.Task[None] | None = None
        self._running: set[asyncio.Task[None]] = set()

    @property
    def queued(self) -> int:
        """Requests waiting for a model slot (not counting those being recognized)."""
        return self._queue.qsize()

    def start(self) -> None:
        if self._dispatcher is None:
            self._dispatcher = asyncio.get_running_loop().create_task(self._dispatch())

    async def stop(self) -> None:
        """Stop taking work, let running model calls finish, fail whatever still waits."""
        if self._dispatcher is not None:
            self._dispatcher.cancel()
            await asyncio.gather(self._dispatcher, return_exceptions=True)
            self._dispatcher = None
        await asyncio.gather(*self._running, return_exceptions=True)
        while not self._queue.empty():
            job = self._queue.get_nowait()
            if not job.future.done():
                job.future.set_exception(QueueFullError("the service is shutting down"))

    async def submit(self, image: Image.Image, mode: str) -> Prediction:
        """The prediction for one image; raises QueueFullError at once when the queue is full."""
        future: asyncio.Future[Prediction] = asyncio.get_running_loop().create_future()
        try:
            self._queue.put_nowait(_Job(image, mode, future))
        except asyncio.QueueFull:
            raise QueueFullError(f"{self._queue.maxsize} requests are already waiting") from None
        return await future

    async def _dispatch(self) -> None:
        while True:
            await self._slots.acquire()
            try:
                jobs = await self._collect()
            except BaseException:
                self._slots.release()
                raise
            task = asyncio.get_running_loop().create_task(self._run(jobs))
            self._running.add(task)
            task.add_done_callback(self._running.discard)

    async def _collect(self) -> list[_Job]:
        """The first waiting job, plus any that arrive within the window, up to the batch size."""
        jobs = [await self._queue.get()]
        deadline = time.perf_counter() + self.window_s
        while len(jobs) < self.max_batch_size:
            if not self._queue.empty():
                jobs.append(self._queue.get_nowait())
                continue
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                break
            try:
                jobs.append(await asyncio.wait_for(self._queue.get(), remaining))
            except asyncio.TimeoutError:
                break
        return [job for job in jobs if not job.future.done()]  # drop disconnected clients

    async def _run(self, jobs: list[_Job]) -> None:
        try:
            by_mode: dict[str, list[_Job]] = {}
            for job in jobs:
                by_mode.setdefault(job.mode, []).append(job)
            for mode, group in by_mode.items():
                outcomes = await asyncio.to_thread(self._predict_group, group, mode)
                for job, outcome in zip(group, outcomes, strict=True):
                    if job.future.done():
                        continue
                    if isinstance(outcome, BaseException):
                        job.future.set_exception(outcome)
                    else:
                        job.future.set_result(outcome)
        finally:
            self._slots.release()

    def _predict_group(self, group: Sequence[_Job], mode: str) -> list[Prediction | BaseException]:
        """Predictions for one batch (in a worker thread); a failing batch is retried one by one
        so that a single bad image fails only its own request."""
        images = [job.image for job in group]
        started = time.perf_counter()
        try:
            predictions = list(self.recognizer.predict_batch(images, mode))
            if len(predictions) != len(images):
                raise RuntimeError(
                    f"predict_batch returned {len(predictions)} predictions for {len(images)} images"
                )
            self._observe(len(images), time.perf_counter() - started)
            return list(predictions)
        except Exception as error:
            if len(images) == 1:
                return [error]
            logger.warning("batch of %d failed; retrying one by one", len(images), exc_info=True)
        return [self._predict_one(image, mode) for image in images]

    def _predict_one(self, image: Image.Image, mode: str) -> Prediction | BaseException:
        started = time.perf_counter()
        try:
            prediction = self.recognizer.predict(image, mode)
        except Exception as error:  # handed to the request's own error handling
            return error
        self._observe(1, time.perf_counter() - started)
        return prediction

    def _observe(self, size: int, seconds: float) -> None:
        if self._on_batch is not None:
            self._on_batch(size, seconds)
