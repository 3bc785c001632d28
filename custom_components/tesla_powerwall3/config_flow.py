"""Config flow: Tesla login, region and energy-site discovery."""

from collections.abc import Mapping
import logging
from typing import Any, override

from homeassistant.config_entries import (
    SOURCE_REAUTH,
    SOURCE_RECONFIGURE,
    ConfigEntry,
    ConfigFlowResult,
)
from homeassistant.core import callback
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.config_entry_oauth2_flow import (
    AbstractOAuth2FlowHandler,
    async_get_config_entry_implementation,
)
import probatio as vol

from .const import CONF_BASE_URL, CONF_MODE, DEFAULT_MODE, DOMAIN, LOGGER
from .fleet import (
    ENERGY_SCOPES,
    FleetClient,
    FleetError,
    InvalidResponseError,
    MissingScopesError,
    NotRegisteredError,
    StaticToken,
    TokenClaims,
    decode_token_claims,
)
from .fleet.discovery import DiscoveredSite, discover_energy_sites
from .fleet.errors import AuthenticationError
from .options_flow import PowerwallOptionsFlow
from .polling_choice import choice_options, choices_placeholders, mode_selector
from .registration import async_registration_form
from .urls import tesla_hosts

REQUIRED_SCOPE = "energy_device_data"


