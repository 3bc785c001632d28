"""keyhost check against broken or hostile answers and domains."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import ec
import pytest

from keyhost import cli
from keyhost.check import EXIT_CODES, check_domain, key_url
from keyhost.keys import WELL_KNOWN_PATH
from keyhost.tesla import domain as tesla_domain
from tests.keyhost.common import Pki, check_served, serve_app, spki, static_app

pytestmark = pytest.mark.usefixtures("socket_enabled")


@pytest.mark.parametrize(
    ("status", "code", "needle"),
    [
        (520, "server_error", "Cloudflare: the origin server sent an empty"),
        (521, "server_error", "Cloudflare: the origin web server refused"),
        (526, "server_error", "Cloudflare: the origin's certificate"),
        (500, "server_error", "a proxy or CDN in front of it, failed"),
        (503, "server_error", "a proxy or CDN in front of it, failed"),
        (599, "server_error", "a proxy or CDN in front of it, failed"),
        (204, "http_status", "HTTP 204"),
        (299, "http_status", "HTTP 299"),
        (399, "redirect", "HTTP 399 redirect"),
        (418, "http_status", "HTTP 418"),
        (429, "http_status", "rate limiting"),
        (600, "http_status", "HTTP 600"),
        (999, "http_status", "HTTP 999"),
    ],
)
async def test_check_explains_any_status(
    pki: Pki,
    status: int,
    code: str,
    needle: str,
) -> None:
    """Unknown statuses too (Cloudflare's 52x): a message and an exit code."""
    result = await check_served(pki, static_app(status, b"error code: 520"))
    assert (result.code, result.exit_code) == (code, EXIT_CODES[code])
    assert needle in result.message
    assert not result.ok


async def test_check_cli_explains_a_cloudflare_520(
    pki: Pki, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The command prints one line and exits 22: no traceback."""
    cafile = tmp_path / "ca.pem"
    cafile.write_bytes(pki.ca_pem)
    async with serve_app(static_app(520, b"error code: 520"), pki.server) as server:
        argv = ["check", "127.0.0.1", "--port", str(server.port)]
        assert await cli.amain([*argv, "--cafile", str(cafile)]) == 22
    out, err = capsys.readouterr()
    assert err.startswith("FAIL [server_error]: HTTP 520 for https://127.0.0.1:")
    assert "Traceback" not in out + err


class Recorder:
    """Serves the key and records every path and query asked for."""

    def __init__(self, pem: bytes) -> None:
        self.asked: list[str] = []
        self.pem = pem
        self.app = web.Application()
        self.app.router.add_route("*", "/{tail:.*}", self.answer)

    async def answer(self, request: web.Request) -> web.Response:
        self.asked.append(request.raw_path)
        return web.Response(body=self.pem)


@pytest.mark.parametrize(
    "domain",
    [
        "127.0.0.1:{port}?x",
        "127.0.0.1:{port}#x",
        "user@127.0.0.1:{port}",
        "127.0.0.1:{port}?.well-known/x",
        "127.0.0.1:{port}\\x",
        "127.0.0.1:{port}%2F",
    ],
)
async def test_check_fetches_nothing_but_the_key_url(
    pki: Pki, key: ec.EllipticCurvePrivateKey, domain: str
) -> None:
    """A query, a fragment or a user in the domain never change the URL."""
    recorder = Recorder(spki(key))
    async with serve_app(recorder.app, pki.server) as server:
        typed = domain.format(port=server.port)
        result = await check_domain(typed, ssl_context=pki.client)
    assert recorder.asked == []
    assert (result.code, result.exit_code) == ("invalid_domain", 5)
    assert "is not a host name" in result.message or "port" in result.message


async def test_check_takes_a_port_in_the_domain(
    pki: Pki, key: ec.EllipticCurvePrivateKey
) -> None:
    recorder = Recorder(spki(key))
    async with serve_app(recorder.app, pki.server) as server:
        result = await check_domain(f"127.0.0.1:{server.port}", ssl_context=pki.client)
        same = await check_domain(
            f"https://127.0.0.1:{server.port}/",
            port=server.port or 0,
            ssl_context=pki.client,
        )
    assert result.ok, result
    assert same.ok, same
    assert recorder.asked == [WELL_KNOWN_PATH] * 2


def test_key_url_refuses_two_ports() -> None:
    assert key_url("[::1]", 8443) == f"https://[::1]:8443{WELL_KNOWN_PATH}"
    assert (
        key_url("keys.example.com:443") == f"https://keys.example.com{WELL_KNOWN_PATH}"
    )
    with pytest.raises(tesla_domain.InvalidDomainError, match="port 8443"):
        key_url("127.0.0.1:8443", 9443)
