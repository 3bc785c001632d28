"""Sensors: site power flows and settings, Wall Connectors, API usage."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import (
    PERCENTAGE,
    EntityCategory,
    UnitOfEnergy,
    UnitOfPower,
    UnitOfTime,
)
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.typing import StateType

from .const import (
    GRID_STATUS,
    ISLAND_STATUS,
    LOGGER,
    WALL_CONNECTOR_FAULT_STATES,
    WALL_CONNECTOR_STATES,
)
from .coordinator import LiveCoordinator, SiteInfoCoordinator
from .energy_sensor import (
    DAILY_SENSORS,
    HISTORY_IMPORT_SENSOR,
    DailySensor,
    HistoryProgressSensor,
)
from .entity import AccountEntity, PowerwallEntity, WallConnectorEntity
from .fleet import LiveStatus, SiteInfo, WallConnector
from .fleet.commands import OPERATION_MODES
from .models import PowerwallConfigEntry, PowerwallSite

PARALLEL_UPDATES = 0  # coordinators do the polling


@dataclass(frozen=True, kw_only=True)
class PowerwallSensorDescription(SensorEntityDescription):
    """A sensor; for an enum sensor, codes maps Tesla's codes to its options."""

    codes: Mapping[Any, str | None] | None = None


@dataclass(frozen=True, kw_only=True)
class LiveSensorDescription(PowerwallSensorDescription):
    """A site sensor computed from live_status (and site_info where needed)."""

    value_fn: Callable[[LiveStatus, SiteInfo | None], StateType]
    exists_fn: Callable[[LiveStatus], bool] = lambda _live: True


@dataclass(frozen=True, kw_only=True)
class InfoSensorDescription(PowerwallSensorDescription):
    """A site sensor from site_info."""

    value_fn: Callable[[SiteInfo], StateType | datetime]


@dataclass(frozen=True, kw_only=True)
class WallConnectorSensorDescription(PowerwallSensorDescription):
    """A Wall Connector sensor."""

    value_fn: Callable[[WallConnector], StateType]


@dataclass(frozen=True, kw_only=True)
class AccountSensorDescription(SensorEntityDescription):
    """A Fleet API usage sensor."""

    value_fn: Callable[[PowerwallConfigEntry], StateType]
    attributes_fn: Callable[[PowerwallConfigEntry], dict[str, Any]] = lambda _e: {}


def _power(
    key: str,
    value_fn: Callable[[LiveStatus], float | None],
    *,
    enabled: bool = True,
) -> LiveSensorDescription:
    return LiveSensorDescription(
        key=key,
        device_class=SensorDeviceClass.POWER,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfPower.WATT,
        suggested_unit_of_measurement=UnitOfPower.KILO_WATT,
        suggested_display_precision=2,
        entity_registry_enabled_default=enabled,
        value_fn=lambda live, _info: value_fn(live),
    )


def _stored_energy(
    key: str, value_fn: Callable[[LiveStatus], float | None], *, diagnostic: bool
) -> LiveSensorDescription:
    return LiveSensorDescription(
        key=key,
        device_class=SensorDeviceClass.ENERGY_STORAGE,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfEnergy.WATT_HOUR,
        suggested_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        suggested_display_precision=2,
        entity_category=EntityCategory.DIAGNOSTIC if diagnostic else None,
        value_fn=lambda live, _info: value_fn(live),
        # Tesla dropped these fields for many sites: only offer them when sent.
        exists_fn=lambda live: live.reported(key),
    )


