"""Tests for keyhost: generate, site, serve, check and register."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
import contextlib
from dataclasses import dataclass
import datetime as dt
import ipaddress
from pathlib import Path
import socket
import ssl
import stat
from typing import Any

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID
import pytest

from keyhost import cli
from keyhost.check import EXIT_CODES, CheckResult, check_domain, validate_public_pem
from keyhost.keys import (
    PRIVATE_KEY_FILENAME,
    PUBLIC_KEY_FILENAME,
    WELL_KNOWN_PATH,
    KeyFormatError,
    PrivateKeyError,
    generate,
)
from keyhost.register import register_domain
from keyhost.serve import create_app, run_server
from keyhost.site import build_site

pytestmark = pytest.mark.usefixtures("socket_enabled")


# --- keys and certificates -------------------------------------------------


def _p256() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _private_pem(key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _spki(key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


@dataclass
class Pki:
    """A throwaway CA, a localhost server context and a trusting client."""

    server: ssl.SSLContext
    client: ssl.SSLContext
    ca_pem: bytes
    cert_path: Path
    key_path: Path


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _ca() -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = _p256()
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("keyhost test CA"))
        .issuer_name(_name("keyhost test CA"))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False
        )
        .sign(key, hashes.SHA256())
    )
    return key, cert


def _pki(tmp_path: Path) -> Pki:
    ca_key, ca_cert = _ca()
    key = _p256()
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("localhost"))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [
                    x509.DNSName("localhost"),
                    x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                ]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]),
            critical=False,
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    tmp_path.mkdir(parents=True, exist_ok=True)
    cert_path = tmp_path / "server.crt"
    key_path = tmp_path / "server.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(_private_pem(key))
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert_path, key_path)
    ca_pem = ca_cert.public_bytes(serialization.Encoding.PEM)
    client = ssl.create_default_context(cadata=ca_pem.decode())
    return Pki(server, client, ca_pem, cert_path, key_path)


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return _pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="module")
def other_pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return _pki(tmp_path_factory.mktemp("other-pki"))


@pytest.fixture(scope="module")
def key() -> ec.EllipticCurvePrivateKey:
    return _p256()


@contextlib.asynccontextmanager
async def _ignore_failed_handshakes() -> AsyncIterator[None]:
    """Keep the client's rejected handshake out of the loop's error handler.

    The server reports the client's abort on its own schedule, so wait for it.
    """
    loop = asyncio.get_running_loop()
    previous = loop.get_exception_handler()
    seen = asyncio.Event()

    def handler(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        if isinstance(context.get("exception"), (ConnectionResetError, ssl.SSLError)):
            seen.set()
            return
        if previous is not None:
            previous(loop, context)
        else:
            loop.default_exception_handler(context)

    loop.set_exception_handler(handler)
    try:
        yield
        async with asyncio.timeout(5):
            await seen.wait()
    finally:
        loop.set_exception_handler(previous)


@contextlib.asynccontextmanager
async def _server(
    app: web.Application, ssl_context: ssl.SSLContext | None = None
) -> AsyncIterator[TestServer]:
    server = TestServer(app, host="127.0.0.1")
    await server.start_server(ssl=ssl_context)
    try:
        yield server
    finally:
        await server.close()


def _static(
    status: int = 200,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
) -> web.Application:
    """An app that answers every path with the same response."""

    async def handle(request: web.Request) -> web.Response:
        return web.Response(status=status, body=body, headers=headers)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handle)
    return app


async def _check_served(
    pki: Pki, app: web.Application, local_pem: bytes | None = None
) -> CheckResult:
    async with _server(app, pki.server) as server:
        assert server.port is not None
        return await check_domain(
            "127.0.0.1", port=server.port, local_pem=local_pem, ssl_context=pki.client
        )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


# --- generate --------------------------------------------------------------


def test_generate_files_and_modes(tmp_path: Path) -> None:
    private_path, public_path = generate(tmp_path / "keys")
    assert private_path.name == PRIVATE_KEY_FILENAME
    assert public_path.name == PUBLIC_KEY_FILENAME
    assert stat.S_IMODE(private_path.stat().st_mode) == 0o600
    private = serialization.load_pem_private_key(private_path.read_bytes(), None)
    assert isinstance(private, ec.EllipticCurvePrivateKey)
    assert private.curve.name == "secp256r1"
    assert private_path.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    published = public_path.read_bytes()
    assert published.startswith(b"-----BEGIN PUBLIC KEY-----")
    assert len(published) == 178
    assert published == _spki(private)
    assert validate_public_pem(published, "application/x-pem-file").ok


def test_generate_refuses_overwrite(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["generate", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "-----BEGIN PUBLIC KEY-----" in out
    assert "PRIVATE" not in out
    assert "Next steps" in out
    before = (tmp_path / PRIVATE_KEY_FILENAME).read_bytes()
    assert cli.main(["generate", str(tmp_path)]) == 1
    assert "--force" in capsys.readouterr().err
    assert (tmp_path / PRIVATE_KEY_FILENAME).read_bytes() == before
    assert cli.main(["generate", str(tmp_path), "--force"]) == 0
    after = tmp_path / PRIVATE_KEY_FILENAME
    assert after.read_bytes() != before
    assert stat.S_IMODE(after.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        PUBLIC_KEY_FILENAME,
        PRIVATE_KEY_FILENAME,
    ]


# --- site ------------------------------------------------------------------


def test_site_layout(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, public_path = generate(tmp_path / "keys")
    site = tmp_path / "site"
    argv = [
        "site",
        str(site),
        "--key",
        str(public_path),
        "--domain",
        "Keys.Example.COM",
    ]
    assert cli.main(argv) == 0
    assert "keyhost check keys.example.com" in capsys.readouterr().out
    served = site / WELL_KNOWN_PATH.lstrip("/")
    assert served.read_bytes() == public_path.read_bytes()
    assert (site / ".nojekyll").read_bytes() == b""
    assert (site / "CNAME").read_text() == "keys.example.com\n"
    headers = (site / "_headers").read_text()
    assert f"{WELL_KNOWN_PATH}\n  Content-Type: application/x-pem-file" in headers
    assert WELL_KNOWN_PATH in (site / "index.html").read_text()
    files = {p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()}
    assert files == {
        ".nojekyll",
        "CNAME",
        "_headers",
        "index.html",
        WELL_KNOWN_PATH.lstrip("/"),
    }


def test_site_refuses_an_invalid_domain(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, public_path = generate(tmp_path / "keys")
    site = tmp_path / "site"
    argv = ["site", str(site), "--key", str(public_path), "--domain", "not a domain"]
    assert cli.main(argv) == 1
    assert "is not a domain name" in capsys.readouterr().err
    assert not site.exists()


def test_site_without_domain_has_no_cname(tmp_path: Path) -> None:
    key_path = build_site(tmp_path / "site", _spki(_p256()))
    assert key_path.is_file()
    assert not (tmp_path / "site" / "CNAME").exists()


def test_site_refuses_private_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    private_path, _ = generate(tmp_path / "keys")
    # A private key under the public key's name is still refused.
    disguised = tmp_path / PUBLIC_KEY_FILENAME
    disguised.write_bytes(private_path.read_bytes())
    for path in (private_path, disguised):
        site = tmp_path / f"site-{path.name}"
        assert cli.main(["site", str(site), "--key", str(path)]) == 1
        assert "PRIVATE" in capsys.readouterr().err
        assert not site.exists()
    # Building the site inside the key folder would publish the private key.
    assert cli.main(["site", str(tmp_path / "keys"), "--key", str(private_path)]) == 1
    with pytest.raises(PrivateKeyError):
        build_site(
            tmp_path / "keys", (tmp_path / "keys" / PUBLIC_KEY_FILENAME).read_bytes()
        )
    assert not (tmp_path / "keys" / ".well-known").exists()


def test_site_refuses_non_p256(tmp_path: Path) -> None:
    with pytest.raises(KeyFormatError):
        build_site(tmp_path / "site", _spki(ec.generate_private_key(ec.SECP384R1())))


# --- serve -----------------------------------------------------------------


async def _raw(port: int, method: str, path: str) -> tuple[int, dict[str, str], bytes]:
    """Send one request with the path exactly as given (no client normalization)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    request = f"{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
    if method in {"POST", "PUT"}:
        request += "Content-Length: 0\r\n"
    writer.write(f"{request}\r\n".encode())
    await writer.drain()
    data = await reader.read()
    writer.close()
    await writer.wait_closed()
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(lines[0].split()[1]), headers, body


