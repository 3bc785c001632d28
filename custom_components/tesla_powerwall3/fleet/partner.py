"""The partner (client_credentials) token an app needs to register its domain."""

import json
from typing import Final

import aiohttp

from .const import REQUEST_TIMEOUT_SECONDS
from .errors import FleetConnectionError, FleetHTTPError, InvalidResponseError
from .tesla.answers import is_invalid_client, partner_token_form

MAX_ANSWER_BYTES: Final = 64 * 1024
"""A partner token answer is about 850 bytes; read no more than this."""


class InvalidClientError(FleetHTTPError):
    """Tesla does not know this client id and secret."""


async def request_partner_token(
    session: aiohttp.ClientSession,
    *,
    token_url: str,
    client_id: str,
    client_secret: str,
    audience: str,
) -> str:
    """Return a partner access token for a region (audience = its base URL).

    The form carries the client secret: a redirect is never followed.
    """
    try:
        async with session.post(
            token_url,
            data=partner_token_form(
                client_id=client_id, client_secret=client_secret, audience=audience
            ),
            timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_SECONDS),
            allow_redirects=False,
        ) as response:
            status = response.status
            if 300 <= status < 400:  # noqa: PLR2004
                location = response.headers.get("Location", "")[:200]
                raise FleetHTTPError(
                    status, f"redirect to {location} not followed", "partner_token"
                )
            body = await _read_json(response.content)
    except (aiohttp.ClientError, TimeoutError) as err:
        raise FleetConnectionError(f"partner token: {err}") from err
    error = body.get("error") if isinstance(body, dict) else None
    if status >= 400:  # noqa: PLR2004
        text = str(error) if error else None
        if is_invalid_client(status, text):
            raise InvalidClientError(status, text, "partner_token")
        raise FleetHTTPError(status, text, "partner_token")
    token = body.get("access_token") if isinstance(body, dict) else None
    if not isinstance(token, str) or not token:
        raise InvalidResponseError("partner token: no access_token")
    return token


async def _read_json(content: aiohttp.StreamReader) -> object:
    """Parse the body as JSON (None if it is not), reading up to the cap."""
    chunks: list[bytes] = []
    size = 0
    while chunk := await content.read(MAX_ANSWER_BYTES + 1 - size):
        chunks.append(chunk)
        size += len(chunk)
        if size > MAX_ANSWER_BYTES:
            raise InvalidResponseError(
                f"partner token: the answer is larger than "
                f"{MAX_ANSWER_BYTES // 1024} KiB"
            )
    try:
        return json.loads(b"".join(chunks))
    except ValueError:
        return None
