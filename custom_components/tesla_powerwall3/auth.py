"""Access tokens for the Fleet API client, from the config entry's OAuth session."""

from aiohttp import ClientError
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import (
    OAuth2TokenRequestBaseError,
    OAuth2TokenRequestReauthError,
)
from homeassistant.helpers.config_entry_oauth2_flow import OAuth2Session

from .fleet import FleetConnectionError, LoginRequiredError


class EntryTokenProvider:
    """Hands out the entry's access token, refreshing it when needed.

    Tesla's refresh tokens are single-use: the OAuth session stores the new one
    in the entry before the new access token is used.
    """

    def __init__(
        self, hass: HomeAssistant, entry: ConfigEntry, session: OAuth2Session
    ) -> None:
        """Wrap the entry's OAuth session."""
        self._hass = hass
        self._entry = entry
        self._session = session

    async def __call__(self, *, force_refresh: bool = False) -> str:
        """Return a valid access token."""
        if force_refresh:
            # Tesla rejected the token before its expiry (e.g. password change).
            token = {**self._entry.data["token"], "expires_at": 0}
            self._hass.config_entries.async_update_entry(
                self._entry, data={**self._entry.data, "token": token}
            )
        try:
            await self._session.async_ensure_token_valid()
        except OAuth2TokenRequestReauthError as err:
            raise LoginRequiredError(error="login_required", endpoint="token") from err
        except (OAuth2TokenRequestBaseError, ClientError, TimeoutError) as err:
            raise FleetConnectionError(f"token refresh failed: {err}") from err
        return str(self._session.token["access_token"])
