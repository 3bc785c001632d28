"""The Tesla Powerwall 3 integration: energy sites through the Tesla Fleet API."""

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import (
    ConfigEntryAuthFailed,
    ConfigEntryError,
    ConfigEntryNotReady,
)
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.config_entry_oauth2_flow import (
    OAuth2Session,
    async_get_config_entry_implementation,
)
from homeassistant.helpers.device_registry import DeviceInfo

from .auth import EntryTokenProvider
from .const import CONF_BASE_URL, DOMAIN, LOGGER, MANUFACTURER
from .coordinator import LiveCoordinator, SiteInfoCoordinator
from .fleet import FleetClient, FleetError, NotRegisteredError
from .fleet.discovery import DiscoveredSite, discover_energy_sites
from .fleet.errors import AuthenticationError
from .models import PowerwallConfigEntry, PowerwallData, PowerwallSite
from .urls import dev_url

PLATFORMS: list[Platform] = [Platform.SENSOR]


async def async_setup_entry(hass: HomeAssistant, entry: PowerwallConfigEntry) -> bool:
    """Connect to the account, find its sites and start polling them."""
    implementation = await async_get_config_entry_implementation(hass, entry)
    token_provider = EntryTokenProvider(
        hass, entry, OAuth2Session(hass, entry, implementation)
    )
    if override := dev_url():
        LOGGER.warning("Developer override: talking to %s, not to Tesla", override)
    client = FleetClient(
        async_get_clientsession(hass), token_provider, entry.data[CONF_BASE_URL]
    )

    try:
        discovered = await discover_energy_sites(client)
    except AuthenticationError as err:
        raise ConfigEntryAuthFailed(
            translation_domain=DOMAIN,
            translation_key="authentication_failed",
            translation_placeholders={"error": str(err)},
        ) from err
    except NotRegisteredError as err:
        # Retrying by itself would only pile up billed 412 answers.
        raise ConfigEntryError(
            translation_domain=DOMAIN,
            translation_key="not_registered",
            translation_placeholders={"region_url": err.region_url or client.base_url},
        ) from err
    except FleetError as err:
        raise ConfigEntryNotReady(
            translation_domain=DOMAIN,
            translation_key="setup_failed",
            translation_placeholders={"error": str(err)},
        ) from err

    if client.base_url != entry.data[CONF_BASE_URL]:
        hass.config_entries.async_update_entry(
            entry, data={**entry.data, CONF_BASE_URL: client.base_url}
        )

    data = PowerwallData(client=client)
    for found in discovered:
        site = _build_site(hass, entry, client, found)
        await site.live.async_config_entry_first_refresh()
        data.sites[site.site_id] = site

    entry.runtime_data = data
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    return True


def _build_site(
    hass: HomeAssistant,
    entry: PowerwallConfigEntry,
    client: FleetClient,
    found: DiscoveredSite,
) -> PowerwallSite:
    """Create a site's coordinators, seeding site_info with discovery's answer."""
    info = SiteInfoCoordinator(hass, entry, client, found.site_id)
    info.async_set_updated_data(found.info)
    return PowerwallSite(
        site_id=found.site_id,
        product=found.product,
        live=LiveCoordinator(hass, entry, client, found.site_id),
        info=info,
        device=DeviceInfo(
            identifiers={(DOMAIN, str(found.site_id))},
            manufacturer=MANUFACTURER,
            model=found.info.model or "Powerwall",
            name=found.info.site_name or found.product.site_name or "Energy site",
            sw_version=found.info.firmware,
            serial_number=found.info.gateway_id or found.product.gateway_id,
        ),
    )


async def async_unload_entry(hass: HomeAssistant, entry: PowerwallConfigEntry) -> bool:
    """Stop polling and remove the entities."""
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)