async def test_serve_key_path(key: ec.EllipticCurvePrivateKey) -> None:
    pem = _spki(key)
    async with _server(create_app(pem)) as server:
        assert server.port is not None
        status, headers, body = await _raw(server.port, "GET", WELL_KNOWN_PATH)
        assert status == 200
        assert body == pem
        assert headers["content-type"] == "application/x-pem-file"
        assert "location" not in headers
        status, headers, body = await _raw(server.port, "HEAD", WELL_KNOWN_PATH)
        assert status == 200
        assert body == b""
        assert headers["content-length"] == str(len(pem))
        for method in ("POST", "PUT", "DELETE"):
            status, headers, _ = await _raw(server.port, method, WELL_KNOWN_PATH)
            assert status == 405, method
            assert headers["allow"] == "GET, HEAD"


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/.well-known/",
        "/.well-known/appspecific/",
        "/.well-known/appspecific",
        WELL_KNOWN_PATH + "/",
        "/.well-known/appspecific/com.tesla.3p.public-key.pem.bak",
        "/.well-known/appspecific/%63om.tesla.3p.public-key.pem",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/.well-known/appspecific/%2e%2e/%2e%2e/private-key.pem",
        "/.well-known/appspecific/x/%2e%2e/com.tesla.3p.public-key.pem",
        "/.well-known/appspecific/x/../com.tesla.3p.public-key.pem",
        "/../private-key.pem",
        "/private-key.pem",
        "/.well-known/appspecific/private-key.pem",
        "//.well-known/appspecific/com.tesla.3p.public-key.pem",
        "/" + "a" * 10_000,
    ],
)
async def test_serve_404(
    tmp_path: Path, key: ec.EllipticCurvePrivateKey, path: str
) -> None:
    (tmp_path / PRIVATE_KEY_FILENAME).write_bytes(_private_pem(key))
    async with _server(create_app(_spki(key))) as server:
        assert server.port is not None
        status, _, body = await _raw(server.port, "GET", path)
    assert status == 404
    assert b"PRIVATE" not in body
    assert b"PUBLIC" not in body


