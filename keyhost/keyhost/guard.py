"""Accepting connections for keyhost serve without letting any of them starve it.

Every accepted TCP connection is counted against a cap and has a deadline:
it must finish its TLS handshake, send its request and get its answer within
it (the key is 178 bytes, one request per connection), or it is closed. Past
the cap a connection is closed at once, before any TLS work. Each of these
is logged as one line at most once a minute, never a traceback per accept.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import contextlib
from dataclasses import dataclass
import logging
import ssl
import time
from typing import Any, cast

_LOGGER = logging.getLogger(__name__)
_PENDING_LIMIT = 64 * 1024
"""Bytes held for the HTTP handler while TLS finishes starting."""
_FD_RESERVE = 32
"""File descriptors kept free for the listener, logging and certificates."""
_ACCEPT_FAILED = "socket.accept() out of system resource"


@dataclass(frozen=True, slots=True)
class ServeLimits:
    """How long a connection may last and how many may be open at once."""

    deadline: float = 10.0
    """Seconds from accept to the end of the answer: TLS, headers and all."""
    max_connections: int = 128
    notice_interval: float = 60.0
    """At most one log line of each kind per interval."""


class _Notice:
    """One log line now, then at most one per interval with the count since."""

    def __init__(self, interval: float, message: str) -> None:
        self._interval = interval
        self._message = message
        self._last: float | None = None
        self._since = 0

    def __call__(self) -> None:
        now = time.monotonic()
        self._since += 1
        if self._last is not None and now - self._last < self._interval:
            return
        _LOGGER.warning(self._message, self._since)
        self._last = now
        self._since = 0


class BadRequestLog(logging.Filter):
    """aiohttp logs a traceback per malformed request: one line a minute instead."""

    def __init__(self, interval: float) -> None:
        """Let one line through per interval."""
        super().__init__()
        self._interval = interval
        self._last: float | None = None
        self._since = 0

    def filter(self, record: logging.LogRecord) -> bool:
        """Shorten a traceback record to one line, or drop it."""
        if record.levelno < logging.WARNING:
            return True
        now = time.monotonic()
        self._since += 1
        if self._last is not None and now - self._last < self._interval:
            return False
        error = record.exc_info[1] if record.exc_info else None
        reason = f" ({type(error).__name__}: {error})"[:200] if error else ""
        record.msg = f"{record.getMessage()}{reason}; {self._since} bad request(s)"
        record.args = None
        record.exc_info = None
        record.exc_text = None
        record.levelno = logging.WARNING
        record.levelname = logging.getLevelName(logging.WARNING)
        self._last = now
        self._since = 0
        return True


def http_logger(limits: ServeLimits) -> logging.Logger:
    """Return the logger for aiohttp's request handlers: no tracebacks."""
    logger = logging.getLogger(f"{__name__}.http")
    for old in [f for f in logger.filters if isinstance(f, BadRequestLog)]:
        logger.removeFilter(old)
    logger.addFilter(BadRequestLog(limits.notice_interval))
    return logger


