"""Base entity of the integration."""

from typing import Any

from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .coordinator import PowerwallCoordinator
from .models import PowerwallSite


class PowerwallEntity[CoordinatorT: PowerwallCoordinator[Any]](
    CoordinatorEntity[CoordinatorT]
):
    """An entity of one energy site, fed by one of its coordinators."""

    _attr_has_entity_name = True

    def __init__(
        self, site: PowerwallSite, coordinator: CoordinatorT, key: str
    ) -> None:
        """Attach the entity to its site's device."""
        super().__init__(coordinator)
        self._attr_unique_id = f"{site.site_id}_{key}"
        self._attr_device_info = site.device
