"""The partner (client_credentials) token an app needs to register its domain."""

import aiohttp

from .const import REQUEST_TIMEOUT_SECONDS
from .errors import FleetConnectionError, FleetHTTPError, InvalidResponseError
from .tesla.answers import is_invalid_client, partner_token_form


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
    """Return a partner access token for a region (audience = its base URL)."""
    try:
        async with session.post(
            token_url,
            data=partner_token_form(
                client_id=client_id, client_secret=client_secret, audience=audience
            ),
            timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_SECONDS),
        ) as response:
            try:
                body = await response.json(content_type=None)
            except ValueError:
                body = None
            status = response.status
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
