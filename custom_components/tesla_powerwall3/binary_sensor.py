"""Binary sensors: storm watch, grid services, backup, Wall Connector plug."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from homeassistant.components.binary_sensor import (
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.components.binary_sensor.const import BinarySensorDeviceClass
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .entity import PowerwallEntity, WallConnectorEntity
from .fleet import LiveStatus, SiteInfo, WallConnector
from .models import PowerwallConfigEntry, PowerwallSite
from .sites import wall_connector_dins

PARALLEL_UPDATES = 0  # coordinators do the polling

VEHICLE_CONNECTED_STATES = {1, 4, 5, 6}
"""Charging, waiting for the vehicle, time restricted, charging with a fault."""


@dataclass(frozen=True, kw_only=True)
class LiveBinaryDescription(BinarySensorEntityDescription):
    """A site binary sensor from live_status."""

    is_on_fn: Callable[[LiveStatus], bool | None]


@dataclass(frozen=True, kw_only=True)
class InfoBinaryDescription(BinarySensorEntityDescription):
    """A site binary sensor from site_info."""

    is_on_fn: Callable[[SiteInfo], bool | None]


@dataclass(frozen=True, kw_only=True)
class WallConnectorBinaryDescription(BinarySensorEntityDescription):
    """A Wall Connector binary sensor."""

    is_on_fn: Callable[[WallConnector], bool | None]


LIVE_BINARY_SENSORS: tuple[LiveBinaryDescription, ...] = (
    LiveBinaryDescription(
        key="storm_mode_active", is_on_fn=lambda live: live.storm_mode_active
    ),
    LiveBinaryDescription(
        key="grid_services_active", is_on_fn=lambda live: live.grid_services_active
    ),
    LiveBinaryDescription(
        key="backup_capable",
        entity_category=EntityCategory.DIAGNOSTIC,
        is_on_fn=lambda live: live.backup_capable,
    ),
)

INFO_BINARY_SENSORS: tuple[InfoBinaryDescription, ...] = (
    InfoBinaryDescription(
        key="storm_watch_enabled", is_on_fn=lambda info: info.storm_mode_enabled
    ),
)

WALL_CONNECTOR_BINARY_SENSORS: tuple[WallConnectorBinaryDescription, ...] = (
    WallConnectorBinaryDescription(
        key="vehicle_connected",
        device_class=BinarySensorDeviceClass.PLUG,
        is_on_fn=lambda wc: (
            None if wc.state is None else wc.state in VEHICLE_CONNECTED_STATES
        ),
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: PowerwallConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the binary sensors of every site, now and as sites appear."""

    @callback
    def add_site(site: PowerwallSite) -> None:
        async_add_entities(
            [
                *(LiveBinarySensor(site, d) for d in LIVE_BINARY_SENSORS),
                *(InfoBinarySensor(site, d) for d in INFO_BINARY_SENSORS),
            ]
        )
        known_dins: set[str] = set()

        @callback
        def add_wall_connectors() -> None:
            new_dins = wall_connector_dins(site) - known_dins
            known_dins.update(new_dins)
            async_add_entities(
                WallConnectorBinarySensor(site, din, d)
                for din in sorted(new_dins)
                for d in WALL_CONNECTOR_BINARY_SENSORS
            )

        add_wall_connectors()
        entry.async_on_unload(site.live.async_add_listener(add_wall_connectors))
        entry.async_on_unload(site.info.async_add_listener(add_wall_connectors))

    entry.runtime_data.add_site_listener(add_site)


class LiveBinarySensor(PowerwallEntity[Any], BinarySensorEntity):
    """A flag from live_status."""

    entity_description: LiveBinaryDescription

    def __init__(self, site: PowerwallSite, description: LiveBinaryDescription) -> None:
        """Create the binary sensor for a site."""
        super().__init__(site, site.live, description.key)
        self.entity_description = description

    @property
    def is_on(self) -> bool | None:
        """Return the flag from the latest live_status."""
        return self.entity_description.is_on_fn(self.coordinator.data)


class InfoBinarySensor(PowerwallEntity[Any], BinarySensorEntity):
    """A flag from site_info."""

    entity_description: InfoBinaryDescription

    def __init__(self, site: PowerwallSite, description: InfoBinaryDescription) -> None:
        """Create the binary sensor for a site."""
        super().__init__(site, site.info, description.key)
        self.entity_description = description

    @property
    def is_on(self) -> bool | None:
        """Return the flag from the latest site_info."""
        return self.entity_description.is_on_fn(self.coordinator.data)


class WallConnectorBinarySensor(WallConnectorEntity, BinarySensorEntity):
    """A flag of one Wall Connector."""

    entity_description: WallConnectorBinaryDescription

    def __init__(
        self, site: PowerwallSite, din: str, description: WallConnectorBinaryDescription
    ) -> None:
        """Create the binary sensor for a connector."""
        super().__init__(site, din, description.key)
        self.entity_description = description

    @property
    def is_on(self) -> bool | None:
        """Return the flag, unknown when the connector is not reported."""
        connector = self.connector
        return (
            None if connector is None else self.entity_description.is_on_fn(connector)
        )