class Listener:
    """The connections of one server: counted, capped and closed on time."""

    def __init__(
        self,
        handler_factory: Callable[[], asyncio.Protocol],
        ssl_context: ssl.SSLContext | None,
        limits: ServeLimits,
    ) -> None:
        """Build each connection's HTTP handler with handler_factory."""
        self.handler_factory = handler_factory
        self.ssl_context = ssl_context
        self.limits = limits
        self.max_connections = _fd_bounded(limits.max_connections)
        self.open: set[_Connection] = set()
        self.tasks: set[asyncio.Task[None]] = set()
        self.refused = _Notice(
            limits.notice_interval,
            f"connection limit ({self.max_connections}) reached: refused %d "
            "connection(s); something holds connections open",
        )
        self.expired = _Notice(
            limits.notice_interval,
            f"closed %d connection(s) that did not finish a request within "
            f"{limits.deadline:g} s",
        )
        self.accept_failed = _Notice(
            limits.notice_interval,
            "cannot accept connections: out of file descriptors (%d time(s))",
        )

    def protocol(self) -> asyncio.Protocol:
        """Return the protocol of a newly accepted connection."""
        return _Connection(self)

    async def close_all(self) -> None:
        """Abort every open connection, and wait for their TLS starts to end."""
        for connection in list(self.open):
            connection.abort()
        if self.tasks:
            await asyncio.wait(self.tasks, timeout=self.limits.deadline)

    def exception_handler(
        self, previous: Callable[[dict[str, Any]], object]
    ) -> Callable[[asyncio.AbstractEventLoop, dict[str, Any]], None]:
        """Turn the loop's traceback per failed accept into one line a minute."""

        def handle(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
            if context.get("message") == _ACCEPT_FAILED:
                self.accept_failed()
            else:
                previous(context)

        return handle


class _Connection(asyncio.Protocol):
    """One TCP connection: TLS is started here, then HTTP is handed over."""

    def __init__(self, listener: Listener) -> None:
        self._listener = listener
        self._raw: asyncio.Transport | None = None
        self._handler: asyncio.Protocol | None = None
        self._pending: list[bytes] = []
        self._pending_size = 0
        self._eof = False
        self._timer: asyncio.TimerHandle | None = None
        self._done = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Admit the raw connection or close it at once; start its deadline."""
        transport = cast("asyncio.Transport", transport)
        listener = self._listener
        if len(listener.open) >= listener.max_connections:
            self._done = True
            transport.abort()
            listener.refused()
            return
        self._raw = transport
        listener.open.add(self)
        loop = asyncio.get_running_loop()
        self._timer = loop.call_later(listener.limits.deadline, self._expire)
        if listener.ssl_context is None:
            self._attach(transport)
            return
        transport.pause_reading()
        task = loop.create_task(self._start_tls(transport, listener.ssl_context))
        listener.tasks.add(task)
        task.add_done_callback(listener.tasks.discard)

    async def _start_tls(self, raw: asyncio.Transport, context: ssl.SSLContext) -> None:
        deadline = self._listener.limits.deadline
        loop = asyncio.get_running_loop()
        try:
            tls = await loop.start_tls(
                raw,
                self,
                context,
                server_side=True,
                ssl_handshake_timeout=deadline,
                ssl_shutdown_timeout=deadline,
            )
        except (OSError, ssl.SSLError, TimeoutError, ConnectionError):
            self.abort()
            return
        if tls is None or self._done or tls.is_closing():
            self.abort()
            return
        self._attach(tls)

    def _attach(self, transport: asyncio.Transport) -> None:
        """Hand the connection (plain or TLS) to the HTTP handler."""
        handler = self._listener.handler_factory()
        self._handler = handler
        handler.connection_made(transport)
        pending, self._pending = self._pending, []
        for chunk in pending:
            handler.data_received(chunk)
        if self._eof:
            handler.eof_received()

    def data_received(self, data: bytes) -> None:
        """Pass data on, or hold it until the handler exists."""
        if self._handler is not None:
            self._handler.data_received(data)
            return
        self._pending.append(data)
        self._pending_size += len(data)
        if self._pending_size > _PENDING_LIMIT:
            self.abort()

    def eof_received(self) -> bool | None:
        """Pass the end of the client's data on."""
        if self._handler is not None:
            return self._handler.eof_received()
        self._eof = True
        return None

    def pause_writing(self) -> None:
        """Pass flow control on."""
        if self._handler is not None:
            self._handler.pause_writing()

    def resume_writing(self) -> None:
        """Pass flow control on."""
        if self._handler is not None:
            self._handler.resume_writing()

    def connection_lost(self, exc: Exception | None) -> None:
        """Free the connection's place; tell the handler."""
        self._release()
        handler, self._handler = self._handler, None
        if handler is not None:
            handler.connection_lost(exc)

    def _expire(self) -> None:
        self._timer = None
        if not self._done:
            self._listener.expired()
            self.abort()

    def abort(self) -> None:
        """Close the connection now, whatever layer it is at."""
        raw = self._raw
        self._release()
        if raw is not None:
            raw.abort()

    def _release(self) -> None:
        self._done = True
        self._listener.open.discard(self)
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None


def _fd_bounded(wanted: int) -> int:
    """Keep the cap below the process's file descriptor limit."""
    try:
        import resource  # noqa: PLC0415 - POSIX only
    except ImportError:  # pragma: no cover - Windows
        return max(1, wanted)
    with contextlib.suppress(ValueError, OSError):
        soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
        if soft != resource.RLIM_INFINITY:
            return max(1, min(wanted, soft - _FD_RESERVE))
    return max(1, wanted)
