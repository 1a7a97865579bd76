"""MicroBatcher on its own: the queue bound, batching and error isolation, without HTTP."""

from __future__ import annotations

import asyncio

import pytest
from PIL import Image

from tests.api.fakes import INVALID_WIDTH, SizeReadingRecognizer
from text_recognizer.api.batching import MicroBatcher, QueueFullError
from text_recognizer.errors import InvalidImageError


def image(width: int) -> Image.Image:
    return Image.new("L", (width, 20), 255)


async def until(condition) -> None:
    for _ in range(2000):
        if condition():
            return
        await asyncio.sleep(0.001)
    raise AssertionError("condition never held")


def run_with_held_model(scenario) -> None:
    """Run ``scenario(batcher, recognizer)`` with the model blocked until the scenario frees it."""
    recognizer = SizeReadingRecognizer()
    recognizer.gate.clear()

    async def main() -> None:
        batcher = MicroBatcher(recognizer, max_queue=2, max_batch_size=4, window_s=0.0)
        batcher.start()
        try:
            await scenario(batcher, recognizer)
        finally:
            recognizer.gate.set()
            await batcher.stop()

    asyncio.run(main())


def test_submit_beyond_the_queue_limit_fails_at_once() -> None:
    async def scenario(batcher, recognizer) -> None:
        first = asyncio.ensure_future(batcher.submit(image(60), "lines"))
        await until(recognizer.entered.is_set)
        waiting = [asyncio.ensure_future(batcher.submit(image(61 + i), "lines")) for i in range(2)]
        await until(lambda: batcher.queued == 2)

        with pytest.raises(QueueFullError):
            await batcher.submit(image(70), "lines")
        recognizer.gate.set()
        texts = [prediction.text for prediction in await asyncio.gather(first, *waiting)]
        assert texts == ["60x20", "61x20", "62x20"]
        assert recognizer.batch_sizes == [1, 2]

    run_with_held_model(scenario)


async def batch_with_a_bad_image(batcher, recognizer, mode: str):
    """Hold the model on a first request while a bad and a good one queue up behind it, then
    let it go: the two waiting requests meet the model as one batch. Returns the three."""
    first = asyncio.ensure_future(batcher.submit(image(60), mode))
    await until(recognizer.entered.is_set)
    bad = asyncio.ensure_future(batcher.submit(image(INVALID_WIDTH), mode))
    good = asyncio.ensure_future(batcher.submit(image(80), mode))
    await until(lambda: batcher.queued == 2)
    recognizer.gate.set()
    return first, bad, good


def test_failing_batch_is_retried_one_by_one_so_only_the_bad_image_fails() -> None:
    async def scenario(batcher, recognizer) -> None:
        first, bad, good = await batch_with_a_bad_image(batcher, recognizer, "lines")

        assert (await first).text == "60x20"
        assert (await good).text == "80x20"
        with pytest.raises(InvalidImageError):
            await bad

    run_with_held_model(scenario)


def test_the_one_by_one_retry_of_a_failing_batch_keeps_the_requests_mode() -> None:
    async def scenario(batcher, recognizer) -> None:
        first, bad, good = await batch_with_a_bad_image(batcher, recognizer, "paragraphs")

        assert (await good).kind == "paragraphs"
        with pytest.raises(InvalidImageError):
            await bad
        await first
        assert recognizer.batch_sizes == [1, 2, 1, 1]  # the batch of two, then each alone
        assert set(recognizer.modes) == {"paragraphs"}

    run_with_held_model(scenario)


def test_requests_whose_client_left_are_not_sent_to_the_model() -> None:
    async def scenario(batcher, recognizer) -> None:
        first = asyncio.ensure_future(batcher.submit(image(60), "lines"))
        await until(recognizer.entered.is_set)
        abandoned = asyncio.ensure_future(batcher.submit(image(90), "lines"))
        await until(lambda: batcher.queued == 1)
        abandoned.cancel()
        recognizer.gate.set()
        await first
        await until(lambda: batcher.queued == 0)
        await asyncio.sleep(0.01)

        assert recognizer.batch_sizes == [1]

    run_with_held_model(scenario)


@pytest.mark.parametrize("max_batch_size", [1, 2, 3])
def test_waiting_requests_go_to_the_model_in_batches_of_at_most_the_batch_size(max_batch_size):
    recognizer = SizeReadingRecognizer()
    recognizer.gate.clear()
    waiting_count = 7

    async def main() -> None:
        batcher = MicroBatcher(recognizer, max_queue=8, max_batch_size=max_batch_size, window_s=0)
        batcher.start()
        try:
            first = asyncio.ensure_future(batcher.submit(image(60), "lines"))
            await until(recognizer.entered.is_set)
            waiting = [
                asyncio.ensure_future(batcher.submit(image(61 + i), "lines"))
                for i in range(waiting_count)
            ]
            await until(lambda: batcher.queued == waiting_count)
            recognizer.gate.set()
            await asyncio.gather(first, *waiting)
        finally:
            recognizer.gate.set()
            await batcher.stop()

    asyncio.run(main())
    full, rest = divmod(waiting_count, max_batch_size)
    assert recognizer.batch_sizes == [1] + [max_batch_size] * full + ([rest] if rest else [])


@pytest.mark.parametrize("window_ms", [0.0, 2.0, 250.0])
def test_the_batch_window_is_given_in_milliseconds(start_client, window_ms):
    client = start_client(batch_window_ms=window_ms)
    assert client.app.state.service._batcher.window_s == pytest.approx(window_ms / 1000.0)
