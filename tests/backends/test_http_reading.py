"""Reading a big answer leaves the event loop its turns: the screen keeps answering keys."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx

from kameng_tui.backends.http import YIELD_EVERY, JsonHttp


class Buffered(httpx.AsyncByteStream):
    """An answer whose bytes have all arrived already: each chunk comes back at once, without
    a pause, as from a socket whose buffer is full."""

    def __init__(self, size: int, chunk: int = 64 * 1024) -> None:
        self.size, self.chunk = size, chunk

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for start in range(0, self.size, self.chunk):
            yield b"x" * min(self.chunk, self.size - start)


async def test_a_big_buffered_answer_is_read_in_turns_with_the_rest_of_the_app() -> None:
    size = 16 * YIELD_EVERY
    response = httpx.Response(200, stream=Buffered(size))
    turns = 0
    reading = True

    async def other_work() -> None:  # what the screen does meanwhile: keys, frames
        nonlocal turns
        while reading:
            turns += 1
            await asyncio.sleep(0)

    client = JsonHttp("http://127.0.0.1:9")
    other = asyncio.create_task(other_work())
    await asyncio.sleep(0)  # let it start
    before = turns
    body = await client._read(response)
    reading = False
    await other
    await client.aclose()
    assert len(body) == size
    assert turns - before >= 15  # about one turn per YIELD_EVERY bytes; none without them