@pytest.mark.parametrize(
    "pem",
    [
        pytest.param(_private_pem(_p256()), id="private-pkcs8"),
        pytest.param(
            _p256().private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.TraditionalOpenSSL,
                serialization.NoEncryption(),
            ),
            id="private-sec1",
        ),
        pytest.param(_private_pem(_p256()) + _spki(_p256()), id="private-and-public"),
        pytest.param(_spki(ec.generate_private_key(ec.SECP384R1())), id="p384"),
        pytest.param(b"hello", id="garbage"),
    ],
)
def test_serve_refuses_bad_key(pem: bytes) -> None:
    with pytest.raises(KeyFormatError):
        create_app(pem)


def test_serve_cli_refuses_private_key(
    tmp_path: Path, pki: Pki, capsys: pytest.CaptureFixture[str]
) -> None:
    private_path, _ = generate(tmp_path)
    argv = ["serve", "--cert", str(pki.cert_path), "--key", str(pki.key_path)]
    assert cli.main([*argv, "--public-key", str(private_path), "--port", "1"]) == 1
    assert "PRIVATE" in capsys.readouterr().err


async def test_serve_https_end_to_end(
    pki: Pki, key: ec.EllipticCurvePrivateKey
) -> None:
    """run_server over TLS passes check_domain, then shuts down on request."""
    port = _free_port()
    stop = asyncio.Event()
    task = asyncio.create_task(
        run_server(create_app(_spki(key)), pki.server, "127.0.0.1", port, stop)
    )
    result = CheckResult(False, "", "", 1)
    for _ in range(100):
        result = await check_domain(
            "127.0.0.1",
            port=port,
            local_pem=_private_pem(key),
            ssl_context=pki.client,
        )
        if result.code != "connection_refused":
            break
        await asyncio.sleep(0.02)
    stop.set()
    await task
    assert result.ok, result
    assert result.exit_code == 0


