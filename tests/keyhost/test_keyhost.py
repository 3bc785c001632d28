"""Tests for keyhost: generate, site, serve and check."""

from __future__ import annotations

import asyncio
from pathlib import Path
import stat

import aiohttp
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
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
from keyhost.serve import create_app, run_server
from keyhost.site import build_site
from tests.keyhost.common import (
    Pki,
    check_served,
    free_port,
    ignore_failed_handshakes,
    p256,
    private_pem,
    raw_request,
    serve_app,
    spki,
    static_app,
)

pytestmark = pytest.mark.usefixtures("socket_enabled")


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
    assert published == spki(private)
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
    key_path = build_site(tmp_path / "site", spki(p256()))
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
        build_site(tmp_path / "site", spki(ec.generate_private_key(ec.SECP384R1())))


# --- serve -----------------------------------------------------------------


async def test_serve_key_path(key: ec.EllipticCurvePrivateKey) -> None:
    pem = spki(key)
    async with serve_app(create_app(pem)) as server:
        assert server.port is not None
        status, headers, body = await raw_request(server.port, "GET", WELL_KNOWN_PATH)
        assert status == 200
        assert body == pem
        assert headers["content-type"] == "application/x-pem-file"
        assert "location" not in headers
        status, headers, body = await raw_request(server.port, "HEAD", WELL_KNOWN_PATH)
        assert status == 200
        assert body == b""
        assert headers["content-length"] == str(len(pem))
        for method in ("POST", "PUT", "DELETE"):
            status, headers, _ = await raw_request(server.port, method, WELL_KNOWN_PATH)
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
    (tmp_path / PRIVATE_KEY_FILENAME).write_bytes(private_pem(key))
    async with serve_app(create_app(spki(key))) as server:
        assert server.port is not None
        status, _, body = await raw_request(server.port, "GET", path)
    assert status == 404
    assert b"PRIVATE" not in body
    assert b"PUBLIC" not in body


@pytest.mark.parametrize(
    "pem",
    [
        pytest.param(private_pem(p256()), id="private-pkcs8"),
        pytest.param(
            p256().private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.TraditionalOpenSSL,
                serialization.NoEncryption(),
            ),
            id="private-sec1",
        ),
        pytest.param(private_pem(p256()) + spki(p256()), id="private-and-public"),
        pytest.param(spki(ec.generate_private_key(ec.SECP384R1())), id="p384"),
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
    port = free_port()
    stop = asyncio.Event()
    task = asyncio.create_task(
        run_server(create_app(spki(key)), pki.server, "127.0.0.1", port, stop)
    )
    result = CheckResult(False, "", "", 1)
    for _ in range(100):
        result = await check_domain(
            "127.0.0.1",
            port=port,
            local_pem=private_pem(key),
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
    app = static_app(body=spki(key), headers={"Content-Type": "text/plain"})
    result = await check_served(pki, app, local_pem=spki(key))
    assert result == CheckResult(True, "ok", result.message, 0)
    # A local private key is reduced to its public key.
    assert (await check_served(pki, app, local_pem=private_pem(key))).ok


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
        (200, private_pem(p256()), None, "private_key"),
        (200, spki(p256()) + private_pem(p256()), None, "private_key"),
        (200, spki(ec.generate_private_key(ec.SECP384R1())), None, "wrong_curve"),
        (200, spki(rsa.generate_private_key(65537, 2048)), None, "not_ec_key"),
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
    result = await check_served(pki, static_app(status, body, headers))
    assert not result.ok
    assert result.code == code, result
    assert result.exit_code == EXIT_CODES[code] != 0
    if code == "redirect":
        assert headers is not None
        assert headers["Location"] in result.message


async def test_check_key_mismatch(pki: Pki, key: ec.EllipticCurvePrivateKey) -> None:
    result = await check_served(pki, static_app(body=spki(key)), private_pem(p256()))
    assert (result.code, result.exit_code) == ("key_mismatch", 35)


async def test_check_bad_local_key(pki: Pki) -> None:
    result = await check_domain("127.0.0.1", local_pem=b"nope", ssl_context=pki.client)
    assert result.code == "local_key"


async def test_check_untrusted_certificate(
    pki: Pki, other_pki: Pki, key: ec.EllipticCurvePrivateKey
) -> None:
    async with (
        serve_app(static_app(body=spki(key)), other_pki.server) as server,
        ignore_failed_handshakes(),
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
        serve_app(static_app(body=spki(key)), pki.server) as server,
        ignore_failed_handshakes(),
    ):
        assert server.port is not None
        result = await check_domain("127.0.0.1", port=server.port)
    assert result.code == "tls"


async def test_check_connection_refused(pki: Pki) -> None:
    result = await check_domain("127.0.0.1", port=free_port(), ssl_context=pki.client)
    assert (result.code, result.exit_code) == ("connection_refused", 11)


async def test_check_dns_failure(pki: Pki) -> None:
    result = await check_domain(
        "no-such-host.invalid",
        ssl_context=pki.client,
        client_timeout=aiohttp.ClientTimeout(total=10),
    )
    assert (result.code, result.exit_code) == ("dns", 10), result


def test_validate_public_pem_accepts_crlf() -> None:
    pem = spki(p256()).replace(b"\n", b"\r\n")
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
    local.write_bytes(spki(key))
    async with serve_app(static_app(body=spki(key)), pki.server) as server:
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
        local.write_bytes(spki(p256()))
        assert await cli.amain([*base, "--local", str(local)]) == 35
        assert "FAIL [key_mismatch]" in capsys.readouterr().err
