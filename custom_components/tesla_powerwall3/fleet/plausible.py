"""Which numbers in Tesla's answers are believable, field by field.

JSON as Python reads it may hold NaN, ±Infinity (also from 1e400) and integers
no float can hold (10**400). None of them is a reading; nor is a home that
draws a gigawatt. Such a value is treated as missing: the entity shows
unknown, and nothing computed from it is ever infinite.
"""

from collections.abc import Mapping
from dataclasses import dataclass
import math
import sys
from typing import Any, Final


@dataclass(frozen=True, slots=True)
class Bounds:
    """The closed range of values a field can really take."""

    low: float
    high: float

    def admit(self, value: float) -> float | None:
        """Return value as a float if finite and within bounds, else None.

        Compared before it is converted, so that a huge int never overflows.
        """
        if isinstance(value, float) and not math.isfinite(value):
            return None
        if not self.low <= value <= self.high:
            return None
        return float(value)


FINITE: Final = Bounds(-sys.float_info.max, sys.float_info.max)
"""Any number a float can hold."""

POWER_W: Final = Bounds(-1e6, 1e6)
"""A home's service is at most about 100 kW (400 A at 240 V), and four
Powerwall 3 give 46 kW: 1 MW, either way, is ten times any home."""

RATED_POWER_W: Final = Bounds(0, POWER_W.high)
"""A nameplate power: never negative."""

ENERGY_WH: Final = Bounds(0, 1e6)
"""The largest Powerwall systems (four Powerwall 3 with seven expansions, or
ten Powerwall 2) store under 150 kWh: 1 MWh is more than six times that."""

CHARGE_PERCENT: Final = Bounds(-10, 110)
"""Tesla's app-scale charge leaves out the 5 % reserve, so a pack drained
below it off grid reads down to about -5.3 %, and calibration can take it a
little past 100 %. Kept as reported within; beyond is not a charge."""

SETTING_PERCENT: Final = Bounds(0, 100)
"""A percentage the user sets, such as the backup reserve."""

COUNT: Final = Bounds(0, 1000)
"""A number of devices: Tesla allows a few dozen at most on one site."""

CODE: Final = Bounds(0, 2**31 - 1)
"""A state or fault code: a small non-negative integer."""

SITE_ID: Final = Bounds(1, 2**63 - 1)
"""Tesla's energy_site_id: a positive 64-bit integer."""


def number(
    data: Mapping[str, Any],
    key: str,
    bounds: Bounds = FINITE,
    noted: list[str] | None = None,
) -> float | None:
    """Return data[key] if a number within bounds, else None.

    A number outside them (not a mistyped or missing value) adds key to noted.
    """
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    admitted = bounds.admit(value)
    if admitted is None and noted is not None:
        noted.append(key)
    return admitted


def integer(
    data: Mapping[str, Any],
    key: str,
    bounds: Bounds = FINITE,
    noted: list[str] | None = None,
) -> int | None:
    """Return data[key] as an integer within bounds, like number."""
    admitted = number(data, key, bounds, noted)
    if admitted is None:
        return None
    value = data[key]
    return value if isinstance(value, int) else int(admitted)


def finite_object(value: object) -> dict[str, Any]:
    """Return a JSON object without its non-finite numbers; {} if not an object."""
    return finite_json(value) if isinstance(value, dict) else {}


def finite_json(value: Any) -> Any:
    """Return a JSON value with every NaN or infinity in it replaced by None."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: finite_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [finite_json(item) for item in value]
    return value
