"""Sensors of an energy site."""

from collections.abc import Callable
from dataclasses import dataclass

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import PERCENTAGE, UnitOfPower
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.typing import StateType

from .coordinator import LiveCoordinator
from .entity import PowerwallEntity
from .fleet import LiveStatus
from .models import PowerwallConfigEntry, PowerwallSite

PARALLEL_UPDATES = 0  # coordinators do the polling


@dataclass(frozen=True, kw_only=True)
class LiveSensorDescription(SensorEntityDescription):
    """A sensor whose value comes from live_status."""

    value_fn: Callable[[LiveStatus], StateType]


def _power(
    key: str, value_fn: Callable[[LiveStatus], StateType]
) -> LiveSensorDescription:
    return LiveSensorDescription(
        key=key,
        translation_key=key,
        device_class=SensorDeviceClass.POWER,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfPower.WATT,
        suggested_unit_of_measurement=UnitOfPower.KILO_WATT,
        suggested_display_precision=2,
        value_fn=value_fn,
    )


LIVE_SENSORS: tuple[LiveSensorDescription, ...] = (
    _power("solar_power", lambda live: live.solar_power),
    # Tesla's signs, which are also the Energy dashboard's: + discharging.
    _power("battery_power", lambda live: live.battery_power),
    # + importing from the grid, - exporting to it.
    _power("grid_power", lambda live: live.grid_power),
    _power("load_power", lambda live: live.load_power),
    LiveSensorDescription(
        key="battery_level",
        translation_key="battery_level",
        device_class=SensorDeviceClass.BATTERY,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=PERCENTAGE,
        suggested_display_precision=0,
        value_fn=lambda live: live.percentage_charged,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: PowerwallConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the sensors of every site."""
    async_add_entities(
        LiveSensor(site, description)
        for site in entry.runtime_data.sites.values()
        for description in LIVE_SENSORS
    )


class LiveSensor(PowerwallEntity[LiveCoordinator], SensorEntity):
    """A live_status value."""

    entity_description: LiveSensorDescription

    def __init__(self, site: PowerwallSite, description: LiveSensorDescription) -> None:
        """Create the sensor for a site."""
        super().__init__(site, site.live, description.key)
        self.entity_description = description

    @property
    def native_value(self) -> StateType:
        """Return the value from the latest live_status."""
        return self.entity_description.value_fn(self.coordinator.data)
