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

from .const import LOGGER
from .coordinator import EnergyCoordinator
from .energy.buckets import DAILY
from .energy.models import DailyEnergy, Progress
from .entity import AccountEntity, PowerwallEntity, WallConnectorEntity
from .fleet import LiveStatus, SiteInfo, WallConnector
from .models import PowerwallConfigEntry, PowerwallSite
from .sites import wall_connector_dins

PARALLEL_UPDATES = 0  # coordinators do the polling

GRID_STATUS: dict[str, str | None] = {
    "Active": "connected",
    "Inactive": "islanded",
    # Home Assistant's own unknown: an option named "unknown" would be a state
    # that automations cannot tell from a missing value.
    "Unknown": None,
}
ISLAND_STATUS = (
    "on_grid",
    "off_grid",
    "off_grid_intentional",
    "off_grid_unintentional",
    "off_grid_unintentional_overload",
    "off_grid_unintentional_wait_for_solar",
    "off_grid_unintentional_wait_for_user",
    "off_grid_unintentional_wait_for_jump_start",
    "transitioning_on_grid",
    "transitioning_off_grid",
    "island_status_unknown",
)
OPERATION_MODES = ("self_consumption", "autonomous", "backup")
# Wall Connector codes, as Tesla's app names them (WCState, WCFaultStatusState).
WALL_CONNECTOR_STATES = {
    1: "charging",
    2: "unplugged",
    3: "unplugged_faulted",
    4: "waiting_for_vehicle",
    5: "time_restricted",
    6: "fault_charging",
    7: "fault_no_charging",
    8: "offline",
}
WALL_CONNECTOR_FAULT_STATES = {
    1: "startup",
    2: "ready",
    3: "critical_fault",
    4: "non_critical_fault",
    5: "retry_pending",
    6: "lockout",
    7: "foldback",
    8: "charging",
    9: "configuration_required",
}

_reported_unknown: set[tuple[str, object]] = set()


def _option(key: str, value: object, mapping: Mapping[Any, str | None]) -> str | None:
    """Map a Tesla code to an enum option; unknown codes show as unknown."""
    if value is None:
        return None
    if value in mapping:
        return mapping[value]
    if (key, value) not in _reported_unknown:
        _reported_unknown.add((key, value))
        LOGGER.info("Tesla reported an unknown %s: %r", key, value)
    return None


def _positive(value: float | None) -> float | None:
    """Return the value when above zero, else 0 (never -0.0)."""
    return None if value is None else (value if value > 0 else 0.0)


def _negative(value: float | None) -> float | None:
    """Return the size of a value below zero, else 0 (never -0.0)."""
    return None if value is None else (-value if value < 0 else 0.0)


def backup_time_left(live: LiveStatus, info: SiteInfo | None) -> float | None:
    """Hours the battery would carry the present home load alone.

    Uses energy_left when Tesla reports it, else the charge times the
    nameplate energy. Always computed, also while the grid is up, so that an
    automation that starts with an outage can read it at once.
    """
    energy = live.energy_left
    if energy is None and live.percentage_charged is not None and info:
        energy = live.percentage_charged / 100 * (info.nameplate_energy or 0) or None
    if energy is None or not live.load_power or live.load_power <= 0:
        return None
    return round(energy / live.load_power, 2)


@dataclass(frozen=True, kw_only=True)
class LiveSensorDescription(SensorEntityDescription):
    """A site sensor computed from live_status (and site_info where needed)."""

    value_fn: Callable[[LiveStatus, SiteInfo | None], StateType]
    exists_fn: Callable[[LiveStatus], bool] = lambda _live: True


@dataclass(frozen=True, kw_only=True)
class InfoSensorDescription(SensorEntityDescription):
    """A site sensor from site_info."""

    value_fn: Callable[[SiteInfo], StateType | datetime]