LIVE_SENSORS: tuple[LiveSensorDescription, ...] = (
    _power("solar_power", lambda live: live.solar_power),
    # Tesla's signs, which are also the Energy dashboard's: + discharging.
    _power("battery_power", lambda live: live.battery_power),
    # + importing from the grid, - exporting to it.
    _power("grid_power", lambda live: live.grid_power),
    _power("load_power", lambda live: live.load_power),
    _power("generator_power", lambda live: live.generator_power, enabled=False),
    _power("grid_services_power", lambda live: live.grid_services_power, enabled=False),
    # The same flows split into values that are never negative.
    _power("grid_import_power", lambda live: live.grid_import_power),
    _power("grid_export_power", lambda live: live.grid_export_power),
    _power("battery_discharge_power", lambda live: live.battery_discharge_power),
    _power("battery_charge_power", lambda live: live.battery_charge_power),
    LiveSensorDescription(
        key="battery_level",
        device_class=SensorDeviceClass.BATTERY,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=PERCENTAGE,
        suggested_display_precision=0,
        value_fn=lambda live, _info: live.percentage_charged,
    ),
    _stored_energy("energy_left", lambda live: live.energy_left, diagnostic=False),
    _stored_energy(
        "total_pack_energy", lambda live: live.total_pack_energy, diagnostic=True
    ),
    LiveSensorDescription(
        key="grid_status",
        device_class=SensorDeviceClass.ENUM,
        options=sorted({option for option in GRID_STATUS.values() if option}),
        codes=GRID_STATUS,
        value_fn=lambda live, _info: live.grid_status,
    ),
    LiveSensorDescription(
        key="island_status",
        device_class=SensorDeviceClass.ENUM,
        options=list(ISLAND_STATUS),
        codes={status: status for status in ISLAND_STATUS},
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda live, _info: live.island_status,
    ),
    LiveSensorDescription(
        key="backup_time_left",
        device_class=SensorDeviceClass.DURATION,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfTime.HOURS,
        suggested_display_precision=1,
        value_fn=lambda live, info: live.backup_time_left(
            info.nameplate_energy if info else None
        ),
    ),
)

INFO_SENSORS: tuple[InfoSensorDescription, ...] = (
    InfoSensorDescription(
        key="backup_reserve",
        native_unit_of_measurement=PERCENTAGE,
        suggested_display_precision=0,
        value_fn=lambda info: info.backup_reserve_percent,
    ),
    InfoSensorDescription(
        key="operation_mode",
        device_class=SensorDeviceClass.ENUM,
        options=list(OPERATION_MODES),
        codes={mode: mode for mode in OPERATION_MODES},
        value_fn=lambda info: info.default_real_mode,
    ),
    InfoSensorDescription(
        key="battery_count",
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda info: info.battery_count,
    ),
    InfoSensorDescription(
        key="nameplate_power",
        device_class=SensorDeviceClass.POWER,
        native_unit_of_measurement=UnitOfPower.WATT,
        suggested_unit_of_measurement=UnitOfPower.KILO_WATT,
        suggested_display_precision=1,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda info: info.nameplate_power,
    ),
    InfoSensorDescription(
        key="nameplate_energy",
        device_class=SensorDeviceClass.ENERGY_STORAGE,
        native_unit_of_measurement=UnitOfEnergy.WATT_HOUR,
        suggested_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        suggested_display_precision=1,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda info: info.nameplate_energy,
    ),
    InfoSensorDescription(
        key="installation_date",
        device_class=SensorDeviceClass.TIMESTAMP,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda info: info.installation_date,
    ),
)

WALL_CONNECTOR_SENSORS: tuple[WallConnectorSensorDescription, ...] = (
    WallConnectorSensorDescription(
        key="wall_connector_power",
        device_class=SensorDeviceClass.POWER,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfPower.WATT,
        suggested_unit_of_measurement=UnitOfPower.KILO_WATT,
        suggested_display_precision=2,
        value_fn=lambda wc: wc.power,
    ),
    WallConnectorSensorDescription(
        key="wall_connector_state",
        device_class=SensorDeviceClass.ENUM,
        options=list(WALL_CONNECTOR_STATES.values()),
        codes=WALL_CONNECTOR_STATES,
        value_fn=lambda wc: wc.state,
    ),
    WallConnectorSensorDescription(
        key="wall_connector_fault_state",
        device_class=SensorDeviceClass.ENUM,
        options=list(WALL_CONNECTOR_FAULT_STATES.values()),
        codes=WALL_CONNECTOR_FAULT_STATES,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda wc: wc.fault_state,
    ),
    WallConnectorSensorDescription(
        key="vehicle",
        entity_registry_enabled_default=False,
        value_fn=lambda wc: wc.vin,
    ),
)


def _endpoint_attributes(entry: PowerwallConfigEntry) -> dict[str, Any]:
    return dict(sorted(entry.runtime_data.cost.billable.items()))


def _projected(entry: PowerwallConfigEntry) -> dict[str, int]:
    data = entry.runtime_data
    return data.cost.projected_requests(len(data.sites))


