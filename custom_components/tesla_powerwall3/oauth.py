"""Tesla's OAuth token requests, which follow no redirect.

Each one carries the client secret and a code or refresh token; Home
Assistant's own implementation follows redirects (a 307 re-posts the form to
the host it names, and a token from there would be stored). This one sends
the same form, refuses any 3xx and caps the answer, and raises Home
Assistant's OAuth errors for the same statuses: a 4xx asks to log in again,
429 and 5xx retry later.
"""

from http import HTTPStatus
import json
from typing import Any, Final, NoReturn, cast, override

from aiohttp import ClientError, ClientResponse, ClientResponseError
from homeassistant.components.application_credentials import AuthImplementation
from homeassistant.exceptions import (
    OAuth2TokenRequestConnectionError,
    OAuth2TokenRequestError,
    OAuth2TokenRequestReauthError,
    OAuth2TokenRequestTransientError,
)
from homeassistant.helpers.aiohttp_client import async_get_clientsession

from .const import LOGGER

MAX_ANSWER_BYTES: Final = 64 * 1024
"""A token answer is a few KiB; read no more than this."""


class TeslaAuthImplementation(AuthImplementation):
    """Application Credentials for Tesla, without following redirects."""

    @override
    async def _token_request(self, data: dict[str, Any]) -> dict[str, Any]:
        """Post the token form; raise Home Assistant's OAuth error on failure."""
        form = {**data, "client_id": self.client_id}
        if self.client_secret:
            form["client_secret"] = self.client_secret
        session = async_get_clientsession(self.hass)
        try:
            async with session.post(
                self.token_url, data=form, allow_redirects=False
            ) as response:
                if response.status >= HTTPStatus.MULTIPLE_CHOICES:
                    self._refuse(response)
                body = await _read(response)
        except ClientResponseError as err:
            self._raise(err)
        except ClientError as err:
            LOGGER.debug("Token request got no usable answer: %s", err)
            raise OAuth2TokenRequestConnectionError(domain=self.service_domain) from err
        try:
            token = json.loads(body)
        except ValueError:
            token = None
        if not isinstance(token, dict):
            LOGGER.debug("Token answer is not a JSON object")
            raise OAuth2TokenRequestConnectionError(domain=self.service_domain)
        return cast("dict[str, Any]", token)

    def _refuse(self, response: ClientResponse) -> NoReturn:
        """Raise for a status that is not a token: a redirect or an error."""
        if response.status < HTTPStatus.BAD_REQUEST:
            location = response.headers.get("Location", "")[:200]
            LOGGER.warning(
                "Tesla's token URL answered %s, a redirect to %s: not followed, "
                "it would send the client secret there",
                response.status,
                location,
            )
        raise ClientResponseError(
            response.request_info,
            response.history,
            status=response.status,
            message=response.reason or "",
            headers=response.headers,
        )

    def _raise(self, err: ClientResponseError) -> NoReturn:
        """Raise the OAuth error Home Assistant raises for this status."""
        kwargs: dict[str, Any] = {
            "request_info": err.request_info,
            "history": err.history,
            "status": err.status,
            "message": err.message,
            "headers": err.headers,
            "domain": self.service_domain,
        }
        status = err.status
        if (
            status == HTTPStatus.TOO_MANY_REQUESTS
            or status >= HTTPStatus.INTERNAL_SERVER_ERROR
        ):
            raise OAuth2TokenRequestTransientError(**kwargs) from err
        if status >= HTTPStatus.BAD_REQUEST:
            raise OAuth2TokenRequestReauthError(**kwargs) from err
        raise OAuth2TokenRequestError(**kwargs) from err


async def _read(response: ClientResponse) -> bytes:
    """Read the body up to MAX_ANSWER_BYTES; a larger one is no token."""
    chunks: list[bytes] = []
    size = 0
    while chunk := await response.content.read(MAX_ANSWER_BYTES + 1 - size):
        chunks.append(chunk)
        size += len(chunk)
        if size > MAX_ANSWER_BYTES:
            raise ClientError(f"token answer larger than {MAX_ANSWER_BYTES} bytes")
    return b"".join(chunks)