@dataclass(frozen=True, kw_only=True)
class WallConnectorSensorDescription(SensorEntityDescription):
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
        exists_fn=lambda live: value_fn(live) is not None,
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
    _power("grid_import_power", lambda live: _positive(live.grid_power)),
    _power("grid_export_power", lambda live: _negative(live.grid_power)),
    _power("battery_discharge_power", lambda live: _positive(live.battery_power)),
    _power("battery_charge_power", lambda live: _negative(live.battery_power)),
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
        value_fn=lambda live, _info: _option(
            "grid_status", live.grid_status, GRID_STATUS
        ),
    ),
    LiveSensorDescription(
        key="island_status",
        device_class=SensorDeviceClass.ENUM,
        options=list(ISLAND_STATUS),
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda live, _info: _option(
            "island_status", live.island_status, {s: s for s in ISLAND_STATUS}
        ),
    ),
    LiveSensorDescription(
        key="backup_time_left",
        device_class=SensorDeviceClass.DURATION,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfTime.HOURS,
        suggested_display_precision=1,
        value_fn=backup_time_left,
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
        value_fn=lambda info: _option(
            "operation_mode", info.default_real_mode, {m: m for m in OPERATION_MODES}
        ),
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
        value_fn=lambda wc: _option(
            "wall_connector_state", wc.state, WALL_CONNECTOR_STATES
        ),
    ),
    WallConnectorSensorDescription(
        key="wall_connector_fault_state",
        device_class=SensorDeviceClass.ENUM,
        options=list(WALL_CONNECTOR_FAULT_STATES.values()),
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda wc: _option(
            "wall_connector_fault_state", wc.fault_state, WALL_CONNECTOR_FAULT_STATES
        ),
    ),
    WallConnectorSensorDescription(
        key="vehicle",
        entity_registry_enabled_default=False,
        value_fn=lambda wc: wc.vin,
    ),
)


@dataclass(frozen=True, kw_only=True)
class DailySensorDescription(SensorEntityDescription):
    """Today's energy (site-local day) from calendar_history."""

    value_fn: Callable[[DailyEnergy], StateType]


def _share(part: str | None, today: DailyEnergy) -> float | None:
    """Return a share of today's home energy in %, or None before any use."""
    home = today.wh.get("home_consumption", 0.0)
    if home <= 0:
        return None
    if part is None:  # self-powered: everything not drawn from the grid
        value = home - today.wh.get("home_from_grid", 0.0)
    else:
        value = today.wh.get(part, 0.0)
    return round(min(max(value / home * 100, 0.0), 100.0), 1)


def _daily_energy(key: str, *, enabled: bool) -> DailySensorDescription:
    return DailySensorDescription(
        key=f"{key}_today",
        device_class=SensorDeviceClass.ENERGY,
        # Starts again from 0 at site-local midnight; an empty day is 0.
        state_class=SensorStateClass.TOTAL_INCREASING,
        native_unit_of_measurement=UnitOfEnergy.WATT_HOUR,
        suggested_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        suggested_display_precision=2,
        entity_registry_enabled_default=enabled,
        value_fn=lambda today: round(today.wh.get(key, 0.0), 1),
    )


def _daily_share(key: str, part: str | None) -> DailySensorDescription:
    return DailySensorDescription(
        key=key,
        native_unit_of_measurement=PERCENTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        value_fn=lambda today: _share(part, today),
    )


DAILY_SENSORS: tuple[DailySensorDescription, ...] = (
    *(
        _daily_energy(
            statistic.key,
            enabled=statistic.key
            not in {
                "generator_production",
                "home_from_grid",
                "home_from_solar",
                "home_from_battery",
            },
        )
        for statistic in DAILY
    ),
    _daily_share("self_powered_today", None),
    _daily_share("solar_share_today", "home_from_solar"),
    _daily_share("battery_share_today", "home_from_battery"),
    _daily_share("grid_share_today", "home_from_grid"),
)


def _progress_attributes(progress: Progress) -> dict[str, Any]:
    return {
        "days_done": progress.days_done,
        "days_to_do": progress.days_total - progress.days_done,
        "oldest_day": progress.oldest_day.isoformat() if progress.oldest_day else None,
    }


def _endpoint_attributes(entry: PowerwallConfigEntry) -> dict[str, Any]:
    return dict(sorted(entry.runtime_data.usage.billable.items()))


def _projected(entry: PowerwallConfigEntry) -> dict[str, int]:
    data = entry.runtime_data
    return data.scheduler.projected_requests(len(data.sites))


