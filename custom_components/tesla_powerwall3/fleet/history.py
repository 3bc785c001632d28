"""The calendar_history answer: 5-minute energy buckets, each a plausible number.

A bucket that holds a value no meter can measure (NaN, an infinity, an integer
no float can hold, or more energy than any home can move in 5 minutes) is left
out whole, as if Tesla had not sent it, so that it never reaches a running sum.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Self

from .models import parse_timestamp

MAX_BUCKET_WH = 100_000.0
"""The most energy one field of a 5-minute bucket can plausibly hold, in Wh.

100 kWh in 5 minutes is 1.2 MW on average: over ten times what the largest
home service (400 A at 240 V, 96 kW) or a full Powerwall 3 system (four units
of 11.5 kW, plus their solar inputs) can carry. A larger value, or one that is
not finite, is a broken answer, never a measurement.
"""


@dataclass(frozen=True, slots=True)
class EnergyBucket:
    """One calendar_history interval: energies in Wh, keyed by Tesla's names."""

    timestamp: datetime
    values: Mapping[str, float]


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _bucket_time(item: Mapping[str, Any]) -> datetime | None:
    """Return a bucket's instant; None if it has none that UTC can hold."""
    timestamp = parse_timestamp(item.get("timestamp"))
    try:
        if timestamp is not None:
            timestamp.astimezone(UTC)
    except OverflowError:
        return None
    return timestamp


def _bucket_values(item: Mapping[str, Any]) -> dict[str, float] | None:
    """Return a bucket's energies; None if one is not a plausible number.

    Fields that are not numbers at all are left out, as when Tesla omits them.
    """
    values: dict[str, float] = {}
    for key, value in item.items():
        if isinstance(value, bool) or not isinstance(value, int | float):
            continue
        try:
            number = float(value)
        except OverflowError:  # an integer no float can hold, e.g. 10**400
            return None
        if not abs(number) <= MAX_BUCKET_WH:  # also false for NaN
            return None
        values[key] = number
    return values


@dataclass(frozen=True, slots=True)
class EnergyHistory:
    """A calendar_history (kind=energy) answer.

    time_series is None when Tesla has no data for the window yet.
    """

    time_zone: str | None
    time_series: tuple[EnergyBucket, ...] | None
    rejected: tuple[datetime, ...] = ()
    """Buckets left out for a value that is not finite or not plausible."""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """Build from the calendar_history response; skips malformed buckets.

        A bucket holding a value that is not a plausible number counts as
        absent, as if Tesla had not sent it, so that it never reaches a sum.
        """
        series = data.get("time_series")
        buckets: tuple[EnergyBucket, ...] | None = None
        rejected: list[datetime] = []
        if isinstance(series, list):
            kept: list[EnergyBucket] = []
            for item in series:
                if not isinstance(item, dict) or not (timestamp := _bucket_time(item)):
                    continue
                if (values := _bucket_values(item)) is None:
                    rejected.append(timestamp)
                else:
                    kept.append(EnergyBucket(timestamp=timestamp, values=values))
            buckets = tuple(kept)
        return cls(
            time_zone=_text(data.get("installation_time_zone")),
            time_series=buckets,
            rejected=tuple(rejected),
        )
