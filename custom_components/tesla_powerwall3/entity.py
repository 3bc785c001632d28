"""Base entities: of a site, of a Wall Connector, and of the account."""

from typing import Any

from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .const import DOMAIN, MANUFACTURER
from .coordinator import SiteCoordinator
from .fleet import WallConnector
from .models import PowerwallConfigEntry, PowerwallSite
from .sites import wall_connector_identifier


class PowerwallEntity[CoordinatorT: SiteCoordinator[Any]](
    CoordinatorEntity[CoordinatorT]
):
    """An entity of one energy site, fed by one of its coordinators."""

    _attr_has_entity_name = True

    def __init__(
        self, site: PowerwallSite, coordinator: CoordinatorT, key: str
    ) -> None:
        """Attach the entity to its site's device."""
        super().__init__(coordinator)
        self.site = site
        self._attr_translation_key = key
        self._attr_unique_id = f"{site.site_id}_{key}"
        self._attr_device_info = site.device


class WallConnectorEntity(PowerwallEntity[Any]):
    """An entity of a Wall Connector, which live_status reports per site."""

    def __init__(self, site: PowerwallSite, din: str, key: str) -> None:
        """Attach the entity to the Wall Connector's own device."""
        super().__init__(site, site.live, key)
        self.din = din
        self._attr_unique_id = f"{site.site_id}_{din}_{key}"
        serial = din.rsplit("-", 1)[-1]
        self._attr_device_info = DeviceInfo(
            identifiers={(DOMAIN, wall_connector_identifier(din))},
            manufacturer=MANUFACTURER,
            model="Wall Connector",
            name=f"Wall Connector {serial[-4:]}",
            serial_number=serial,
            via_device_id=site.device_id,
        )

    @property
    def connector(self) -> WallConnector | None:
        """Return this connector in the latest live_status, if reported."""
        data = self.coordinator.data
        if data is None:
            return None
        return next((c for c in data.wall_connectors if c.din == self.din), None)


class AccountEntity(Entity):
    """An entity of the Tesla account itself (its Fleet API usage)."""

    _attr_has_entity_name = True
    _attr_should_poll = False

    def __init__(self, entry: PowerwallConfigEntry, key: str) -> None:
        """Attach the entity to the account's service device."""
        self.entry = entry
        self._attr_translation_key = key
        self._attr_unique_id = f"{entry.unique_id}_{key}"
        self._attr_device_info = DeviceInfo(
            identifiers={(DOMAIN, f"account_{entry.unique_id}")},
            manufacturer=MANUFACTURER,
            model="Fleet API",
            name="Tesla Fleet API",
            entry_type=DeviceEntryType.SERVICE,
        )

    async def async_added_to_hass(self) -> None:
        """Update when requests are counted or the plan changes."""
        data = self.entry.runtime_data
        self.async_on_remove(data.cost.async_add_listener(self.async_write_ha_state))
