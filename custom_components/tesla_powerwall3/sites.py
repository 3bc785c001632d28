"""Energy sites coming and going while the entry runs: their coordinators."""

from homeassistant.core import HomeAssistant, callback

from .const import DOMAIN, LOGGER
from .coordinator import EnergyCoordinator, LiveCoordinator, SiteInfoCoordinator
from .fleet import EnergySiteProduct, FleetError
from .fleet.discovery import DiscoveredSite, probe_site
from .models import PowerwallConfigEntry, PowerwallData, PowerwallSite


class SiteManager:
    """Adds the sites that appear on the account, removes those that vanish."""

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
        info = SiteInfoCoordinator(
            self._hass, self._entry, data.client, found.site_id, data.cost
        )
        info.async_set_updated_data(found.info)
        device, device_id = data.devices.async_add_site(found)
        site = PowerwallSite(
            site_id=found.site_id,
            product=found.product,
            live=LiveCoordinator(
                self._hass, self._entry, data.client, found.site_id, data.cost
            ),
            info=info,
            energy=EnergyCoordinator(
                self._hass,
                self._entry,
                data.client,
                data.cost,
                info=info,
                product=found.product,
            ),
            device=device,
            device_id=device_id,
        )
        if at_setup:
            await site.live.async_config_entry_first_refresh()
        else:
            await site.live.async_refresh()
        data.sites[site.site_id] = site
        for listener in list(data.site_listeners):
            listener(site)
        data.devices.async_follow(site)

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
        self._data.cost.async_replan(len(self._data.sites))
        self.async_start_history(self._data.sites[found.site_id])

    @callback
    def _remove_site(self, site_id: int) -> None:
        site = self._data.sites.pop(site_id)
        LOGGER.info("Energy site %s left the account; removing it", site.name)
        # Its history sync would go on asking Tesla for a site that is gone.
        self._entry.async_create_background_task(
            self._hass, site.energy.async_stop(), f"{DOMAIN} stop {site.name}"
        )
        self._data.devices.async_remove_site(site)
        self._data.cost.async_replan(len(self._data.sites))
