"""The simulated site's past, for the screenshots' 24-hour and 7-day graphs.

A new development instance has no history, so its graphs would be empty. This
computes it from the simulator's own model (the same pure functions of time
that the simulator serves) for the days before Home Assistant started:

* statistics: what the recorder would have compiled, the hourly mean, min and
  max of the power sensors and the battery charge and the state and running
  sum of the daily energy sensors. Printed as JSON, {sensor key: {"unit",
  "unit_class", "has_sum", "stats": [...]}}, in each sensor's own unit when
  --database gives the units (else in W, Wh and %); scripts/screenshots.py
  sends them with Home Assistant's `recorder/import_statistics` command.
* states (with --database): the power sensors, the battery charge and the grid
  status every 5 minutes, written into the development instance's recorder
  database (SQLite) before each entity's first recorded state, as the
  recorder would have written them. Only for a throwaway development copy.
"""

import argparse
from collections import defaultdict
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, time, timedelta
import json
from pathlib import Path
import sqlite3
import sys
from typing import Any
from zoneinfo import ZoneInfo

from custom_components.tesla_powerwall3.energy.buckets import STATISTIC_FORMULAS
from fleet_simulator.model import Flows, energy_bucket, steps_between

HOUR = timedelta(hours=1)
POWER: dict[str, Callable[[Flows], float]] = {
    "solar_power": lambda f: f.solar,
    "battery_power": lambda f: f.battery,
    "grid_power": lambda f: f.grid,
    "home_power": lambda f: f.load,
}
"""Live power sensors (W) and where the model keeps them."""
DAILY = {
    f"{key}_today": key
    for key in (
        "solar_production",
        "home_consumption",
        "grid_import",
        "grid_export",
        "battery_charge",
        "battery_discharge",
    )
}
"""Daily energy sensors (Wh) and the statistic formula each one adds up."""


def _mean_min_max(values: list[float]) -> dict[str, float]:
    return {
        "mean": round(sum(values) / len(values), 3),
        "min": round(min(values), 3),
        "max": round(max(values), 3),
    }


def _hourly_flows(
    site: int, zone: ZoneInfo, start: datetime, end: datetime
) -> dict[datetime, list[Flows]]:
    hours: dict[datetime, list[Flows]] = defaultdict(list)
    for step in steps_between(site, zone, start, end):
        hours[step.start.replace(minute=0)].append(step.flows)
    return hours


def _energy(flows: Flows) -> Mapping[str, float]:
    """Return one 5-minute step's energy (Wh) per statistic key."""
    bucket = energy_bucket(flows)
    return {key: formula(bucket) for key, formula in STATISTIC_FORMULAS.items()}


def history(
    site: int, zone: ZoneInfo, start: datetime, end: datetime
) -> dict[str, dict[str, Any]]:
    """Return every sensor's hourly statistics for the hours in [start, end)."""
    out: dict[str, dict[str, Any]] = {
        key: {"unit": "W", "has_sum": False, "stats": []} for key in POWER
    }
    out["battery_charge"] = {"unit": "%", "has_sum": False, "stats": []}
    out |= {key: {"unit": "Wh", "has_sum": True, "stats": []} for key in DAILY}
    today: dict[str, float] = defaultdict(float)
    sums: dict[str, float] = defaultdict(float)
    day = None
    # From the site's midnight before start, so that the first day's states
    # count the whole day; only the hours from start on are written.
    midnight = datetime.combine(start.astimezone(zone).date(), time(), zone)
    for hour, flows in sorted(_hourly_flows(site, zone, midnight, end).items()):
        if hour.astimezone(zone).date() != day:
            day = hour.astimezone(zone).date()
            today.clear()
        for step in flows:
            for key, energy in _energy(step).items():
                today[key] += max(energy, 0.0)
        if hour < start:
            continue
        begin = {"start": hour.isoformat()}
        for key, value_of in POWER.items():
            values = [float(value_of(f)) for f in flows]
            out[key]["stats"].append(begin | _mean_min_max(values))
        charges = [f.charge for f in flows]
        out["battery_charge"]["stats"].append(begin | _mean_min_max(charges))
        for sensor, key in DAILY.items():
            sums[sensor] += sum(max(_energy(f)[key], 0.0) for f in flows)
            out[sensor]["stats"].append(
                begin | {"state": round(today[key], 1), "sum": round(sums[sensor], 1)}
            )
    return out


UNIT_FACTORS = {"W": 1.0, "kW": 0.001, "Wh": 1.0, "kWh": 0.001, "%": 1.0}
"""From the model's units (W, Wh, %) to a sensor's unit."""
UNIT_CLASSES = {"W": "power", "Wh": "energy", "%": None}


