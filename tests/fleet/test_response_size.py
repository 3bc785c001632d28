"""Response bodies are capped: a hostile server cannot fill the memory."""

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
import json
import tracemalloc
import zlib

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer
import pytest

from custom_components.tesla_powerwall3.fleet import (
    FleetClient,
    InvalidResponseError,
    ResponseTooLargeError,
    StaticToken,
    client as client_module,
    simulator_hosts,
)
from custom_components.tesla_powerwall3.fleet.responses import (
    CHUNK_BYTES,
    MAX_BODY_BYTES,
    read_body,
)
from tests.common import SITE_ID

pytestmark = pytest.mark.usefixtures("socket_enabled")

HOSTILE_BYTES = 300 * 1024 * 1024
"""What the hostile server offers: far more than any Fleet API answer."""
WRITE_BYTES = 64 * 1024
MiB = 1024 * 1024


@dataclass
class Streamer:
    """Streams a body lazily, counting what it managed to send."""

    total: int = HOSTILE_BYTES
    declare_length: bool = False
    body: bytes | None = None
    """A whole body to answer with instead."""
    headers: dict[str, str] = field(default_factory=dict)
    sent: int = 0

    async def handle(self, request: web.Request) -> web.StreamResponse:
        if self.body is not None:
            return web.Response(
                body=self.body, content_type="application/json", headers=self.headers
            )
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        if self.declare_length:
            response.content_length = self.total
        await response.prepare(request)
        piece = b'{"response": {"padding": "' + b"x" * (WRITE_BYTES - 26)
        try:
            while self.sent < self.total:
                await response.write(piece)
                self.sent += len(piece)
                piece = b"x" * WRITE_BYTES
        except ConnectionError:
            pass  # the client gave up, as it should
        return response


@pytest.fixture
def streamer() -> Streamer:
    return Streamer()


@pytest.fixture
async def client(streamer: Streamer) -> AsyncIterator[FleetClient]:
    app = web.Application()
    app.router.add_get(f"/api/1/energy_sites/{SITE_ID}/live_status", streamer.handle)
    server = TestServer(app, host="127.0.0.1", access_log=None)
    await server.start_server()
    base = str(server.make_url("")).rstrip("/")
    try:
        async with aiohttp.ClientSession() as session:
            yield FleetClient(
                session, StaticToken("t"), base, hosts=simulator_hosts(base)
            )
    finally:
        await server.close()


@pytest.mark.parametrize("declare_length", [False, True])
async def test_a_300_mb_body_is_refused_within_the_cap(
    client: FleetClient,
    streamer: Streamer,
    monkeypatch: pytest.MonkeyPatch,
    declare_length: bool,
) -> None:
    streamer.declare_length = declare_length
    received: list[int] = []

    async def spy(response: aiohttp.ClientResponse, endpoint: str) -> str:
        try:
            return await read_body(response, endpoint)
        finally:
            received.append(response.content.total_bytes)

    monkeypatch.setattr(client_module, "read_body", spy)
    tracemalloc.start()
    try:
        with pytest.raises(ResponseTooLargeError, match="larger than 4 MiB"):
            await client.live_status(SITE_ID)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # What reached the client: the cap, the read that passed it, and what
    # aiohttp had buffered ahead (under one more read).
    assert received[0] <= MAX_BODY_BYTES + 2 * CHUNK_BYTES
    if declare_length:
        assert received[0] <= 2 * CHUNK_BYTES  # refused on its Content-Length
    # Memory, including aiohttp's buffers and the server's in this process
    # (whole, the body took 840 MB of RSS before the cap).
    assert peak < 2 * MAX_BODY_BYTES
    # The server got rid of little more than the cap before the client hung up
    # (the rest sat in the loopback socket buffers), nowhere near 300 MB.
    assert streamer.sent < MAX_BODY_BYTES + 32 * MiB
    assert client.counter.sent["live_status"] == 1


async def test_a_body_up_to_the_cap_is_read(
    client: FleetClient, streamer: Streamer
) -> None:
    head = b'{"response": {"solar_power": 5, "padding": "'
    tail = b'"}}'
    body = head + b"x" * (MAX_BODY_BYTES - len(head) - len(tail)) + tail
    assert len(body) == MAX_BODY_BYTES
    json.loads(body)
    streamer.body = body
    live = await client.live_status(SITE_ID)
    assert live.solar_power == 5


def test_too_large_is_an_invalid_response() -> None:
    assert issubclass(ResponseTooLargeError, InvalidResponseError)


def test_the_cap_leaves_room_for_the_largest_real_answer() -> None:
    # The simulator's 25-hour DST day of 5-minute buckets is 228 KB; 20 sites
    # with 4 Wall Connectors each list in 29 KB of products.
    assert MAX_BODY_BYTES >= 16 * 228_000


def gzip_bomb(size: int) -> bytes:
    """Return `size` bytes of JSON-ish padding, gzip-compressed (a few KB per MB)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: gzip framing
    block = b"x" * MiB
    parts = [packer.compress(b'{"response": {"padding": "')]
    parts += [packer.compress(block) for _ in range(size // MiB)]
    parts.append(packer.flush())
    return b"".join(parts)


async def test_a_compressed_bomb_is_refused_within_the_cap(
    client: FleetClient, streamer: Streamer
) -> None:
    # 64 MiB that travel as about 64 KB: the cap counts what is decompressed.
    body = gzip_bomb(64 * MiB)
    assert len(body) < MiB
    streamer.body = body
    streamer.headers = {"Content-Encoding": "gzip"}
    tracemalloc.start()
    try:
        with pytest.raises(ResponseTooLargeError):
            await client.live_status(SITE_ID)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 2 * MAX_BODY_BYTES
