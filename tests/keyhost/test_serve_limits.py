"""keyhost serve under connections that hold it: deadlines, a cap, quiet logs.

Real sockets on 127.0.0.1 with TLS; deadlines are short so the tests stay fast.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
import contextlib
import logging
import ssl
import time

from cryptography.hazmat.primitives.asymmetric import ec
import pytest

from keyhost import guard
from keyhost.guard import Listener, ServeLimits
from keyhost.keys import WELL_KNOWN_PATH
from keyhost.serve import create_app, run_server
from tests.keyhost.common import Pki, free_port, serve_app, spki

pytestmark = pytest.mark.usefixtures("socket_enabled")

_PARTIAL = f"GET {WELL_KNOWN_PATH} HTTP/1.1\r\nHost: localhost\r\nX-Slow: ".encode()


@contextlib.asynccontextmanager
async def _serving(
    pki: Pki, key: ec.EllipticCurvePrivateKey, limits: ServeLimits
) -> AsyncIterator[int]:
    """Run keyhost serve over TLS on a free port; yield the port."""
    port = free_port()
    stop = asyncio.Event()
    app = create_app(spki(key))
    task = asyncio.create_task(
        run_server(app, pki.server, "127.0.0.1", port, stop, limits=limits)
    )
    for _ in range(200):
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except ConnectionRefusedError:
            await asyncio.sleep(0.01)
            continue
        writer.close()
        break
    try:
        yield port
    finally:
        stop.set()
        async with asyncio.timeout(10):
            await task


async def _get(pki: Pki, port: int) -> bytes:
    """GET the key over TLS like Tesla; return the raw answer."""
    reader, writer = await asyncio.open_connection(
        "127.0.0.1", port, ssl=pki.client, server_hostname="localhost"
    )
    writer.write(f"GET {WELL_KNOWN_PATH} HTTP/1.1\r\nHost: localhost\r\n\r\n".encode())
    data = await reader.read()
    writer.close()
    with contextlib.suppress(OSError, ssl.SSLError):
        await writer.wait_closed()
    return data


async def _closed_after(reader: asyncio.StreamReader, most: float) -> float:
    """Wait until the server closes the connection; return how long it took."""
    start = time.monotonic()
    with contextlib.suppress(ConnectionError, ssl.SSLError, OSError):
        async with asyncio.timeout(most):
            while await reader.read(1024):
                pass
    return time.monotonic() - start


async def _open(
    pki: Pki, port: int, kind: str
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """Open a connection that holds the server: silent, TLS then silent, partial."""
    if kind in {"tcp", "hello"}:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        if kind == "hello":  # the start of a TLS ClientHello, then nothing
            writer.write(b"\x16\x03\x01\x02\x00\x01")
            await writer.drain()
        return reader, writer
    reader, writer = await asyncio.open_connection(
        "127.0.0.1", port, ssl=pki.client, server_hostname="localhost"
    )
    if kind == "partial":
        writer.write(_PARTIAL)
        await writer.drain()
    return reader, writer


def _close(writers: list[asyncio.StreamWriter]) -> None:
    for writer in writers:
        writer.transport.abort()


@pytest.mark.parametrize("kind", ["tcp", "hello", "tls", "partial"])
async def test_a_connection_that_holds_on_is_closed_at_the_deadline(
    pki: Pki, key: ec.EllipticCurvePrivateKey, kind: str
) -> None:
    """Silent TCP, half a TLS hello, TLS then silence, or partial headers.

    Each is closed after the 0.5 s deadline.
    """
    limits = ServeLimits(deadline=0.5, max_connections=20)
    async with _serving(pki, key, limits) as port:
        held = [await _open(pki, port, kind) for _ in range(5)]
        # A normal request is answered meanwhile.
        assert (await _get(pki, port)).startswith(b"HTTP/1.1 200 OK")
        waits = await asyncio.gather(*(_closed_after(r, 5) for r, _ in held))
        _close([w for _, w in held])
    assert all(wait < 2 for wait in waits), waits


async def test_a_flood_is_capped_and_logged_once(
    pki: Pki,
    key: ec.EllipticCurvePrivateKey,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """60 held connections against a cap of 30: the rest closed at once.

    Once the held ones reach their deadline, Tesla's GET is served again; the
    log has one line for the refusals and one for the expiries, no traceback.
    """
    caplog.set_level(logging.INFO)
    limits = ServeLimits(deadline=3.0, max_connections=30)
    async with _serving(pki, key, limits) as port:
        # Finished handshakes: each of these holds a place for sure.
        held = [await _open(pki, port, "tls") for _ in range(30)]
        refused = []
        for _ in range(30):
            reader, writer = await _open(pki, port, "tcp")
            refused.append(await _closed_after(reader, 5))
            writer.transport.abort()
        assert max(refused) < 1, refused  # closed at once, not at the deadline
        answer = b""
        for _ in range(100):
            with contextlib.suppress(ConnectionError, ssl.SSLError, OSError):
                answer = await _get(pki, port)
            if answer.startswith(b"HTTP/1.1 200"):
                break
            await asyncio.sleep(0.1)
        assert answer.startswith(b"HTTP/1.1 200 OK")
        _close([w for _, w in held])
    warnings = [r for r in caplog.records if r.name == guard.__name__]
    assert [r.getMessage() for r in warnings] == [
        (
            "connection limit (30) reached: refused 1 connection(s); something "
            "holds connections open"
        ),
        "closed 1 connection(s) that did not finish a request within 3 s",
    ]
    assert all(r.exc_info is None for r in caplog.records)


async def test_a_failed_handshake_frees_its_place(
    pki: Pki, other_pki: Pki, key: ec.EllipticCurvePrivateKey
) -> None:
    """Clients that reject the certificate do not use up the cap."""
    async with _serving(pki, key, ServeLimits(deadline=5, max_connections=2)) as port:
        for _ in range(5):
            with pytest.raises(ssl.SSLError):
                await _get(other_pki, port)
        assert (await _get(pki, port)).startswith(b"HTTP/1.1 200 OK")


async def test_answering_closes_the_connection(
    pki: Pki, key: ec.EllipticCurvePrivateKey
) -> None:
    """No keep-alive: a client cannot park an answered connection."""
    async with _serving(pki, key, ServeLimits(deadline=5)) as port:
        start = time.monotonic()
        answer = await _get(pki, port)
    assert answer.startswith(b"HTTP/1.1 200 OK")
    assert b"Connection: close" in answer
    assert time.monotonic() - start < 2


async def test_out_of_file_descriptors_is_one_line_a_minute(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Asyncio's traceback per failed accept becomes one line."""
    listener = Listener(asyncio.Protocol, None, ServeLimits())
    passed_on: list[dict[str, object]] = []
    handle = listener.exception_handler(passed_on.append)
    loop = asyncio.get_running_loop()
    failed = {
        "message": "socket.accept() out of system resource",
        "exception": OSError(24, "Too many open files"),
    }
    for _ in range(1000):
        handle(loop, failed)
    handle(loop, {"message": "something else"})
    records = [r for r in caplog.records if r.name == guard.__name__]
    assert [r.getMessage() for r in records] == [
        "cannot accept connections: out of file descriptors (1 time(s))"
    ]
    assert records[0].exc_info is None
    assert passed_on == [{"message": "something else"}]


