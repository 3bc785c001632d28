"""The partner token request and the hosted key download."""

from collections.abc import AsyncIterator, Iterator
from typing import Any

import aiohttp
from aioresponses import aioresponses
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
import pytest

from custom_components.tesla_powerwall3.fleet import (
    TOKEN_URL,
    FleetHTTPError,
    InvalidResponseError,
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
from tests.common import NA_URL


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
