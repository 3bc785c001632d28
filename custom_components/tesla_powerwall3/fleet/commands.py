"""The energy site settings a command changes, checked before anything is sent.

Each builder returns the Command to POST, or raises CommandValueError for a
value Tesla would refuse, so that no request (which Tesla bills as a command)
is spent on it.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
import math
from typing import Any, Final

RESERVE_CAP_PERCENT: Final = 80
"""Since firmware 25.18.4 the cloud accepts a backup reserve up to 80 %, or 100 %."""
FULL_PERCENT: Final = 100

OPERATION_MODES: Final = ("self_consumption", "autonomous", "backup")
"""Self-powered, time-based control, backup only (default_real_mode)."""
EXPORT_RULES: Final = ("pv_only", "battery_ok", "never")
"""Solar only, solar and battery, nothing (customer_preferred_export_rule)."""

BACKUP: Final = "backup"
OPERATION: Final = "operation"
STORM_MODE: Final = "storm_mode"
GRID_IMPORT_EXPORT: Final = "grid_import_export"
OFF_GRID_VEHICLE_RESERVE: Final = "off_grid_vehicle_charging_reserve"
COMMAND_NAMES: Final = frozenset(
    {BACKUP, OPERATION, STORM_MODE, GRID_IMPORT_EXPORT, OFF_GRID_VEHICLE_RESERVE}
)
"""The endpoint names of the commands: the request counter bills them apart."""


class CommandValueError(ValueError):
    """A value Tesla would refuse; nothing was sent."""


class PercentOutOfRangeError(CommandValueError):
    """A percentage that is not a whole number from 0 to 100."""


class ReserveAboveCapError(CommandValueError):
    """A backup reserve from 81 to 99 %, which the cloud refuses."""


@dataclass(frozen=True, slots=True)
class UnknownOptionError(CommandValueError):
    """A mode or rule that is not one of Tesla's options."""

    value: str
    options: tuple[str, ...] = field(default=())

    def __str__(self) -> str:
        """Name the value and the options."""
        return f"{self.value!r} is not one of {', '.join(self.options)}"


@dataclass(frozen=True, slots=True)
class Command:
    """One POST to an energy site's command endpoint."""

    name: str
    body: Mapping[str, Any]


def _whole_percent(value: float) -> int:
    """Return value as an int from 0 to 100, or raise PercentOutOfRangeError."""
    if (
        isinstance(value, bool)
        or not math.isfinite(value)
        or value != int(value)
        or not 0 <= value <= FULL_PERCENT
    ):
        raise PercentOutOfRangeError(f"{value} is not a whole percentage")
    return int(value)


def _option(value: str, options: tuple[str, ...]) -> str:
    if value not in options:
        raise UnknownOptionError(value, options)
    return value


def backup_reserve(percent: float) -> Command:
    """Set the share of the battery kept for an outage."""
    whole = _whole_percent(percent)
    if RESERVE_CAP_PERCENT < whole < FULL_PERCENT:
        raise ReserveAboveCapError(
            f"{whole} %: Tesla accepts 0 to {RESERVE_CAP_PERCENT} % or 100 %"
        )
    return Command(BACKUP, {"backup_reserve_percent": whole})


def operation_mode(mode: str) -> Command:
    """Choose self-powered, time-based control or backup only."""
    return Command(OPERATION, {"default_real_mode": _option(mode, OPERATION_MODES)})


def storm_watch(enabled: bool) -> Command:
    """Let the Powerwall charge fully ahead of severe weather, or not."""
    return Command(STORM_MODE, {"enabled": bool(enabled)})


def grid_charging(allowed: bool) -> Command:
    """Allow or forbid charging the battery from the grid."""
    return Command(
        GRID_IMPORT_EXPORT,
        {"disallow_charge_from_grid_with_solar_installed": not allowed},
    )


def export_rule(rule: str) -> Command:
    """Choose what may be sent to the grid: solar only, also battery, nothing."""
    return Command(
        GRID_IMPORT_EXPORT,
        {"customer_preferred_export_rule": _option(rule, EXPORT_RULES)},
    )


def off_grid_vehicle_reserve(percent: float) -> Command:
    """Set the charge below which vehicles stop charging during an outage."""
    return Command(
        OFF_GRID_VEHICLE_RESERVE,
        {"off_grid_vehicle_charging_reserve_percent": _whole_percent(percent)},
    )
