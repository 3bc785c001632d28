"""Binary sensors: storm watch, grid services, backup, Wall Connector plug."""

from collections.abc import Callable
from dataclasses import dataclass

from homeassistant.components.binary_sensor import (
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.components.binary_sensor.const import BinarySensorDeviceClass
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .const import VEHICLE_CONNECTED_STATES
from .coordinator import LiveCoordinator, SiteInfoCoordinator
from .entity import PowerwallEntity, WallConnectorEntity
from .fleet import LiveStatus, SiteInfo, WallConnector
from .models import PowerwallConfigEntry, PowerwallSite

PARALLEL_UPDATES = 0  # coordinators do the polling


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
    """Add the binary sensors of every site, now and as sites or connectors appear."""

    @callback
    def add_site(site: PowerwallSite) -> None:
        async_add_entities(
            [
                *(LiveBinarySensor(site, site.live, d) for d in LIVE_BINARY_SENSORS),
                *(InfoBinarySensor(site, site.info, d) for d in INFO_BINARY_SENSORS),
            ]
        )

    @callback
    def add_wall_connector(site: PowerwallSite, din: str) -> None:
        async_add_entities(
            WallConnectorBinarySensor(site, din, d)
            for d in WALL_CONNECTOR_BINARY_SENSORS
        )

    entry.runtime_data.add_site_listener(add_site)
    entry.runtime_data.add_wall_connector_listener(add_wall_connector)


class LiveBinarySensor(PowerwallEntity[LiveCoordinator], BinarySensorEntity):
    """A flag from live_status."""

    entity_description: LiveBinaryDescription

    @property
    def is_on(self) -> bool | None:
        """Return the flag from the latest live_status."""
        return self.entity_description.is_on_fn(self.coordinator.data)


class InfoBinarySensor(PowerwallEntity[SiteInfoCoordinator], BinarySensorEntity):
    """A flag from site_info."""

    entity_description: InfoBinaryDescription

    @property
    def is_on(self) -> bool | None:
        """Return the flag from the latest site_info."""
        return self.entity_description.is_on_fn(self.coordinator.data)


class WallConnectorBinarySensor(WallConnectorEntity, BinarySensorEntity):
    """A flag of one Wall Connector."""

    entity_description: WallConnectorBinaryDescription

    @property
    def is_on(self) -> bool | None:
        """Return the flag, unknown when the connector is not reported."""
        connector = self.connector
        return (
            None if connector is None else self.entity_description.is_on_fn(connector)
        )