def test_the_cap_stays_below_the_file_descriptor_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    resource = pytest.importorskip("resource")
    monkeypatch.setattr(resource, "getrlimit", lambda _: (100, 4096))
    assert Listener(asyncio.Protocol, None, ServeLimits()).max_connections == 68
    monkeypatch.setattr(resource, "getrlimit", lambda _: (resource.RLIM_INFINITY,) * 2)
    limits = ServeLimits(max_connections=500)
    assert Listener(asyncio.Protocol, None, limits).max_connections == 500


async def test_a_request_cannot_buffer_many_headers(
    key: ec.EllipticCurvePrivateKey,
) -> None:
    """At most 32 headers of 8 KiB: a connection buffers no more than that."""
    async with serve_app(create_app(spki(key))) as server:
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        head = f"GET {WELL_KNOWN_PATH} HTTP/1.1\r\nHost: localhost\r\n"
        filler = "".join(f"X-{n}: {'a' * 8000}\r\n" for n in range(40))
        writer.write(f"{head}{filler}\r\n".encode())
        answer = await reader.read()
        writer.close()
    assert b" 400 Bad Request\r\n" in answer.split(b"\n", 1)[0] + b"\n"
    assert answer.endswith(b"Too many headers received")


async def test_bad_requests_are_one_log_line_not_tracebacks(
    pki: Pki, key: ec.EllipticCurvePrivateKey, caplog: pytest.LogCaptureFixture
) -> None:
    """A scanner's malformed requests: one warning line, no traceback."""
    async with _serving(pki, key, ServeLimits(deadline=5)) as port:
        for _ in range(10):
            reader, writer = await asyncio.open_connection(
                "127.0.0.1", port, ssl=pki.client, server_hostname="localhost"
            )
            writer.write(b"GET / HTTP/1.1\r\nBad Header\r\n\r\n")
            assert b" 400 " in await reader.read()
            writer.close()
    http = [r for r in caplog.records if r.name == f"{guard.__name__}.http"]
    assert len(http) == 1
    assert http[0].levelno == logging.WARNING
    assert http[0].exc_info is None
    assert http[0].getMessage().startswith("Error handling request from 127.0.0.1 (")
    assert http[0].getMessage().endswith("; 1 bad request(s)")
    loud = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert all(r.exc_info is None for r in loud)


