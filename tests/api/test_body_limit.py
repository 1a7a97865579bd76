"""The streamed body limit counts every byte received, whatever the chunking.

An HTTP client may send a body in many small chunks (``Transfer-Encoding: chunked``, no
Content-Length). The limit is on the running total; a check of each chunk alone lets an
unbounded body through as long as its pieces are small.
"""

from __future__ import annotations

import asyncio

import pytest

from text_recognizer.api.errors import RequestError
from text_recognizer.api.parsing import read_limited_body

LIMIT = 100


class StreamedRequest:
    """What ``read_limited_body`` reads of a Starlette request: headers and the body stream."""

    def __init__(self, chunks: list[bytes], content_length: str | None = None) -> None:
        self.chunks = chunks
        self.headers = {} if content_length is None else {"content-length": content_length}
        self.chunks_read = 0

    async def stream(self):
        for chunk in self.chunks:
            self.chunks_read += 1
            yield chunk


def read(request: StreamedRequest) -> bytes:
    return asyncio.run(read_limited_body(request, LIMIT))


@pytest.mark.parametrize("chunk_size", [1, 7, 33, 100])
def test_a_body_of_exactly_the_limit_is_read_whole_in_any_chunking(chunk_size):
    body = bytes(range(LIMIT))
    chunks = [body[i : i + chunk_size] for i in range(0, LIMIT, chunk_size)]
    assert read(StreamedRequest(chunks)) == body


@pytest.mark.parametrize("chunk_size", [1, 7, 33, 101])
def test_one_byte_over_the_limit_is_refused_in_any_chunking(chunk_size):
    body = b"x" * (LIMIT + 1)
    chunks = [body[i : i + chunk_size] for i in range(0, len(body), chunk_size)]
    with pytest.raises(RequestError) as refused:
        read(StreamedRequest(chunks))
    assert (refused.value.status, refused.value.kind) == (413, "body_too_large")


def test_the_stream_is_not_read_past_the_chunk_that_crossed_the_limit():
    request = StreamedRequest([b"x" * 60, b"x" * 60, b"x" * 60, b"x" * 60])
    with pytest.raises(RequestError):
        read(request)
    assert request.chunks_read == 2


def test_a_declared_length_over_the_limit_is_refused_before_reading():
    request = StreamedRequest([b"x"], content_length=str(LIMIT + 1))
    with pytest.raises(RequestError, match=rf"Content-Length: {LIMIT + 1}"):
        read(request)
    assert request.chunks_read == 0
