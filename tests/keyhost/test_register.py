"""keyhost register: partner token, partner_accounts, and their failures."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from aiohttp import web
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
import pytest

from keyhost import cli
from keyhost.register import register_domain
from tests.keyhost.common import free_port, p256, private_pem, serve_app, spki

pytestmark = pytest.mark.usefixtures("socket_enabled")

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
    async with serve_app(fake.app) as server:
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
    local.write_bytes(private_pem(key))
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
    local.write_bytes(spki(p256()))
    assert await cli.amain([*argv, "--local", str(local)]) == 9
    _no_secrets(capsys)


async def test_register_network_error(capsys: pytest.CaptureFixture[str]) -> None:
    port = free_port()
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