# --- check -----------------------------------------------------------------


async def test_check_ok(pki: Pki, key: ec.EllipticCurvePrivateKey) -> None:
    app = _static(body=_spki(key), headers={"Content-Type": "text/plain"})
    result = await _check_served(pki, app, local_pem=_spki(key))
    assert result == CheckResult(True, "ok", result.message, 0)
    # A local private key is reduced to its public key.
    assert (await _check_served(pki, app, local_pem=_private_pem(key))).ok


@pytest.mark.parametrize(
    ("status", "body", "headers", "code"),
    [
        (
            200,
            b"<!doctype html><html>Not here</html>",
            {"Content-Type": "text/html"},
            "html",
        ),
        (
            301,
            b"",
            {"Location": "https://www.example.com" + WELL_KNOWN_PATH},
            "redirect",
        ),
        (308, b"", {"Location": WELL_KNOWN_PATH + "/"}, "redirect"),
        (404, b"Not Found", None, "http_status"),
        (403, b"Forbidden", None, "http_status"),
        (200, _private_pem(_p256()), None, "private_key"),
        (200, _spki(_p256()) + _private_pem(_p256()), None, "private_key"),
        (200, _spki(ec.generate_private_key(ec.SECP384R1())), None, "wrong_curve"),
        (200, _spki(rsa.generate_private_key(65537, 2048)), None, "not_ec_key"),
        (200, b"A" * 5000, None, "too_large"),
        (200, b"just some text", None, "not_pem"),
        (
            200,
            b"-----BEGIN CERTIFICATE-----\nMII=\n-----END CERTIFICATE-----\n",
            None,
            "not_pem",
        ),
        (200, b"", None, "not_pem"),
    ],
)
async def test_check_failures(
    pki: Pki, status: int, body: bytes, headers: dict[str, str] | None, code: str
) -> None:
    result = await _check_served(pki, _static(status, body, headers))
    assert not result.ok
    assert result.code == code, result
    assert result.exit_code == EXIT_CODES[code] != 0
    if code == "redirect":
        assert headers is not None
        assert headers["Location"] in result.message


async def test_check_key_mismatch(pki: Pki, key: ec.EllipticCurvePrivateKey) -> None:
    result = await _check_served(pki, _static(body=_spki(key)), _private_pem(_p256()))
    assert (result.code, result.exit_code) == ("key_mismatch", 35)


async def test_check_bad_local_key(pki: Pki) -> None:
    result = await check_domain("127.0.0.1", local_pem=b"nope", ssl_context=pki.client)
    assert result.code == "local_key"


async def test_check_untrusted_certificate(
    pki: Pki, other_pki: Pki, key: ec.EllipticCurvePrivateKey
) -> None:
    async with (
        _server(_static(body=_spki(key)), other_pki.server) as server,
        _ignore_failed_handshakes(),
    ):
        assert server.port is not None
        result = await check_domain(
            "127.0.0.1", port=server.port, ssl_context=pki.client
        )
    assert (result.code, result.exit_code) == ("tls", EXIT_CODES["tls"])


async def test_check_default_trust_rejects_test_ca(
    pki: Pki, key: ec.EllipticCurvePrivateKey
) -> None:
    """Without a CA override the system trust store applies, like Tesla."""
    async with (
        _server(_static(body=_spki(key)), pki.server) as server,
        _ignore_failed_handshakes(),
    ):
        assert server.port is not None
        result = await check_domain("127.0.0.1", port=server.port)
    assert result.code == "tls"


async def test_check_connection_refused(pki: Pki) -> None:
    result = await check_domain("127.0.0.1", port=_free_port(), ssl_context=pki.client)
    assert (result.code, result.exit_code) == ("connection_refused", 11)


