"""Registering the user's Tesla application in the account's region.

Tesla answers 412 ("a condition has not been met") until the application's
domain is registered in the region, which needs the public key hosted on that
domain. The config flow and the repair flow both use this.
"""

from collections.abc import Awaitable, Callable
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowHandler, FlowResult
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.config_entry_oauth2_flow import (
    AbstractOAuth2Implementation,
    LocalOAuth2Implementation,
)
from homeassistant.helpers.selector import (
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
import probatio as vol

from .const import LOGGER
from .fleet import FleetClient, FleetError, FleetHTTPError, StaticToken
from .fleet.partner import InvalidClientError, request_partner_token
from .fleet.public_key import check_hosted_key
from .fleet.tesla.answers import registration_problem
from .fleet.tesla.domain import InvalidDomainError, validate_domain
from .urls import tesla_hosts

CONF_DOMAIN = "domain"
REGISTER_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_DOMAIN): TextSelector(
            TextSelectorConfig(type=TextSelectorType.TEXT)
        )
    }
)
KEY_URL_TEMPLATE = (
    "https://YOUR-DOMAIN/.well-known/appspecific/com.tesla.3p.public-key.pem"
)


class RegistrationError(Exception):
    """A registration step failed; key names the translated explanation."""

    def __init__(self, key: str, detail: str = "") -> None:
        """Name the failure and what Tesla or the host said."""
        super().__init__(key)
        self.key = key
        self.detail = detail


def _validated_domain(text: str) -> str:
    """Return the bare domain of what the user typed, or raise RegistrationError."""
    try:
        return validate_domain(text)
    except InvalidDomainError as err:
        raise RegistrationError("invalid_domain") from err


async def async_register_domain(
    hass: HomeAssistant,
    *,
    domain: str,
    client_id: str,
    client_secret: str,
    base_url: str,
) -> None:
    """Check the hosted key, then register the domain in the region and confirm."""
    session = async_get_clientsession(hass)
    hosts = tesla_hosts(hass)
    check = await check_hosted_key(session, hosts.public_key_url(domain))
    if check.problem is not None:
        raise RegistrationError(check.problem.value, check.detail)
    try:
        partner_token = await request_partner_token(
            session,
            token_url=hosts.token_url,
            client_id=client_id,
            client_secret=client_secret,
            audience=base_url,
        )
    except InvalidClientError as err:
        raise RegistrationError("invalid_client") from err
    except FleetError as err:
        raise RegistrationError("cannot_connect", str(err)) from err
    partner = FleetClient(session, StaticToken(partner_token), base_url, hosts=hosts)
    try:
        await partner.register_partner_domain(domain)
        registered = await partner.partner_public_key(domain)
    except FleetHTTPError as err:
        raise RegistrationError(_registration_failure(err), str(err)) from err
    except FleetError as err:
        raise RegistrationError("cannot_connect", str(err)) from err
    if registered and registered.lower() != check.point:
        raise RegistrationError("key_mismatch")
    LOGGER.info("Registered %s with Tesla at %s", domain, base_url)


def _registration_failure(err: FleetHTTPError) -> str:
    """Name what went wrong in Tesla's answer to the registration."""
    problem = registration_problem(err.status, err.error or "")
    return problem.value if problem is not None else "cannot_connect"


async def async_registration_form[ResultT: FlowResult[Any, Any]](
    flow: FlowHandler[Any, ResultT, Any],
    step_id: str,
    user_input: dict[str, Any] | None,
    *,
    implementation: AbstractOAuth2Implementation,
    base_url: str,
    on_success: Callable[[], Awaitable[ResultT]],
) -> ResultT:
    """Ask for the domain, check its key, register it; explain any failure.

    Shared by the config flow (after a 412, or on request) and the repair flow.
    """
    errors: dict[str, str] = {}
    placeholders = {"region_url": base_url, "detail": "", "key_url": KEY_URL_TEMPLATE}
    if user_input is not None:
        try:
            domain = _validated_domain(user_input[CONF_DOMAIN])
            placeholders["key_url"] = tesla_hosts(flow.hass).public_key_url(domain)
            if not isinstance(implementation, LocalOAuth2Implementation):
                raise RegistrationError("invalid_client")  # noqa: TRY301
            await async_register_domain(
                flow.hass,
                domain=domain,
                client_id=implementation.client_id,
                client_secret=implementation.client_secret,
                base_url=base_url,
            )
        except RegistrationError as err:
            errors["base"] = err.key
            placeholders["detail"] = err.detail
        else:
            return await on_success()
    return flow.async_show_form(
        step_id=step_id,
        data_schema=flow.add_suggested_values_to_schema(
            REGISTER_SCHEMA, user_input or {}
        ),
        errors=errors,
        description_placeholders=placeholders,
    )
