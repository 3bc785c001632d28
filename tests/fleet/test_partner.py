"""The partner token request and the hosted key download."""

from collections.abc import AsyncIterator, Iterator
import contextlib
import json
from typing import Any

import aiohttp
from aioresponses import aioresponses
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
import pytest

from custom_components.tesla_powerwall3.fleet import (
    TOKEN_URL,
    FleetClient,
    FleetError,
    FleetHTTPError,
    InvalidResponseError,
    StaticToken,
)
from custom_components.tesla_powerwall3.fleet.partner import (
    InvalidClientError,
    request_partner_token,
)
from custom_components.tesla_powerwall3.fleet.tesla.key import (
    KeyProblem,
    is_private_pem,
    validate_key_pem,
)
from tests.common import NA_URL, requests_to


@pytest.fixture
def mock() -> Iterator[aioresponses]:
    with aioresponses() as mocked:
        yield mocked


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def _token(session: aiohttp.ClientSession) -> str:
    return await request_partner_token(
        session,
        token_url=TOKEN_URL,
        client_id="id",
        client_secret="secret",
        audience=NA_URL,
    )


async def test_partner_token(
    session: aiohttp.ClientSession, mock: aioresponses
) -> None:
    mock.post(TOKEN_URL, payload={"access_token": "partner", "expires_in": 28800})
    assert await _token(session) == "partner"


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        ({"status": 401, "payload": {"error": "invalid_client"}}, InvalidClientError),
        ({"status": 400, "body": "not json"}, InvalidClientError),
        ({"status": 500, "payload": {"error": "boom"}}, FleetHTTPError),
        ({"status": 200, "payload": {"token_type": "Bearer"}}, InvalidResponseError),
    ],
)
async def test_partner_token_refusals(
    session: aiohttp.ClientSession,
    mock: aioresponses,
    answer: dict[str, Any],
    error: type[Exception],
) -> None:
    mock.post(TOKEN_URL, **answer)
    with pytest.raises(error):
        await _token(session)


def test_a_private_key_without_its_marker_is_still_private() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    der = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    assert is_private_pem(pem)
    assert not is_private_pem(der[:10])


def test_an_html_content_type_without_a_pem_is_html() -> None:
    check = validate_key_pem(b"Not here", "text/html; charset=utf-8")
    assert (check.problem, check.detail) == (
        KeyProblem.HTML,
        "text/html; charset=utf-8",
    )


ELSEWHERE = "https://elsewhere.example.com/steal"


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
async def test_partner_token_follows_no_redirect(
    session: aiohttp.ClientSession, mock: aioresponses, status: int
) -> None:
    """A redirect would re-post the client secret to another host."""
    mock.post(TOKEN_URL, status=status, headers={"Location": ELSEWHERE})
    mock.post(ELSEWHERE, payload={"access_token": "stolen"})
    mock.get(ELSEWHERE, payload={"access_token": "stolen"})
    with pytest.raises(FleetHTTPError) as err:
        await _token(session)
    assert err.value.status == status
    assert err.value.error == f"redirect to {ELSEWHERE} not followed"
    assert requests_to(mock, "elsewhere") == 0


async def test_partner_token_ignores_a_token_in_a_redirect(
    session: aiohttp.ClientSession, mock: aioresponses
) -> None:
    mock.post(TOKEN_URL, status=307, payload={"access_token": "forged"})
    with pytest.raises(FleetHTTPError, match=r"redirect to .* not followed"):
        await _token(session)


@pytest.mark.parametrize("size", [65 * 1024, 5 * 1024 * 1024])
async def test_partner_token_answer_is_capped(
    session: aiohttp.ClientSession, mock: aioresponses, size: int
) -> None:
    body = json.dumps({"access_token": "t", "padding": "x" * size})
    mock.post(TOKEN_URL, body=body)
    with pytest.raises(InvalidResponseError, match="larger than 64 KiB"):
        await _token(session)


@pytest.mark.parametrize("status", [301, 302, 307, 308])
async def test_partner_calls_send_the_bearer_token_nowhere_else(
    session: aiohttp.ClientSession, mock: aioresponses, status: int
) -> None:
    """register_partner_domain and partner_public_key do not follow a redirect."""
    client = FleetClient(session, StaticToken("partner"), NA_URL)
    redirect = {"status": status, "headers": {"Location": ELSEWHERE}}
    mock.post(f"{NA_URL}/api/1/partner_accounts", **redirect)
    mock.get(
        f"{NA_URL}/api/1/partner_accounts/public_key?domain=example.com", **redirect
    )
    mock.post(ELSEWHERE, payload={"response": {}})
    mock.get(ELSEWHERE, payload={"response": {}})
    with pytest.raises(FleetError):
        await client.register_partner_domain("example.com")
    with contextlib.suppress(FleetError):
        await client.partner_public_key("example.com")
    assert requests_to(mock, "elsewhere") == 0
