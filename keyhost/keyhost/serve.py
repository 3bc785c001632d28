"""A minimal HTTPS server that publishes only the public key."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
import signal
import ssl

from aiohttp import web

from .guard import Listener, ServeLimits, http_logger
from .keys import WELL_KNOWN_PATH, canonical_public_pem

_LOGGER = logging.getLogger(__name__)
CONTENT_TYPE = "application/x-pem-file"
_ALLOWED = frozenset({"GET", "HEAD"})
_MAX_LOGGED_PATH = 200


def create_app(public_pem: bytes) -> web.Application:
    """Build the app; refuse anything but one P-256 public key PEM.

    What is served is the key re-encoded, never the file's bytes.
    """
    body = canonical_public_pem(public_pem)

    async def handle(request: web.Request) -> web.StreamResponse:
        raw_path = request.raw_path.split("?", 1)[0]
        response: web.StreamResponse
        if raw_path != WELL_KNOWN_PATH:
            response = web.Response(status=404, text="Not Found")
        elif request.method not in _ALLOWED:
            response = web.Response(
                status=405, text="Method Not Allowed", headers={"Allow": "GET, HEAD"}
            )
        else:
            response = web.Response(
                body=body,
                headers={
                    "Content-Type": CONTENT_TYPE,
                    "Cache-Control": "no-cache",
                    "X-Content-Type-Options": "nosniff",
                },
            )
        # One request per connection: its deadline then bounds it whole.
        response.force_close()
        path = raw_path[:_MAX_LOGGED_PATH]
        _LOGGER.info(
            "%s %s %s %d", request.remote, request.method, path, response.status
        )
        return response

    app = web.Application(
        client_max_size=1024,
        # Long paths get a 404 like any other instead of a parser error.
        # Tesla's fetcher sends a handful of headers: bound what one may buffer.
        handler_args={"max_line_size": 65536, "max_headers": 32},
    )
    app.router.add_route("*", "/{tail:.*}", handle)
    return app


def make_ssl_context(cert: Path, key: Path) -> ssl.SSLContext:
    """Build a TLS server context from a certificate chain and its key."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert, key)
    return context


async def run_server(
    app: web.Application,
    ssl_context: ssl.SSLContext | None,
    host: str,
    port: int,
    stop: asyncio.Event | None = None,
    *,
    limits: ServeLimits | None = None,
) -> None:
    """Serve until SIGINT/SIGTERM (or until stop is set), then shut down.

    limits bound each connection's time and their number (see guard).
    """
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    installed: list[signal.Signals] = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
            installed.append(sig)
        except (NotImplementedError, RuntimeError):
            pass
    limits = limits or ServeLimits()
    runner = web.AppRunner(app, access_log=None, logger=http_logger(limits))
    await runner.setup()
    server = runner.server
    assert server is not None  # noqa: S101 - set by setup()
    listener = Listener(server, ssl_context, limits)
    previous = loop.get_exception_handler()
    loop.set_exception_handler(
        listener.exception_handler(
            loop.default_exception_handler
            if previous is None
            else lambda context: previous(loop, context)
        )
    )
    try:
        sockets = await loop.create_server(listener.protocol, host, port)
        scheme = "https" if ssl_context else "http"
        _LOGGER.info("serving %s://%s:%d%s", scheme, host, port, WELL_KNOWN_PATH)
        try:
            await stop.wait()
            _LOGGER.info("shutting down")
        finally:
            sockets.close()
            await listener.close_all()
            await sockets.wait_closed()
    finally:
        await runner.cleanup()
        loop.set_exception_handler(previous)
        for sig in installed:
            loop.remove_signal_handler(sig)
