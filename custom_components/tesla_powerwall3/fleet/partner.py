"""The partner (client_credentials) token an app needs to register its domain."""

import aiohttp

from .const import REQUEST_TIMEOUT_SECONDS
from .errors import FleetConnectionError, FleetHTTPError, InvalidResponseError


class InvalidClientError(FleetHTTPError):
    """Tesla does not know this client id and secret."""


async def request_partner_token(
    session: aiohttp.ClientSession,
    *,
    token_url: str,
    client_id: str,
    client_secret: str,
    audience: str,
    scope: str = "openid",
) -> str:
    """Return a partner access token for a region (audience = its base URL).

    Only "openid" is asked for: energy-only apps are refused vehicle scopes.
    """
    try:
        async with session.post(
            token_url,
            data={
                "grant_type": "client_credentials",
                "client_id": client_id,
                "client_secret": client_secret,
                "scope": scope,
                "audience": audience,
            },
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
    if status in (400, 401) and error in (
        "invalid_client",
        "unauthorized_client",
        None,
    ):
        raise InvalidClientError(status, error, "partner_token")
    if status >= 400:  # noqa: PLR2004
        raise FleetHTTPError(status, str(error) if error else None, "partner_token")
    token = body.get("access_token") if isinstance(body, dict) else None
    if not isinstance(token, str) or not token:
        raise InvalidResponseError("partner token: no access_token")
    return token