class _Handler(asyncio.Protocol):
    """Records what the guarded connection passes on."""

    def __init__(self) -> None:
        self.events: list[object] = []

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.events.append("made")

    def data_received(self, data: bytes) -> None:
        self.events.append(data)

    def eof_received(self) -> bool | None:
        self.events.append("eof")
        return None

    def pause_writing(self) -> None:
        self.events.append("pause")

    def resume_writing(self) -> None:
        self.events.append("resume")

    def connection_lost(self, exc: Exception | None) -> None:
        self.events.append("lost")


class _Transport(asyncio.Transport):
    def __init__(self) -> None:
        super().__init__()
        self.aborted = False

    def abort(self) -> None:
        self.aborted = True

    def is_closing(self) -> bool:
        return self.aborted


async def test_a_connection_passes_everything_on_in_order() -> None:
    """Data and EOF that come before the handler exists reach it, in order."""
    handlers: list[_Handler] = []

    def handler() -> _Handler:
        handlers.append(_Handler())
        return handlers[-1]

    listener = Listener(handler, None, ServeLimits(deadline=60))
    connection = listener.protocol()
    connection.data_received(b"GET")
    assert connection.eof_received() is None
    connection.connection_made(_Transport())
    connection.data_received(b" /")
    connection.pause_writing()
    connection.resume_writing()
    assert connection.eof_received() is None
    assert len(listener.open) == 1
    connection.connection_lost(None)
    assert listener.open == set()
    assert handlers[0].events == [
        "made",
        b"GET",
        "eof",
        b" /",
        "pause",
        "resume",
        "eof",
        "lost",
    ]


async def test_data_held_before_tls_is_bounded() -> None:
    listener = Listener(_Handler, None, ServeLimits(deadline=60))
    connection = guard._Connection(listener)
    transport = _Transport()
    connection._raw = transport
    connection.data_received(b"x" * 1000)
    assert not transport.aborted
    connection.data_received(b"x" * (64 * 1024))
    assert transport.aborted


def test_debug_lines_of_the_handlers_pass_as_they_are() -> None:
    record = logging.LogRecord("x", logging.DEBUG, "", 0, "detail %s", ("a",), None)
    assert guard.BadRequestLog(60).filter(record)
    assert record.getMessage() == "detail a"
