"""Downloading the hosted key from a real server that sends it in pieces."""

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
import pytest

from custom_components.tesla_powerwall3.fleet.public_key import (
    HostedKeyProblem,
    check_hosted_key,
)
from custom_components.tesla_powerwall3.fleet.tesla.key import READ_LIMIT

pytestmark = pytest.mark.usefixtures("socket_enabled")

KEY = ec.generate_private_key(ec.SECP256R1())
PUBLIC_PEM = KEY.public_key().public_bytes(
    serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
)
PRIVATE_PEM = KEY.private_bytes(
    serialization.Encoding.PEM,
    serialization.PrivateFormat.PKCS8,
    serialization.NoEncryption(),
)
POINT = (
    KEY.public_key()
    .public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    .hex()
)


@dataclass
class Pieces:
    """Sends the body in separate TCP writes, with a pause between them."""

    parts: list[bytes] = field(default_factory=list)
    delay: float = 0.2
    writes: int = 0

    async def handle(self, request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(
            headers={"Content-Type": "application/x-pem-file"}
        )
        await response.prepare(request)
        for index, part in enumerate(self.parts):
            if index:
                await asyncio.sleep(self.delay)
            await response.write(part)
            self.writes += 1
        await response.write_eof()
        return response


@pytest.fixture
def pieces() -> Pieces:
    return Pieces()


@pytest.fixture
async def key_url(pieces: Pieces) -> AsyncIterator[str]:
    app = web.Application()
    app.router.add_get("/key.pem", pieces.handle)
    server = TestServer(app, host="127.0.0.1", access_log=None)
    await server.start_server()
    try:
        yield str(server.make_url("/key.pem"))
    finally:
        await server.close()


def halves(body: bytes) -> list[bytes]:
    return [body[: len(body) // 2], body[len(body) // 2 :]]


async def test_a_key_sent_in_two_writes_is_read_whole(
    pieces: Pieces, key_url: str
) -> None:
    pieces.parts = halves(PUBLIC_PEM)
    async with aiohttp.ClientSession() as session:
        hosted = await check_hosted_key(session, key_url)
    assert (hosted.problem, hosted.point) == (None, POINT)  # not key_not_ec
    assert pieces.writes == 2


async def test_a_key_sent_byte_by_byte_is_read_whole(
    pieces: Pieces, key_url: str
) -> None:
    pieces.parts = [PUBLIC_PEM[i : i + 1] for i in range(len(PUBLIC_PEM))]
    pieces.delay = 0.001
    async with aiohttp.ClientSession() as session:
        hosted = await check_hosted_key(session, key_url)
    assert hosted.point == POINT


async def test_a_private_key_in_two_writes_is_seen(
    pieces: Pieces, key_url: str
) -> None:
    pieces.parts = halves(PRIVATE_PEM)
    async with aiohttp.ClientSession() as session:
        hosted = await check_hosted_key(session, key_url)
    assert hosted.problem is HostedKeyProblem.PRIVATE


async def test_a_large_body_is_read_up_to_the_cap_only(
    pieces: Pieces, key_url: str
) -> None:
    pieces.parts = [PUBLIC_PEM, b"\n" * READ_LIMIT, b"\n" * READ_LIMIT]
    pieces.delay = 0.05
    async with aiohttp.ClientSession() as session:
        hosted = await check_hosted_key(session, key_url)
    assert hosted.problem is HostedKeyProblem.TOO_LARGE
    assert hosted.detail == f"{READ_LIMIT} bytes"
