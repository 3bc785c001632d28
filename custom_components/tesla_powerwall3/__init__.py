"""The Tesla Powerwall 3 integration: energy sites through the Tesla Fleet API."""

import asyncio
from functools import partial

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import (
    ConfigEntryError,
    ConfigEntryNotReady,
)
from homeassistant.helpers import config_validation as cv, device_registry as dr
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.config_entry_oauth2_flow import (
    OAuth2Session,
    async_get_config_entry_implementation,
)
from homeassistant.helpers.typing import ConfigType

from .auth import EntryTokenProvider
from .const import (
    CONF_BASE_URL,
    CONF_MODE,
    DEFAULT_MODE,
    DOMAIN,
    LOGGER,
    MODE_BUDGET,
)
from .coordinator import ProductsCoordinator
from .cost import CostTracker
from .devices import DeviceManager
from .errors import authentication_failed, report_not_registered
from .fleet import FleetClient, FleetError, NotRegisteredError
from .fleet.discovery import Discovery, discover_energy_sites
from .fleet.errors import AuthenticationError
from .models import PowerwallConfigEntry, PowerwallData
from .repairs import async_clear_entry
from .services import async_setup_services
from .sites import SiteManager
from .urls import tesla_hosts

PLATFORMS: list[Platform] = [Platform.BINARY_SENSOR, Platform.SENSOR]
CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the services, which work on any loaded entry."""
    async_setup_services(hass)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: PowerwallConfigEntry) -> bool:
    """Connect to the account, find its sites and start polling them."""
    implementation = await async_get_config_entry_implementation(hass, entry)
    token_provider = EntryTokenProvider(
        hass, entry, OAuth2Session(hass, entry, implementation)
    )
    hosts = tesla_hosts(hass)
    if hosts.simulator:
        LOGGER.warning(
            "Developer override: talking to %s, not to Tesla", hosts.default_base_url
        )
    cost = CostTracker(hass, entry, simulator=hosts.simulator)
    await cost.async_load()
    client = FleetClient(
        async_get_clientsession(hass),
        token_provider,
        entry.data[CONF_BASE_URL],
        hosts=hosts,
        on_region_change=partial(_async_save_base_url, hass, entry),
    )
    if client.base_url != entry.data[CONF_BASE_URL]:
        _async_save_base_url(hass, entry, client.base_url)
    entry.async_on_unload(cost.attach(client.counter, client.gate))
    entry.async_on_unload(cost.async_save)

    discovery = await _async_discover(hass, entry, client)

    products = ProductsCoordinator(hass, entry, client, "account", cost)
    products.async_set_updated_data(discovery.products)
    data = PowerwallData(
        client=client,
        products=products,
        cost=cost,
        devices=DeviceManager(hass, entry),
    )
    entry.runtime_data = data
    sites = SiteManager(hass, entry, data)
    sites.ignored.update(discovery.skipped)
    for found in discovery.sites:
        await sites.async_add(found, at_setup=True)
    cost.async_start(len(data.sites))
    for site in data.sites.values():
        sites.async_start_history(site)
    entry.async_on_unload(products.async_add_listener(sites.async_products_updated))
    entry.async_on_unload(entry.add_update_listener(_async_options_updated))

    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    return True


@callback
def _async_save_base_url(
    hass: HomeAssistant, entry: PowerwallConfigEntry, base_url: str
) -> None:
    """Keep the region Tesla moved the account to (after a 421)."""
    LOGGER.info("Tesla moved the account to %s", base_url)
    hass.config_entries.async_update_entry(
        entry, data={**entry.data, CONF_BASE_URL: base_url}
    )


async def async_migrate_entry(hass: HomeAssistant, entry: PowerwallConfigEntry) -> bool:
    """Bring an entry of an older version up to date.

    1.2: polling every minute became the default mode. An entry that never set
    options follows the default, so it moves to it; one with options keeps
    them (before 1.2 options without a mode meant the budget: written down).
    Home Assistant itself refuses entries of a newer major version.
    """
    if entry.minor_version < 2:  # noqa: PLR2004
        options = dict(entry.options)
        if options:
            options.setdefault(CONF_MODE, MODE_BUDGET)
        hass.config_entries.async_update_entry(entry, options=options, minor_version=2)
        LOGGER.debug(
            "Migrated %s to 1.2: polling %s",
            entry.title,
            options.get(CONF_MODE, DEFAULT_MODE),
        )
    return True


async def _async_discover(
    hass: HomeAssistant, entry: PowerwallConfigEntry, client: FleetClient
) -> Discovery:
    """Find the sites, mapping failures to Home Assistant's setup outcomes."""
    try:
        return await discover_energy_sites(client)
    except AuthenticationError as err:
        raise authentication_failed(err) from err
    except NotRegisteredError as err:
        # Retrying by itself would only pile up billed 412 answers.
        raise ConfigEntryError(
            translation_domain=DOMAIN,
            translation_key="not_registered",
            translation_placeholders=report_not_registered(
                hass, entry, err, client.base_url
            ),
        ) from err
    except FleetError as err:
        raise ConfigEntryNotReady(
            translation_domain=DOMAIN,
            translation_key="setup_failed",
            translation_placeholders={"error": str(err)},
        ) from err


async def _async_options_updated(
    hass: HomeAssistant, entry: PowerwallConfigEntry
) -> None:
    """Re-plan polling for new options; no reload needed."""
    entry.runtime_data.cost.async_replan()


async def async_unload_entry(hass: HomeAssistant, entry: PowerwallConfigEntry) -> bool:
    """Stop polling and remove the entities.

    Energy syncs and imports stop first, while the month's request count still
    listens: every request they sent is counted and saved.
    """
    sites = entry.runtime_data.sites.values()
    await asyncio.gather(*(site.energy.async_stop() for site in sites))
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)


async def async_remove_entry(hass: HomeAssistant, entry: PowerwallConfigEntry) -> None:
    """Withdraw the entry's repair issues; its statistics and usage count stay.

    The imported energy history is the user's data (Developer tools >
    Statistics deletes it), and the month's request count must survive for
    the account's next entry.
    """
    async_clear_entry(hass, entry.entry_id)


async def async_remove_config_entry_device(
    hass: HomeAssistant, entry: PowerwallConfigEntry, device: dr.DeviceEntry
) -> bool:
    """Let the user delete a device only when it no longer exists at Tesla."""
    return not entry.runtime_data.devices.is_current_device(device)
