"""The decode budget: memory judged from the header before decoding, bounded per request (413)
and for all images in flight together (a byte semaphore)."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest

from tests.api.fakes import encoded_image, wait_until
from text_recognizer.api import limits
from text_recognizer.api.errors import RequestError
from text_recognizer.api.limits import (
    MODEL_BYTES_PER_PIXEL,
    TRIM_AFTER_BYTES,
    ByteBudget,
    decode_cost,
    open_image,
)

MIB = 1024 * 1024


@pytest.mark.parametrize(
    "mode, transparent, bytes_per_pixel",
    [
        ("RGBA", False, 24),  # 4 stored bytes, float32 alpha compositing
        ("LA", False, 24),  # Pillow stores LA in 4 bytes too
        ("P", True, 24),  # a transparent palette image is composited like RGBA
        ("I;16", False, 18),
        ("F", False, 16),
        ("CMYK", False, MODEL_BYTES_PER_PIXEL),  # 9 to decode; the model's share is larger
        ("L", False, MODEL_BYTES_PER_PIXEL),
    ],
)
def test_decode_cost_is_pixels_times_the_modes_working_bytes(
    mode: str, transparent: bool, bytes_per_pixel: int
) -> None:
    assert decode_cost(mode, 1000, 500, transparent) == 500_000 * bytes_per_pixel


def test_the_estimate_is_made_from_the_header_without_decoding() -> None:
    opened = open_image(encoded_image(300, 200, mode="RGBA"), max_pixels=10**6)

    assert opened.cost_bytes == 300 * 200 * 24
    assert opened.image.tile  # Pillow still holds the undecoded tiles: no pixel decoded yet


def test_an_image_over_the_per_request_bound_is_a_413_naming_the_services_bound() -> None:
    data = encoded_image(1000, 1000, mode="RGBA")  # a few KB of PNG, ~23 MiB to decode

    with pytest.raises(RequestError) as refused:
        open_image(data, max_pixels=10**7, max_decode_bytes=16 * MIB, name="the upload")

    assert (refused.value.status, refused.value.kind) == (413, "decode_too_large")
    assert str(refused.value) == (
        "the upload (1000x1000 RGBA) would need about 23 MiB (24000000 bytes) to decode and "
        "recognize; the service's per-request bound is 16 MiB (16777216 bytes, "
        "--max-decode-bytes)"
    )


def test_a_gray_image_of_the_same_size_is_within_the_bound() -> None:
    opened = open_image(encoded_image(1000, 1000, mode="L"), 10**7, max_decode_bytes=16 * MIB)

    assert opened.cost_bytes == 11 * 10**6


def budget_run(scenario) -> Any:
    return asyncio.run(scenario())


def test_reservations_that_fit_together_run_together() -> None:
    async def scenario():
        budget = ByteBudget(100)
        await budget.acquire(40)
        await asyncio.wait_for(budget.acquire(60), 0.5)  # a count-based limit of 1 would wait
        return budget.in_use

    assert budget_run(scenario) == 100


def test_a_reservation_waits_until_enough_bytes_are_released() -> None:
    async def scenario():
        budget = ByteBudget(100)
        await budget.acquire(70)
        waiting = asyncio.ensure_future(budget.acquire(50))
        await asyncio.sleep(0.01)
        blocked = not waiting.done()
        budget.release(70)
        await asyncio.wait_for(waiting, 0.5)
        return blocked, budget.in_use

    assert budget_run(scenario) == (True, 50)


def test_reservations_are_granted_in_arrival_order_so_big_ones_do_not_starve() -> None:
    async def scenario():
        budget = ByteBudget(100)
        await budget.acquire(60)
        big = asyncio.ensure_future(budget.acquire(90))
        await asyncio.sleep(0.01)
        small = asyncio.ensure_future(budget.acquire(10))  # fits now, but arrived after `big`
        await asyncio.sleep(0.01)
        order = [name for name, task in (("big", big), ("small", small)) if task.done()]
        budget.release(60)
        await asyncio.wait_for(big, 0.5)
        return order, small.done()

    assert budget_run(scenario) == ([], True)


def test_a_cancelled_waiter_gives_its_place_back() -> None:
    async def scenario():
        budget = ByteBudget(100)
        await budget.acquire(80)
        abandoned = asyncio.ensure_future(budget.acquire(50))
        await asyncio.sleep(0.01)
        behind = asyncio.ensure_future(budget.acquire(20))
        await asyncio.sleep(0.01)
        abandoned.cancel()
        await asyncio.wait_for(behind, 0.5)
        return budget.in_use, budget.waiting

    assert budget_run(scenario) == (100, 0)


def test_more_than_the_whole_budget_is_refused_at_once() -> None:
    with pytest.raises(ValueError, match="cannot reserve 200 bytes of a 100-byte budget"):
        budget_run(lambda: ByteBudget(100).acquire(200))


def test_an_image_holds_its_bytes_until_its_prediction_is_done(start_client, recognizer) -> None:
    client = start_client()
    budget = client.app.state.decode_budget
    recognizer.gate.clear()
    results: list[Any] = []
    upload = encoded_image(400, 100, mode="RGBA")
    thread = threading.Thread(
        target=lambda: results.append(client.post("/v1/recognize", files={"file": ("a", upload)})),
        daemon=True,
    )
    thread.start()
    wait_until(recognizer.entered.is_set)

    held_while_recognizing = budget.in_use
    recognizer.gate.set()
    thread.join(5)

    assert held_while_recognizing == 400 * 100 * 24
    assert budget.in_use == 0
    assert results[0].status_code == 200


@pytest.mark.parametrize(
    "nbytes, trimmed", [(TRIM_AFTER_BYTES, True), (TRIM_AFTER_BYTES - 1, False)]
)
def test_releasing_a_large_reservation_hands_freed_memory_back(
    monkeypatch, nbytes: int, trimmed: bool
) -> None:
    calls: list[str] = []
    monkeypatch.setattr(limits, "release_free_memory", lambda: calls.append("trim") or True)

    async def scenario():
        async with ByteBudget(TRIM_AFTER_BYTES).reserve(nbytes):
            pass

    budget_run(scenario)

    assert calls == (["trim"] if trimmed else [])
