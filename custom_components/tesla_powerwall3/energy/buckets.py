"""calendar_history arithmetic: 5-minute buckets to UTC hours to running sums.

Pure functions with no Home Assistant objects. Tesla reports each bucket's
energy in Wh with the bucket's own site-local offset, so buckets are placed in
UTC hours by that offset; local days of 23 or 25 hours and half- or
quarter-hour zones need nothing special.
"""

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
import math

from ..fleet import EnergyBucket

HOUR = timedelta(hours=1)
BUCKET = timedelta(minutes=5)


def _total(values: Mapping[str, float], total_key: str, *parts: str) -> float:
    """Prefer Tesla's total; else add its components (Tesla omits zero totals)."""
    if total_key in values:
        return values[total_key]
    return sum(values.get(part, 0.0) for part in parts)


@dataclass(frozen=True, slots=True)
class Statistic:
    """One hourly long-term statistic of a site and how it is computed."""

    key: str
    name: str
    """Readable suffix, e.g. "grid import" (the site name comes first)."""

    def value(self, values: Mapping[str, float]) -> float:
        """Return the bucket's energy for this statistic in Wh, finite, never negative.

        Parsing already leaves out buckets that are not plausible numbers; this
        keeps a bucket made any other way from ever poisoning a running sum.
        """
        value = STATISTIC_FORMULAS[self.key](values)
        return value if value > 0 and math.isfinite(value) else 0.0


STATISTIC_FORMULAS: dict[str, Callable[[Mapping[str, float]], float]] = {
    "grid_import": lambda v: v.get("grid_energy_imported", 0.0),
    "grid_export": lambda v: _total(
        v,
        "total_grid_energy_exported",
        "grid_energy_exported_from_solar",
        "grid_energy_exported_from_battery",
        "grid_energy_exported_from_generator",
    ),
    "solar_production": lambda v: _total(
        v, "total_solar_generation", "solar_energy_exported"
    ),
    "battery_charge": lambda v: _total(
        v,
        "total_battery_charge",
        "battery_energy_imported_from_grid",
        "battery_energy_imported_from_solar",
        "battery_energy_imported_from_generator",
    ),
    "battery_discharge": lambda v: _total(
        v, "total_battery_discharge", "battery_energy_exported"
    ),
    "home_consumption": lambda v: _total(
        v,
        "total_home_usage",
        "consumer_energy_imported_from_grid",
        "consumer_energy_imported_from_solar",
        "consumer_energy_imported_from_battery",
        "consumer_energy_imported_from_generator",
    ),
    "generator_production": lambda v: v.get("generator_energy_exported", 0.0),
    "home_from_grid": lambda v: v.get("consumer_energy_imported_from_grid", 0.0),
    "home_from_solar": lambda v: v.get("consumer_energy_imported_from_solar", 0.0),
    "home_from_battery": lambda v: v.get("consumer_energy_imported_from_battery", 0.0),
}

STATISTICS: tuple[Statistic, ...] = (
    Statistic("grid_import", "grid import"),
    Statistic("grid_export", "grid export"),
    Statistic("solar_production", "solar production"),
    Statistic("battery_charge", "battery charge"),
    Statistic("battery_discharge", "battery discharge"),
    Statistic("home_consumption", "home consumption"),
    Statistic("generator_production", "generator production"),
)
"""What the Energy dashboard needs, in the order the README lists them."""

DAILY: tuple[Statistic, ...] = (
    *STATISTICS,
    Statistic("home_from_grid", "home from grid"),
    Statistic("home_from_solar", "home from solar"),
    Statistic("home_from_battery", "home from battery"),
)
"""What the daily sensors show: the statistics plus where home energy came from."""


