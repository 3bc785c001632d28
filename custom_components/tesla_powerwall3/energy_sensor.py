"""Sensors of a site's energy history: today's energy, and the import's progress."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import PERCENTAGE, EntityCategory, UnitOfEnergy
from homeassistant.helpers.typing import StateType

from .coordinator import EnergyCoordinator
from .energy.buckets import DAILY
from .energy.models import DailyEnergy, Progress
from .entity import PowerwallEntity


@dataclass(frozen=True, kw_only=True)
class DailySensorDescription(SensorEntityDescription):
    """Today's energy (site-local day) from calendar_history."""

    value_fn: Callable[[DailyEnergy], StateType]


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


def _daily_share(key: str, source: str | None) -> DailySensorDescription:
    return DailySensorDescription(
        key=key,
        native_unit_of_measurement=PERCENTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        value_fn=lambda today: today.share_of_home(source),
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


HISTORY_IMPORT_SENSOR = SensorEntityDescription(
    key="history_import",
    entity_category=EntityCategory.DIAGNOSTIC,
    native_unit_of_measurement=PERCENTAGE,
)


class DailySensor(PowerwallEntity[EnergyCoordinator], SensorEntity):
    """Today's energy or share, from the last history sync."""

    entity_description: DailySensorDescription

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