def _states_rows(
    site: int, zone: ZoneInfo, start: datetime, end: datetime
) -> dict[str, list[tuple[float, float | str]]]:
    """Return (timestamp, value in W or %, or a state) rows per sensor key."""
    rows: dict[str, list[tuple[float, float | str]]] = defaultdict(list)
    for step in steps_between(site, zone, start, end):
        moment = step.start.timestamp()
        for key, value_of in POWER.items():
            rows[key].append((moment, float(value_of(step.flows))))
        rows["battery_charge"].append((moment, step.flows.charge))
        # Every step, not once: history only finds a state from before the
        # window it shows if a recorder run covered that moment.
        rows["grid_status"].append((moment, "connected"))
    return rows


def _state(value: float | str, attributes: str | None) -> str:
    """Return a value as the state string of a sensor with these attributes."""
    if isinstance(value, str):
        return value
    unit = json.loads(attributes or "{}").get("unit_of_measurement")
    return str(round(value * UNIT_FACTORS[unit], 3))


def write_states(
    database: Path, prefix: str, rows: dict[str, list[tuple[float, float | str]]]
) -> int:
    """Insert rows before each entity's first recorded state; return the count.

    Each row reuses the attributes (unit, device class) of the entity's first
    state, as the recorder itself shares identical attributes.
    """
    written = 0
    with sqlite3.connect(database, timeout=30) as db:
        for key, entity_rows in rows.items():
            entity_id = f"sensor.{prefix}_{key}"
            first = db.execute(
                "SELECT s.metadata_id, s.attributes_id, MIN(s.last_updated_ts), "
                "a.shared_attrs FROM states s "
                "JOIN states_meta m ON m.metadata_id = s.metadata_id "
                "LEFT JOIN state_attributes a ON a.attributes_id = s.attributes_id "
                "WHERE m.entity_id = ?",
                (entity_id,),
            ).fetchone()
            if first is None or first[0] is None:
                raise SystemExit(f"demo_history: {entity_id} has no recorded state")
            metadata_id, attributes_id, first_ts, attributes = first
            new = [
                (metadata_id, _state(value, attributes), ts, ts, ts, attributes_id, 0)
                for ts, value in entity_rows
                if ts < first_ts
            ]
            db.executemany(
                "INSERT INTO states (metadata_id, state, last_updated_ts, "
                "last_changed_ts, last_reported_ts, attributes_id, origin_idx) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                new,
            )
            written += len(new)
    return written


def sensor_units(database: Path, prefix: str, keys: list[str]) -> dict[str, str]:
    """Return each sensor's unit, from its latest recorded attributes."""
    units: dict[str, str] = {}
    with sqlite3.connect(database, timeout=30) as db:
        for key in keys:
            row = db.execute(
                "SELECT a.shared_attrs, MAX(s.last_updated_ts) FROM states s "
                "JOIN states_meta m ON m.metadata_id = s.metadata_id "
                "JOIN state_attributes a ON a.attributes_id = s.attributes_id "
                "WHERE m.entity_id = ?",
                (f"sensor.{prefix}_{key}",),
            ).fetchone()
            units[key] = json.loads(row[0] or "{}")["unit_of_measurement"]
    return units


def in_units(series: dict[str, Any], unit: str) -> dict[str, Any]:
    """Return a sensor's statistics converted from the model's unit to unit."""
    factor = UNIT_FACTORS[unit]
    stats = [
        {k: v if k == "start" else round(v * factor, 6) for k, v in row.items()}
        for row in series["stats"]
    ]
    return series | {
        "unit": unit,
        "unit_class": UNIT_CLASSES[series["unit"]],
        "stats": stats,
    }


def main() -> int:
    """Print the statistics of the last --days days before --until."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--time-zone", default="America/Los_Angeles")
    parser.add_argument("--site", type=int, default=0, help="simulator site index")
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument(
        "--until", help="UTC end (exclusive), default: the start of this hour"
    )
    parser.add_argument(
        "--database", type=Path, help="also write states into this recorder database"
    )
    parser.add_argument("--prefix", default="my_home", help="the site's entity ids")
    args = parser.parse_args()
    until = (
        datetime.fromisoformat(args.until).astimezone(UTC)
        if args.until
        else datetime.now(UTC)
    ).replace(minute=0, second=0, microsecond=0)
    start = until - args.days * 24 * HOUR
    zone = ZoneInfo(args.time_zone)
    statistics = history(args.site, zone, start, until)
    if args.database:
        rows = _states_rows(args.site, zone, start, datetime.now(UTC))
        count = write_states(args.database, args.prefix, rows)
        print(f"demo_history: wrote {count} states", file=sys.stderr)
        units = sensor_units(args.database, args.prefix, list(statistics))
        statistics = {k: in_units(s, units[k]) for k, s in statistics.items()}
    json.dump(statistics, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