async def test_check_dns_failure(pki: Pki) -> None:
    result = await check_domain(
        "no-such-host.invalid",
        ssl_context=pki.client,
        client_timeout=aiohttp.ClientTimeout(total=10),
    )
    assert (result.code, result.exit_code) == ("dns", 10), result


def test_validate_public_pem_accepts_crlf() -> None:
    pem = _spki(_p256()).replace(b"\n", b"\r\n")
    assert validate_public_pem(pem, None).ok
    assert validate_public_pem(pem, "text/html").ok  # the body decides


async def test_check_cli(
    tmp_path: Path,
    pki: Pki,
    key: ec.EllipticCurvePrivateKey,
    capsys: pytest.CaptureFixture[str],
) -> None:
    cafile = tmp_path / "ca.pem"
    cafile.write_bytes(pki.ca_pem)
    local = tmp_path / "local.pem"
    local.write_bytes(_spki(key))
    async with _server(_static(body=_spki(key)), pki.server) as server:
        base = [
            "check",
            "127.0.0.1",
            "--port",
            str(server.port),
            "--cafile",
            str(cafile),
        ]
        assert await cli.amain([*base, "--local", str(local)]) == 0
        assert "OK:" in capsys.readouterr().out
        local.write_bytes(_spki(_p256()))
        assert await cli.amain([*base, "--local", str(local)]) == 35
        assert "FAIL [key_mismatch]" in capsys.readouterr().err


# --- register --------------------------------------------------------------

CLIENT_ID = "client-id-123"
CLIENT_SECRET = "ta-secret.s3cr3t-value"
TOKEN = "partner-token-abcdef"
DOMAIN = "keys.example.com"


class FakeTesla:
    """Imitates Tesla's token and partner endpoints; regions are path prefixes."""

    def __init__(self) -> None:
        self.register: tuple[int, dict[str, Any]] = (200, {"response": {}})
        self.public_key: tuple[int, dict[str, Any]] = (200, {})
        self.calls: list[tuple[str, str]] = []
        self.app = web.Application()
        self.app.router.add_post("/oauth2/v3/token", self.token)
        self.app.router.add_post("/{region}/api/1/partner_accounts", self.partner)
        self.app.router.add_get("/{region}/api/1/partner_accounts/public_key", self.key)

    async def token(self, request: web.Request) -> web.Response:
        form = await request.post()
        self.calls.append(("token", str(form["audience"])))
        assert form["grant_type"] == "client_credentials"
        assert form["scope"] == "openid"
        if form["client_id"] != CLIENT_ID or form["client_secret"] != CLIENT_SECRET:
            return web.json_response(
                {"error": "invalid_client", "error_description": "bad credentials"},
                status=401,
            )
        return web.json_response(
            {"access_token": TOKEN, "expires_in": 28800, "token_type": "Bearer"}
        )

    def _authorized(self, request: web.Request) -> bool:
        return request.headers.get("Authorization") == f"Bearer {TOKEN}"

    async def partner(self, request: web.Request) -> web.Response:
        assert self._authorized(request)
        body = await request.json()
        self.calls.append(("register", request.match_info["region"]))
        assert body == {"domain": DOMAIN}
        status, data = self.register
        return web.json_response(data, status=status)

    async def key(self, request: web.Request) -> web.Response:
        assert self._authorized(request)
        assert request.query["domain"] == DOMAIN
        self.calls.append(("public_key", request.match_info["region"]))
        status, data = self.public_key
        return web.json_response(data, status=status)


@pytest.fixture
async def tesla() -> AsyncIterator[tuple[FakeTesla, list[str]]]:
    fake = FakeTesla()
    async with _server(fake.app) as server:
        root = str(server.make_url("")).rstrip("/")
        argv = [
            "register",
            "--client-id",
            CLIENT_ID,
            "--client-secret",
            CLIENT_SECRET,
            "--domain",
            DOMAIN,
            "--token-url",
            f"{root}/oauth2/v3/token",
            "--fleet-url-na",
            f"{root}/na",
            "--fleet-url-eu",
            f"{root}/eu",
        ]
        yield fake, argv