class OAuth2FlowHandler(AbstractOAuth2FlowHandler, domain=DOMAIN):
    """Log in to Tesla, find the account's region and energy sites."""

    DOMAIN = DOMAIN
    VERSION = 1
    MINOR_VERSION = 2
    _data: dict[str, Any]
    _client: FleetClient
    _region_url: str = ""
    _new_entry: tuple[str, dict[str, Any], int]
    """Title, data and number of sites of the entry about to be created."""

    @property
    @override
    def logger(self) -> logging.Logger:
        return LOGGER

    @staticmethod
    @callback
    @override
    def async_get_options_flow(config_entry: ConfigEntry) -> PowerwallOptionsFlow:
        """Offer the request budget and polling options."""
        return PowerwallOptionsFlow()

    @property
    @override
    def extra_authorize_data(self) -> dict[str, Any]:
        """Ask for the energy scopes, and for any the user has not granted yet."""
        return {
            "scope": " ".join(ENERGY_SCOPES),
            "prompt": "login",
            "prompt_missing_scopes": "true",
        }

    async def async_step_reauth(
        self, entry_data: Mapping[str, Any]
    ) -> ConfigFlowResult:
        """Start over when Tesla no longer accepts the stored login."""
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Explain why the user must log in again."""
        if user_input is None:
            return self.async_show_form(step_id="reauth_confirm")
        return await self.async_step_user()

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Offer to log in again or to register the application's domain."""
        return self.async_show_menu(
            step_id="reconfigure", menu_options=["reconfigure_login", "register_domain"]
        )

    async def async_step_reconfigure_login(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Log in again, e.g. with other application credentials."""
        return await self.async_step_user()

    @override
    async def async_oauth_create_entry(self, data: dict[str, Any]) -> ConfigFlowResult:
        """Check the login works for energy data, then create or update the entry."""
        try:
            claims = decode_token_claims(data["token"]["access_token"])
        except InvalidResponseError:
            return self.async_abort(reason="invalid_token")
        if claims.subject is None:
            return self.async_abort(reason="invalid_token")
        await self.async_set_unique_id(claims.subject)
        if self.source in (SOURCE_REAUTH, SOURCE_RECONFIGURE):
            self._abort_if_unique_id_mismatch(reason="wrong_account")
        else:
            self._abort_if_unique_id_configured()
        if claims.scopes and REQUIRED_SCOPE not in claims.scopes:
            return self.async_abort(reason="missing_scopes")

        self._data = data
        self._client = FleetClient(
            async_get_clientsession(self.hass),
            StaticToken(data["token"]["access_token"]),
            await self._initial_base_url(claims, data["token"]["access_token"]),
            hosts=tesla_hosts(self.hass),
        )
        return await self._async_discover_and_finish()

    async def _async_discover_and_finish(self) -> ConfigFlowResult:
        """List the sites and create (or update) the entry."""
        client = self._client
        try:
            sites = (await discover_energy_sites(client)).sites
        except NotRegisteredError as err:
            self._region_url = err.region_url or client.base_url
            return await self.async_step_register()
        except MissingScopesError:
            return self.async_abort(reason="missing_scopes")
        except AuthenticationError:
            return self.async_abort(reason="invalid_auth")
        except FleetError as err:
            LOGGER.warning("Could not list the energy sites: %s", err)
            return self.async_abort(
                reason="cannot_connect", description_placeholders={"error": str(err)}
            )
        if not sites:
            return self.async_abort(reason="no_energy_sites")

        data = {**self._data, CONF_BASE_URL: client.base_url}
        if self.source == SOURCE_REAUTH:
            return self.async_update_reload_and_abort(
                self._get_reauth_entry(), data=data
            )
        if self.source == SOURCE_RECONFIGURE:
            return self.async_update_reload_and_abort(
                self._get_reconfigure_entry(), data=data
            )
        return await self._async_choose_polling(sites, data)

    async def _async_choose_polling(
        self, sites: list[DiscoveredSite], data: dict[str, Any]
    ) -> ConfigFlowResult:
        """Remember the new entry, then ask how to poll its sites."""
        self._new_entry = (_title(sites), data, len(sites))
        return await self.async_step_polling()

    async def async_step_polling(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Choose how to poll, seeing what each choice sends and costs a month.

        The default is not written down: the entry follows it (and polls faster
        against the local simulator, which bills nothing).
        """
        title, data, sites = self._new_entry
        if user_input is not None:
            mode = user_input[CONF_MODE]
            return self.async_create_entry(
                title=title,
                data=data,
                options={} if mode == DEFAULT_MODE else choice_options({})[mode],
            )
        return self.async_show_form(
            step_id="polling",
            data_schema=vol.Schema(
                {vol.Required(CONF_MODE, default=DEFAULT_MODE): mode_selector()}
            ),
            description_placeholders=choices_placeholders({}, sites),
        )

    async def async_step_register(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Register the application's domain in the account's region (after a 412)."""
        return await async_registration_form(
            self,
            "register",
            user_input,
            implementation=self.flow_impl,
            base_url=self._client.base_url,
            on_success=self._async_discover_and_finish,
        )

    async def async_step_register_domain(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Register the domain on request (reconfigure), e.g. in a second region."""
        entry = self._get_reconfigure_entry()

        async def finish() -> ConfigFlowResult:
            return self.async_update_reload_and_abort(
                entry, reason="registration_successful"
            )

        return await async_registration_form(
            self,
            "register_domain",
            user_input,
            implementation=await async_get_config_entry_implementation(
                self.hass, entry
            ),
            base_url=entry.data[CONF_BASE_URL],
            on_success=finish,
        )

    async def _initial_base_url(self, claims: TokenClaims, access_token: str) -> str:
        """Pick the region from the token, else ask Tesla; a 421 corrects it later."""
        hosts = tesla_hosts(self.hass)
        if base_url := claims.fleet_base_url(hosts):
            return base_url
        client = FleetClient(
            async_get_clientsession(self.hass),
            StaticToken(access_token),
            hosts.default_base_url,
            hosts=hosts,
        )
        try:
            region = await client.users_region()
        except FleetError as err:
            LOGGER.debug("users/region did not answer: %s", err)
            return hosts.default_base_url
        return hosts.region_base_url(region.region) or hosts.default_base_url


def _title(sites: list[DiscoveredSite]) -> str:
    names = [s.info.site_name or s.product.site_name for s in sites]
    named = [name for name in names if name]
    return ", ".join(named) if named else "Tesla Powerwall"
