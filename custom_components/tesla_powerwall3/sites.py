"""Energy sites and Wall Connectors coming and going while the entry runs."""

from functools import partial

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.device_registry import DeviceInfo

from .const import DOMAIN, LOGGER, MANUFACTURER
from .coordinator import EnergyCoordinator, LiveCoordinator, SiteInfoCoordinator
from .fleet import EnergySiteProduct, FleetError
from .fleet.discovery import DiscoveredSite, probe_site
from .models import PowerwallConfigEntry, PowerwallData, PowerwallSite


def wall_connector_dins(site: PowerwallSite) -> set[str]:
    """Return the DINs of the Wall Connectors the site reports now."""
    dins = {c.din for c in site.live.data.wall_connectors} if site.live.data else set()
    if site.info.data:
        dins.update(
            din
            for item in site.info.data.components.get("wall_connectors") or ()
            if isinstance(item, dict) and isinstance(din := item.get("din"), str)
        )
    return dins


def wall_connector_identifier(din: str) -> str:
    """Return the device identifier of a Wall Connector.

    Prefixed so that it can never clash with a site's identifier.
    """
    return f"wall_connector_{din}"


def site_device_info(found: DiscoveredSite) -> DeviceInfo:
    """Describe the device of an energy site."""
    return DeviceInfo(
        identifiers={(DOMAIN, str(found.site_id))},
        manufacturer=MANUFACTURER,
        model=found.info.model or "Powerwall",
        name=found.info.site_name or found.product.site_name or "Energy site",
        sw_version=found.info.firmware,
        serial_number=found.info.gateway_id or found.product.gateway_id,
    )


class SiteManager:
    """Adds sites that appear, removes sites and Wall Connectors that vanish."""

    def __init__(
        self, hass: HomeAssistant, entry: PowerwallConfigEntry, data: PowerwallData
    ) -> None:
        """Manage the sites of one entry."""
        self._hass = hass
        self._entry = entry
        self._data = data
        self.ignored: set[int] = set()
        """Sites passed over (no devices, or retired): not probed again."""

    async def async_add(self, found: DiscoveredSite, *, at_setup: bool) -> None:
        """Create a site's coordinators and entities."""
        data = self._data
        plan = data.scheduler.plan
        info = SiteInfoCoordinator(
            self._hass, self._entry, data.client, found.site_id, plan.site_info
        )
        info.async_set_updated_data(found.info)
        device = site_device_info(found)
        registered = dr.async_get(self._hass).async_get_or_create(
            config_entry_id=self._entry.entry_id, **device
        )
        site = PowerwallSite(
            site_id=found.site_id,
            product=found.product,
            live=LiveCoordinator(
                self._hass, self._entry, data.client, found.site_id, plan.live
            ),
            info=info,
            energy=EnergyCoordinator(
                self._hass,
                self._entry,
                data.client,
                plan.history,
                info=info,
                product=found.product,
            ),
            device=device,
            device_id=registered.id,
        )
        if at_setup:
            await site.live.async_config_entry_first_refresh()
        else:
            await site.live.async_refresh()
        for coordinator in (site.live, site.info):
            self._entry.async_on_unload(
                coordinator.async_add_listener(
                    partial(self._prune_wall_connectors, site)
                )
            )
        self._entry.async_on_unload(
            site.info.async_add_listener(partial(self._update_firmware, site))
        )
        data.sites[site.site_id] = site
        for listener in list(data.site_listeners):
            listener(site)

    @callback
    def async_start_history(self, site: PowerwallSite) -> None:
        """Start syncing a site's statistics, in the background.

        They are kept even when no daily-energy entity is enabled, and the
        first sync (a backfill on a new site) must never hold up setup.
        """
        self._entry.async_on_unload(site.energy.async_add_listener(lambda: None))
        self._entry.async_create_background_task(
            self._hass, site.energy.async_refresh(), f"{DOMAIN} history {site.name}"
        )

    @callback
    def async_products_updated(self) -> None:
        """Add new sites and remove vanished ones after the daily products check."""
        current = {p.energy_site_id: p for p in self._data.products.data}
        for site_id in set(self._data.sites) - set(current):
            self._remove_site(site_id)
        for site_id, product in current.items():
            if site_id not in self._data.sites and site_id not in self.ignored:
                self._entry.async_create_background_task(
                    self._hass,
                    self._async_add_later(product),
                    f"{DOMAIN} add site",
                )

    async def _async_add_later(self, product: EnergySiteProduct) -> None:
        try:
            found = await probe_site(self._data.client, product)
        except FleetError as err:
            LOGGER.debug("New site not added yet: %s", err)
            return
        if found is None:
            self.ignored.add(product.energy_site_id)
            return
        LOGGER.info("Energy site %s appeared on the account", found.info.site_name)
        await self.async_add(found, at_setup=False)
        self._data.scheduler.async_apply(self._data)
        self.async_start_history(self._data.sites[found.site_id])

    @callback
    def _remove_site(self, site_id: int) -> None:
        site = self._data.sites.pop(site_id)
        LOGGER.info("Energy site %s left the account; removing it", site.name)
        registry = dr.async_get(self._hass)
        for child in dr.async_entries_for_config_entry(registry, self._entry.entry_id):
            if child.via_device_id == site.device_id:
                self._remove_device(registry, child)
        if registry.async_get(site.device_id):
            registry.async_update_device(
                site.device_id, remove_config_entry_id=self._entry.entry_id
            )
        self._data.scheduler.async_apply(self._data)

    @callback
    def _update_firmware(self, site: PowerwallSite) -> None:
        """Show a firmware update on the site's device."""
        if site.info.data and site.info.data.firmware:
            dr.async_get(self._hass).async_update_device(
                site.device_id, sw_version=site.info.data.firmware
            )

    @callback
    def _prune_wall_connectors(self, site: PowerwallSite) -> None:
        if site.site_id not in self._data.sites:
            return
        registry = dr.async_get(self._hass)
        current = {wall_connector_identifier(din) for din in wall_connector_dins(site)}
        for device in dr.async_entries_for_config_entry(registry, self._entry.entry_id):
            if device.via_device_id != site.device_id:
                continue
            if not any(ident in current for _domain, ident in device.identifiers):
                LOGGER.info("Wall Connector %s is gone; removing it", device.name)
                self._remove_device(registry, device)

    def _remove_device(
        self, registry: dr.DeviceRegistry, device: dr.DeviceEntry
    ) -> None:
        registry.async_update_device(
            device.id, remove_config_entry_id=self._entry.entry_id
        )

    def is_current_device(self, device: dr.DeviceEntry) -> bool:
        """Tell whether a device still belongs to a site or Wall Connector."""
        current = {str(site_id) for site_id in self._data.sites}
        for site in self._data.sites.values():
            current |= {
                wall_connector_identifier(din) for din in wall_connector_dins(site)
            }
        return any(
            domain == DOMAIN and ident in current
            for domain, ident in device.identifiers
        )