def _no_secrets(capsys: pytest.CaptureFixture[str]) -> tuple[str, str]:
    """Return (stdout, stderr) after checking neither shows a secret."""
    out, err = capsys.readouterr()
    text = out + err
    assert CLIENT_SECRET not in text
    assert TOKEN not in text
    return out, err


async def test_register_two_regions(
    tesla: tuple[FakeTesla, list[str]],
    key: ec.EllipticCurvePrivateKey,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    fake, argv = tesla
    point = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    fake.public_key = (200, {"response": {"public_key": point.hex()}})
    local = tmp_path / "private-key.pem"
    local.write_bytes(_private_pem(key))
    assert await cli.amain([*argv, "--local", str(local)]) == 0
    assert [c[0] for c in fake.calls] == ["token", "register", "public_key"] * 2
    assert fake.calls[0][1].endswith("/na")
    assert fake.calls[3][1].endswith("/eu")
    text = "".join(_no_secrets(capsys))
    assert "[na] confirmed" in text
    assert "[eu] confirmed" in text


async def test_register_one_region_unconfirmed(
    tesla: tuple[FakeTesla, list[str]], capsys: pytest.CaptureFixture[str]
) -> None:
    fake, argv = tesla
    fake.public_key = (403, {"error": "missing scopes"})
    assert await cli.amain([*argv, "--region", "eu"]) == 0
    assert [c[0] for c in fake.calls] == ["token", "register", "public_key"]
    assert "could not confirm" in _no_secrets(capsys)[0]


@pytest.mark.parametrize(
    ("status", "data", "exit_code", "needle"),
    [
        (424, {"error": "Public key download failed for url"}, 4, "could not download"),
        (400, {"error": "Invalid domain"}, 5, "allowed origin"),
        (422, {"error": "Domain has already been taken"}, 6, "another Tesla app"),
        (500, {"error": "boom"}, 8, "HTTP 500"),
    ],
)
async def test_register_errors(
    tesla: tuple[FakeTesla, list[str]],
    capsys: pytest.CaptureFixture[str],
    status: int,
    data: dict[str, Any],
    exit_code: int,
    needle: str,
) -> None:
    fake, argv = tesla
    fake.register = (status, data)
    assert await cli.amain(argv) == exit_code
    _, err = _no_secrets(capsys)
    assert needle in err
    assert "[na]" in err
    assert ("register", "eu") not in fake.calls


async def test_register_refuses_an_invalid_domain_before_asking_tesla(
    tesla: tuple[FakeTesla, list[str]], capsys: pytest.CaptureFixture[str]
) -> None:
    fake, argv = tesla
    argv = [a if a != DOMAIN else "keys example.com" for a in argv]
    assert await cli.amain(argv) == 5
    assert "is not a domain name" in _no_secrets(capsys)[1]
    assert fake.calls == []


async def test_register_invalid_client(
    tesla: tuple[FakeTesla, list[str]], capsys: pytest.CaptureFixture[str]
) -> None:
    fake, argv = tesla
    argv = [a if a != CLIENT_ID else "wrong-id" for a in argv]
    assert await cli.amain(argv) == 3
    _, err = _no_secrets(capsys)
    assert "client id or secret" in err
    assert fake.calls == [("token", fake.calls[0][1])]


async def test_register_key_mismatch(
    tesla: tuple[FakeTesla, list[str]],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    fake, argv = tesla
    fake.public_key = (200, {"public_key": "04" + "00" * 64})
    local = tmp_path / "pub.pem"
    local.write_bytes(_spki(_p256()))
    assert await cli.amain([*argv, "--local", str(local)]) == 9
    _no_secrets(capsys)


async def test_register_network_error(capsys: pytest.CaptureFixture[str]) -> None:
    port = _free_port()
    result = await register_domain(
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        domain="HTTPS://Keys.Example.com/",
        token_url=f"http://127.0.0.1:{port}/token",
    )
    assert result == 7
    out, err = _no_secrets(capsys)
    assert "network problem" in err
    assert "'keys.example.com'" in out


async def test_register_requires_credentials(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TESLA_CLIENT_SECRET", raising=False)
    assert await cli.amain(["register", "--client-id", "x", "--domain", DOMAIN]) == 2
    assert "required" in capsys.readouterr().err
