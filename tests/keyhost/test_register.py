"""keyhost register: partner token, partner_accounts, and their failures."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
import json
from pathlib import Path
import secrets
from typing import Any

from aiohttp import web
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
import pytest

from keyhost import cli
from keyhost.register import register_domain
from tests.common import NOT_BARE_DOMAINS
from tests.keyhost.common import free_port, p256, private_pem, serve_app, spki

pytestmark = pytest.mark.usefixtures("socket_enabled")

# --- register --------------------------------------------------------------

CLIENT_ID = "client-id-123"
CLIENT_SECRET = "ta-secret.s3cr3t-value"
DOMAIN = "keys.example.com"
TOKEN_BODY_LENGTH = 855


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _tesla_token_body() -> tuple[str, str]:
    """Return (access token, body): an RS256 JWT answer of 855 characters.

    Shaped like Tesla's partner token: a header naming its RS256 key, the
    claims of a client_credentials token and a 2048-bit RSA signature.
    """
    signature = _b64(secrets.token_bytes(256))
    for kid_length in range(20, 28):
        header = _b64(json.dumps({"alg": "RS256", "kid": "k" * kid_length}).encode())
        for pad in range(60):
            claims = {
                "iss": "https://fleet-auth.prd.vn.cloud.tesla.com/oauth2/v3/nts",
                "azp": CLIENT_ID,
                "sub": CLIENT_ID,
                "aud": ["https://fleet-api.prd.na.vn.cloud.tesla.com"],
                "scp": ["openid"],
                "exp": 1767254400,
                "iat": 1767225600,
                "ou_code": "NA",
                "jti": "j" * pad,
            }
            payload = _b64(json.dumps(claims, separators=(",", ":")).encode())
            token = f"{header}.{payload}.{signature}"
            body = json.dumps(
                {"access_token": token, "expires_in": 28800, "token_type": "Bearer"}
            )
            if len(body) == TOKEN_BODY_LENGTH:
                return token, body
    raise AssertionError("no token of that length")


TOKEN, TOKEN_BODY = _tesla_token_body()


class FakeTesla:
    """Imitates Tesla's token and partner endpoints; regions are path prefixes."""

    def __init__(self) -> None:
        self.token_answer: web.Response | None = None
        """What the token endpoint answers instead of Tesla's token."""
        self.register: tuple[int, dict[str, Any]] = (200, {"response": {}})
        self.public_key: tuple[int, dict[str, Any]] = (200, {})
        self.redirects: dict[str, web.Response] = {}
        """Per endpoint ("register", "public_key"): answer this instead."""
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
        if self.token_answer is not None:
            return self.token_answer
        return web.Response(text=TOKEN_BODY, content_type="application/json")

    def _authorized(self, request: web.Request) -> bool:
        return request.headers.get("Authorization") == f"Bearer {TOKEN}"

    async def partner(self, request: web.Request) -> web.Response:
        assert self._authorized(request)
        body = await request.json()
        self.calls.append(("register", request.match_info["region"]))
        assert body == {"domain": DOMAIN}
        if "register" in self.redirects:
            return self.redirects["register"]
        status, data = self.register
        return web.json_response(data, status=status)

    async def key(self, request: web.Request) -> web.Response:
        assert self._authorized(request)
        assert request.query["domain"] == DOMAIN
        self.calls.append(("public_key", request.match_info["region"]))
        if "public_key" in self.redirects:
            return self.redirects["public_key"]
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
    """Return (stdout, stderr) after checking neither shows any part of a secret."""
    out, err = capsys.readouterr()
    text = out + err
    assert CLIENT_SECRET not in text
    for part in TOKEN.split("."):
        for start in range(len(part) - 12):
            assert part[start : start + 12] not in text, part[start : start + 12]
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


# --- hostile or broken answers ----------------------------------------------