def local_day_window(day: date, zone: tzinfo) -> tuple[datetime, datetime]:
    """Return the UTC start and end of a site-local day (23, 24 or 25 hours)."""
    start = datetime.combine(day, time(), zone)
    end = datetime.combine(day + timedelta(days=1), time(), zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def end_of_local_day(day: date, zone: tzinfo) -> datetime:
    """Return 23:59:59 of a site-local day: the end_date Tesla expects."""
    return datetime.combine(day, time(23, 59, 59), zone)


def floor_hour(moment: datetime) -> datetime:
    """Return the UTC hour that contains moment."""
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def ceil_hour(moment: datetime) -> datetime:
    """Return the first UTC hour that starts at or after moment."""
    hour = floor_hour(moment)
    return hour if hour == moment else hour + HOUR


def count_hours(first_hour: datetime, last_hour: datetime) -> int:
    """Return how many hours a span holds, both ends included."""
    return int((last_hour - first_hour) / HOUR) + 1


@dataclass(slots=True)
class HourlyEnergy:
    """Energy per UTC hour and statistic (Wh), for a span of complete hours."""

    first_hour: datetime
    last_hour: datetime
    """Inclusive; hours between with no bucket had no energy."""
    energy: dict[datetime, dict[str, float]] = field(default_factory=dict)

    def hours(self) -> list[datetime]:
        """Return every hour of the span, in order."""
        count = count_hours(self.first_hour, self.last_hour)
        return [self.first_hour + index * HOUR for index in range(count)]

    def wh(self, hour: datetime, key: str) -> float:
        """Return one hour's energy of a statistic in Wh."""
        return self.energy.get(hour, {}).get(key, 0.0)


def aggregate_hours(
    buckets: Iterable[EnergyBucket],
    covered_from: datetime,
    covered_until: datetime,
    statistics: Sequence[Statistic] = STATISTICS,
) -> HourlyEnergy | None:
    """Sum buckets into the UTC hours that lie wholly inside the covered span.

    covered_from and covered_until bound the time for which Tesla's answers are
    complete (whole local days fetched, or up to the last bucket of today).
    Buckets are deduplicated by instant, so adjacent days may overlap.
    Returns None when no whole hour is covered.
    """
    first = ceil_hour(covered_from)
    last = floor_hour(covered_until) - HOUR
    if last < first:
        return None
    result = HourlyEnergy(first_hour=first, last_hour=last)
    seen: set[datetime] = set()
    for bucket in buckets:
        instant = bucket.timestamp.astimezone(UTC)
        hour = floor_hour(instant)
        if instant in seen or not first <= hour <= last:
            continue
        seen.add(instant)
        hour_energy = result.energy.setdefault(hour, {})
        for statistic in statistics:
            hour_energy[statistic.key] = hour_energy.get(
                statistic.key, 0.0
            ) + statistic.value(bucket.values)
    return result


def completed_hours(
    day: date,
    zone: tzinfo,
    buckets: Sequence[EnergyBucket],
    *,
    previous: Sequence[EnergyBucket],
    since: datetime,
    now: datetime,
) -> HourlyEnergy | None:
    """Return the whole UTC hours from `since` on that a fetched day completes.

    previous holds the buckets of the day before (empty for the first day of
    an import): only those in the hour that straddles midnight (half- and
    quarter-hour zones) are used again. Today is covered up to its last bucket.
    """
    day_start, day_end = local_day_window(day, zone)
    covered_until = day_end
    if day >= now.astimezone(zone).date():
        last_bucket = max((b.timestamp for b in buckets), default=None)
        covered_until = min(now, last_bucket + BUCKET if last_bucket else day_start)
    covered_from = floor_hour(day_start) if previous else day_start
    boundary = [b for b in previous if b.timestamp >= covered_from]
    return aggregate_hours(
        [*boundary, *buckets], max(covered_from, since), covered_until
    )


@dataclass(frozen=True, slots=True)
class Row:
    """One hourly statistics row: the hour's kWh and the running total."""

    start: datetime
    state: float
    sum: float


def running_sums(hourly: HourlyEnergy, key: str, anchor: float) -> list[Row]:
    """Return rows for every hour of the span, continuing the sum from anchor.

    anchor is the stored sum of the hour just before the span (0 when the
    series starts here), so the chain continues exactly and a first import
    starts at 0.
    """
    rows: list[Row] = []
    total = anchor
    for hour in hourly.hours():
        kwh = round(hourly.wh(hour, key) / 1000, 6)
        total = round(total + kwh, 6)
        rows.append(Row(start=hour, state=kwh, sum=total))
    return rows


def day_totals(
    buckets: Iterable[EnergyBucket], statistics: Sequence[Statistic] = DAILY
) -> dict[str, float]:
    """Sum a day's buckets per statistic, in Wh (0 for an empty day)."""
    totals = dict.fromkeys((s.key for s in statistics), 0.0)
    seen: set[datetime] = set()
    for bucket in buckets:
        if bucket.timestamp in seen:
            continue
        seen.add(bucket.timestamp)
        for statistic in statistics:
            totals[statistic.key] += statistic.value(bucket.values)
    return totals


def buckets_outside_day(
    buckets: Iterable[EnergyBucket], day: date, zone: tzinfo
) -> list[EnergyBucket]:
    """Return the buckets that do not belong to the requested local day."""
    start, end = local_day_window(day, zone)
    return [
        bucket
        for bucket in buckets
        if not start <= bucket.timestamp.astimezone(UTC) < end
    ]