ACCOUNT_SENSORS: tuple[AccountSensorDescription, ...] = (
    AccountSensorDescription(
        key="api_requests",
        state_class=SensorStateClass.TOTAL_INCREASING,
        native_unit_of_measurement="requests",
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda entry: entry.runtime_data.cost.total_billable,
        attributes_fn=_endpoint_attributes,
    ),
    AccountSensorDescription(
        key="projected_requests",
        native_unit_of_measurement="requests",
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda entry: sum(_projected(entry).values()),
        attributes_fn=_projected,
    ),
    AccountSensorDescription(
        key="projected_cost",
        device_class=SensorDeviceClass.MONETARY,
        native_unit_of_measurement="USD",
        suggested_display_precision=2,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda entry: entry.runtime_data.cost.projected_cost(
            len(entry.runtime_data.sites)
        ),
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: PowerwallConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the sensors of every site, now and as sites or connectors appear."""
    async_add_entities(AccountSensor(entry, d) for d in ACCOUNT_SENSORS)

    @callback
    def add_site(site: PowerwallSite) -> None:
        async_add_entities(
            [
                *(InfoSensor(site, site.info, d) for d in INFO_SENSORS),
                *(DailySensor(site, site.energy, d) for d in DAILY_SENSORS),
                HistoryProgressSensor(site, site.energy, HISTORY_IMPORT_SENSOR),
            ]
        )
        pending = list(LIVE_SENSORS)

        @callback
        def add_reported() -> None:
            """Add the live sensors whose values Tesla now sends."""
            if site.live.data is not None:
                ready = [d for d in pending if d.exists_fn(site.live.data)]
                for description in ready:
                    pending.remove(description)
                async_add_entities(LiveSensor(site, site.live, d) for d in ready)

        add_reported()
        entry.async_on_unload(site.live.async_add_listener(add_reported))

    @callback
    def add_wall_connector(site: PowerwallSite, din: str) -> None:
        async_add_entities(
            WallConnectorSensor(site, din, d) for d in WALL_CONNECTOR_SENSORS
        )

    entry.runtime_data.add_site_listener(add_site)
    entry.runtime_data.add_wall_connector_listener(add_wall_connector)


def _option(
    site: PowerwallSite,
    description: PowerwallSensorDescription,
    value: StateType | datetime,
) -> StateType | datetime:
    """Map an enum sensor's Tesla code to its option; unknown codes show as unknown."""
    codes = description.codes
    if codes is None or value is None:
        return value
    if value in codes:
        return codes[value]
    if (description.key, value) not in site.unknown_codes:
        site.unknown_codes.add((description.key, value))
        LOGGER.info("Tesla reported an unknown %s: %r", description.key, value)
    return None


class LiveSensor(PowerwallEntity[LiveCoordinator], SensorEntity):
    """A value from live_status."""

    entity_description: LiveSensorDescription

    @property
    def native_value(self) -> StateType | datetime:
        """Return the value from the latest live_status."""
        value = self.entity_description.value_fn(
            self.coordinator.data, self.site.info.data
        )
        return _option(self.site, self.entity_description, value)


class InfoSensor(PowerwallEntity[SiteInfoCoordinator], SensorEntity):
    """A value from site_info."""

    entity_description: InfoSensorDescription

    @property
    def native_value(self) -> StateType | datetime:
        """Return the value from the latest site_info."""
        value = self.entity_description.value_fn(self.coordinator.data)
        return _option(self.site, self.entity_description, value)


class WallConnectorSensor(WallConnectorEntity, SensorEntity):
    """A value of one Wall Connector."""

    entity_description: WallConnectorSensorDescription

    @property
    def native_value(self) -> StateType | datetime:
        """Return the connector's value, unknown when it is not reported."""
        if (connector := self.connector) is None:
            return None
        value = self.entity_description.value_fn(connector)
        return _option(self.site, self.entity_description, value)


class AccountSensor(AccountEntity, SensorEntity):
    """Fleet API usage of the account this month."""

    entity_description: AccountSensorDescription

    @property
    def native_value(self) -> StateType:
        """Return the current figure."""
        return self.entity_description.value_fn(self.entry)

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """Return the figure per endpoint."""
        return self.entity_description.attributes_fn(self.entry)
