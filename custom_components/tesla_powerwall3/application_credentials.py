"""Tesla's OAuth authorization server for Application Credentials."""

from homeassistant.components.application_credentials import (
    AuthorizationServer,
    ClientCredential,
)
from homeassistant.core import HomeAssistant

from .const import DEVELOPER_PORTAL_URL, REDIRECT_URI
from .oauth import TeslaAuthImplementation
from .urls import tesla_hosts


async def async_get_authorization_server(hass: HomeAssistant) -> AuthorizationServer:
    """Return Tesla's authorization server."""
    hosts = tesla_hosts(hass)
    return AuthorizationServer(
        authorize_url=hosts.authorize_url, token_url=hosts.token_url
    )


async def async_get_auth_implementation(
    hass: HomeAssistant, auth_domain: str, credential: ClientCredential
) -> TeslaAuthImplementation:
    """Return Tesla's OAuth implementation: its token requests follow no redirect."""
    return TeslaAuthImplementation(
        hass, auth_domain, credential, await async_get_authorization_server(hass)
    )


async def async_get_description_placeholders(hass: HomeAssistant) -> dict[str, str]:
    """Return the placeholders of the credentials dialog."""
    return {
        "developer_url": DEVELOPER_PORTAL_URL,
        "redirect_uri": REDIRECT_URI,
    }