ACCOUNT_SENSORS: tuple[AccountSensorDescription, ...] = (
    AccountSensorDescription(
        key="api_requests",
        state_class=SensorStateClass.TOTAL_INCREASING,
        native_unit_of_measurement="requests",
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda entry: entry.runtime_data.usage.total_billable,
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
        value_fn=lambda entry: entry.runtime_data.scheduler.projected_cost(
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
                *(InfoSensor(site, d) for d in INFO_SENSORS),
                *(DailySensor(site, d) for d in DAILY_SENSORS),
                HistoryProgressSensor(site),
            ]
        )
        pending = list(LIVE_SENSORS)
        known_dins: set[str] = set()

        @callback
        def add_new() -> None:
            if site.live.data is not None:
                ready = [d for d in pending if d.exists_fn(site.live.data)]
                for description in ready:
                    pending.remove(description)
                async_add_entities(LiveSensor(site, d) for d in ready)
            new_dins = wall_connector_dins(site) - known_dins
            known_dins.update(new_dins)
            async_add_entities(
                WallConnectorSensor(site, din, d)
                for din in sorted(new_dins)
                for d in WALL_CONNECTOR_SENSORS
            )

        add_new()
        entry.async_on_unload(site.live.async_add_listener(add_new))
        entry.async_on_unload(site.info.async_add_listener(add_new))

    entry.runtime_data.add_site_listener(add_site)


class LiveSensor(PowerwallEntity[Any], SensorEntity):
    """A value from live_status."""

    entity_description: LiveSensorDescription

    def __init__(self, site: PowerwallSite, description: LiveSensorDescription) -> None:
        """Create the sensor for a site."""
        super().__init__(site, site.live, description.key)
        self.entity_description = description

    @property
    def native_value(self) -> StateType:
        """Return the value from the latest live_status."""
        return self.entity_description.value_fn(
            self.coordinator.data, self.site.info.data
        )


class InfoSensor(PowerwallEntity[Any], SensorEntity):
    """A value from site_info."""

    entity_description: InfoSensorDescription

    def __init__(self, site: PowerwallSite, description: InfoSensorDescription) -> None:
        """Create the sensor for a site."""
        super().__init__(site, site.info, description.key)
        self.entity_description = description

    @property
    def native_value(self) -> StateType | datetime:
        """Return the value from the latest site_info."""
        return self.entity_description.value_fn(self.coordinator.data)


class DailySensor(PowerwallEntity[Any], SensorEntity):
    """Today's energy or share, from the last history sync."""

    entity_description: DailySensorDescription

    def __init__(
        self, site: PowerwallSite, description: DailySensorDescription
    ) -> None:
        """Create the sensor for a site."""
        super().__init__(site, site.energy, description.key)
        self.entity_description = description

    @property
    def available(self) -> bool:
        """Available once the first sync has answered."""
        return super().available and self.coordinator.data is not None

    @property
    def native_value(self) -> StateType:
        """Return today's value."""
        return self.entity_description.value_fn(self.coordinator.data)


class HistoryProgressSensor(PowerwallEntity[EnergyCoordinator], SensorEntity):
    """How far the energy history import (a backfill) has come."""

    _attr_entity_category = EntityCategory.DIAGNOSTIC
    _attr_native_unit_of_measurement = PERCENTAGE

    def __init__(self, site: PowerwallSite) -> None:
        """Create the sensor for a site."""
        super().__init__(site, site.energy, "history_import")

    @property
    def native_value(self) -> float | None:
        """Return the share of days imported in the current or last import."""
        progress = self.coordinator.progress
        if not progress.days_total:
            return None
        return round(progress.days_done / progress.days_total * 100)

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """Return days done and still to do."""
        return _progress_attributes(self.coordinator.progress)


class WallConnectorSensor(WallConnectorEntity, SensorEntity):
    """A value of one Wall Connector."""

    entity_description: WallConnectorSensorDescription

    def __init__(
        self, site: PowerwallSite, din: str, description: WallConnectorSensorDescription
    ) -> None:
        """Create the sensor for a connector."""
        super().__init__(site, din, description.key)
        self.entity_description = description

    @property
    def native_value(self) -> StateType:
        """Return the connector's value, unknown when it is not reported."""
        connector = self.connector
        return (
            None if connector is None else self.entity_description.value_fn(connector)
        )


class AccountSensor(AccountEntity, SensorEntity):
    """Fleet API usage of the account this month."""

    entity_description: AccountSensorDescription

    def __init__(
        self, entry: PowerwallConfigEntry, description: AccountSensorDescription
    ) -> None:
        """Create the sensor for the account."""
        super().__init__(entry, description.key)
        self.entity_description = description

    @property
    def native_value(self) -> StateType:
        """Return the current figure."""
        return self.entity_description.value_fn(self.entry)

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """Return the figure per endpoint."""
        return self.entity_description.attributes_fn(self.entry)
