"""Base entities: of a site, of a Wall Connector, and of the account.

Each takes its entity description; the description's key is also the
entity's translation key and the end of its unique id.
"""

from typing import Any

from homeassistant.helpers.entity import Entity, EntityDescription
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .coordinator import LiveCoordinator, SiteCoordinator
from .devices import account_device_info, wall_connector_device_info
from .fleet import WallConnector
from .models import PowerwallConfigEntry, PowerwallSite


class PowerwallEntity[CoordinatorT: SiteCoordinator[Any]](
    CoordinatorEntity[CoordinatorT]
):
    """An entity of one energy site, fed by one of its coordinators."""

    _attr_has_entity_name = True

    def __init__(
        self,
        site: PowerwallSite,
        coordinator: CoordinatorT,
        description: EntityDescription,
    ) -> None:
        """Attach the entity to its site's device."""
        super().__init__(coordinator)
        self.site = site
        self.entity_description = description
        self._attr_translation_key = description.key
        self._attr_unique_id = f"{site.site_id}_{description.key}"
        self._attr_device_info = site.device


class WallConnectorEntity(PowerwallEntity[LiveCoordinator]):
    """An entity of a Wall Connector, which live_status reports per site."""

    def __init__(
        self, site: PowerwallSite, din: str, description: EntityDescription
    ) -> None:
        """Attach the entity to the Wall Connector's own device."""
        super().__init__(site, site.live, description)
        self.din = din
        self._attr_unique_id = f"{site.site_id}_{din}_{description.key}"
        self._attr_device_info = wall_connector_device_info(site, din)

    @property
    def connector(self) -> WallConnector | None:
        """Return this connector in the latest live_status, if reported."""
        data = self.coordinator.data
        return None if data is None else data.wall_connector(self.din)


class AccountEntity(Entity):
    """An entity of the Tesla account itself (its Fleet API usage)."""

    _attr_has_entity_name = True
    _attr_should_poll = False

    def __init__(
        self, entry: PowerwallConfigEntry, description: EntityDescription
    ) -> None:
        """Attach the entity to the account's service device."""
        self.entry = entry
        self.entity_description = description
        self._attr_translation_key = description.key
        self._attr_unique_id = f"{entry.unique_id}_{description.key}"
        self._attr_device_info = account_device_info(entry)

    async def async_added_to_hass(self) -> None:
        """Update when requests are counted or the plan changes."""
        data = self.entry.runtime_data
        self.async_on_remove(data.cost.async_add_listener(self.async_write_ha_state))