async def test_register_reads_a_tesla_sized_token(
    tesla: tuple[FakeTesla, list[str]], capsys: pytest.CaptureFixture[str]
) -> None:
    """An 855-character answer holding an RS256 JWT of ~790 characters."""
    fake, argv = tesla
    assert len(TOKEN_BODY) == TOKEN_BODY_LENGTH
    assert len(TOKEN) > 750
    assert await cli.amain([*argv, "--region", "na"]) == 0
    assert [c[0] for c in fake.calls] == ["token", "register", "public_key"]
    assert "[na] registered" in _no_secrets(capsys)[0]


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (200, json.dumps({"token": TOKEN, "expires_in": 28800})),
        (200, json.dumps({"access_token": TOKEN})[:-5]),
        (500, TOKEN_BODY),
        (500, f"upstream said {TOKEN}"),
        (401, json.dumps({"error": "invalid_client", "access_token": TOKEN})),
    ],
    ids=["no-access-token", "cut-json", "500-token", "500-text", "401-token"],
)
async def test_register_never_prints_a_token_tesla_sent(
    tesla: tuple[FakeTesla, list[str]],
    capsys: pytest.CaptureFixture[str],
    status: int,
    body: str,
) -> None:
    fake, argv = tesla
    fake.token_answer = web.Response(status=status, text=body)
    assert await cli.amain(argv) in {3, 8}
    _, err = _no_secrets(capsys)
    assert "[na]" in err


@pytest.mark.parametrize("size", [65 * 1024, 5 * 1024 * 1024])
@pytest.mark.parametrize("chunked", [False, True])
async def test_register_refuses_a_huge_answer(
    tesla: tuple[FakeTesla, list[str]],
    capsys: pytest.CaptureFixture[str],
    size: int,
    chunked: bool,
) -> None:
    fake, argv = tesla
    body = json.dumps({"access_token": TOKEN, "x": "x" * size}).encode()
    if chunked:

        async def chunks() -> AsyncIterator[bytes]:
            for start in range(0, len(body), 65536):
                yield body[start : start + 65536]

        fake.token_answer = web.Response(body=chunks())
    else:
        fake.token_answer = web.Response(body=body)
    assert await cli.amain(argv) == 8
    _, err = _no_secrets(capsys)
    assert "larger than 64 KiB" in err
    assert ("register", "na") not in fake.calls


class Elsewhere:
    """Another host a redirect points to; it records whatever reaches it."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str, bytes]] = []
        self.app = web.Application()
        self.app.router.add_route("*", "/{tail:.*}", self.record)

    async def record(self, request: web.Request) -> web.Response:
        body = await request.read()
        auth = request.headers.get("Authorization", "")
        self.requests.append((request.method, auth, body))
        return web.Response(text=TOKEN_BODY, content_type="application/json")


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
@pytest.mark.parametrize("where", ["token", "register", "public_key"])
async def test_register_never_follows_a_redirect(
    tesla: tuple[FakeTesla, list[str]],
    capsys: pytest.CaptureFixture[str],
    status: int,
    where: str,
) -> None:
    """A redirect would re-send the client secret or the bearer token."""
    fake, argv = tesla
    elsewhere = Elsewhere()
    async with serve_app(elsewhere.app) as server:
        location = str(server.make_url("/steal"))
        redirect = web.Response(status=status, headers={"Location": location})
        if where == "token":
            fake.token_answer = redirect
        else:
            fake.redirects[where] = redirect
        code = await cli.amain([*argv, "--region", "na"])
    assert elsewhere.requests == []
    out, err = _no_secrets(capsys)
    if where == "public_key":
        assert code == 0
        assert "could not confirm" in out
        assert f"redirect to {location}" in out
    else:
        assert code == 8
        assert f"HTTP {status} redirect to {location}" in err
        assert "not followed" in err


@pytest.mark.parametrize("domain", NOT_BARE_DOMAINS)
async def test_register_refuses_anything_but_a_bare_domain(
    tesla: tuple[FakeTesla, list[str]],
    capsys: pytest.CaptureFixture[str],
    domain: str,
) -> None:
    fake, argv = tesla
    at = argv.index("--domain")
    argv = [*argv[:at], f"--domain={domain}", *argv[at + 2 :]]
    assert await cli.amain(argv) == 5
    assert "is not a domain name" in _no_secrets(capsys)[1]
    assert fake.calls == []
