"""The simulated homes: power flows and energy as pure functions of time.

Nothing here knows about HTTP. Every value is a deterministic function of the
site's index, its time zone and the moment (UTC), so the same clock always gives
the same answers.

Signs follow Tesla's live_status: battery positive when discharging,
grid positive when importing, and load = solar + battery + grid + generator.

The battery's charge is followed in 5-minute steps from local midnight. The
charge at midnight is found by running the previous day from 50 %: the battery
fills up every day (and runs down to the reserve every night), which erases the
starting value, so each day ends exactly where the next one starts.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
import math
from zoneinfo import ZoneInfo

STEP = timedelta(minutes=5)
STEP_HOURS = STEP.total_seconds() / 3600
CAPACITY_WH = 13_500
"""One Powerwall 3."""
MAX_BATTERY_W = 5_000
RESERVE_PERCENT = 20
"""Backup reserve: self-powered mode does not discharge below it."""
START_PERCENT = 50.0
"""Charge the day before any requested day starts from (forgotten by midnight)."""
CAR_W = 7_000
CAR_CHARGING = (1.0, 4.0)
"""Local hours when the car charges (Wall Connector 1)."""
CAR_AWAY = (8.0, 18.0)
"""Local hours when the car is away (unplugged)."""
CAR_VIN = "5YJ3E1EA7KF317000"


@dataclass(frozen=True, slots=True)
class SiteProfile:
    """What makes one simulated home differ from another."""

    peak_solar_w: float
    base_load_w: float
    phase: float


PROFILES = (
    SiteProfile(7_600.0, 420.0, 0.0),
    SiteProfile(7_000.0, 380.0, 1.3),
    SiteProfile(7_900.0, 460.0, 2.6),
    SiteProfile(7_300.0, 400.0, 3.9),
)


def profile(site: int) -> SiteProfile:
    """Return the profile of the site with this index."""
    return PROFILES[site % len(PROFILES)]


@dataclass(frozen=True, slots=True)
class Flows:
    """Power flows in W with Tesla's signs, and the charge in % at that moment."""

    solar: int
    load: int
    battery: int
    grid: int
    wall_connector: int
    charge: float
    generator: int = 0


@dataclass(frozen=True, slots=True)
class Step:
    """One 5-minute interval: its start (UTC), its constant flows, the end charge."""

    start: datetime
    flows: Flows
    charge_after: float


def local_hour(moment: datetime, zone: ZoneInfo) -> float:
    """Return the site-local time of day in hours."""
    local = moment.astimezone(zone)
    return local.hour + local.minute / 60 + local.second / 3600


_MIDSUMMER = date(2000, 6, 21).toordinal()


@dataclass(frozen=True, slots=True)
class _Local:
    """A moment as the model needs it, converted once."""

    seconds: float
    hour: float
    season: float
    """1 at midsummer, -1 at midwinter (northern hemisphere)."""
    ordinal: int


def _local(moment: datetime, zone: ZoneInfo) -> _Local:
    local = moment.astimezone(zone)
    ordinal = local.toordinal()
    return _Local(
        seconds=moment.timestamp(),
        hour=local.hour + local.minute / 60 + local.second / 3600,
        season=math.cos(2 * math.pi * (ordinal - _MIDSUMMER) / 365.2425),
        ordinal=ordinal,
    )


def _solar(site_profile: SiteProfile, at: _Local) -> float:
    half_day = 6.5 + 1.5 * at.season
    offset = at.hour - 12.0
    if not -half_day < offset < half_day:
        return 0.0
    shape: float = math.sin(math.pi * (offset + half_day) / (2 * half_day)) ** 1.5
    weather = 0.95 + 0.05 * math.sin(at.ordinal * 2.3 + site_profile.phase)
    seconds = at.seconds
    ripple = math.sin(seconds / 1_700 + site_profile.phase) * math.cos(seconds / 4_100)
    clouds = 0.94 + 0.06 * ripple
    season = 0.9 + 0.1 * at.season
    return site_profile.peak_solar_w * season * weather * clouds * shape


def _car(at: _Local) -> float:
    start, end = CAR_CHARGING
    return float(CAR_W) if start <= at.hour < end else 0.0


def _load(site_profile: SiteProfile, at: _Local) -> float:
    hour = at.hour
    morning = 1_300.0 * math.exp(-(((hour - 7.25) / 0.9) ** 2))
    midday = 250.0 * math.exp(-(((hour - 13.0) / 2.0) ** 2))
    evening = 2_200.0 * math.exp(-(((hour - 19.0) / 1.5) ** 2))
    seconds = at.seconds
    ripple = (
        120.0
        * math.sin(seconds / 310 + site_profile.phase)
        * (0.6 + 0.4 * math.cos(seconds / 1_300))
    )
    return site_profile.base_load_w + morning + midday + evening + ripple + _car(at)


def solar_w(site: int, moment: datetime, zone: ZoneInfo) -> float:
    """Return the panels' output: a bell around local noon with passing clouds.

    Days are longer and the peak higher in summer; the weather changes a little
    from day to day.
    """
    return _solar(profile(site), _local(moment, zone))


def load_w(site: int, moment: datetime, zone: ZoneInfo) -> float:
    """Return the home's use, car included: base load, morning and evening peaks."""
    return _load(profile(site), _local(moment, zone))


def wall_connector_w(moment: datetime, zone: ZoneInfo) -> float:
    """Return the car charger's draw: 7 kW from 01:00 to 04:00 local time."""
    return _car(_local(moment, zone))


def car_plugged_in(moment: datetime, zone: ZoneInfo) -> bool:
    """Tell whether the car is at home, plugged into Wall Connector 1."""
    away_from, away_until = CAR_AWAY
    return not away_from <= local_hour(moment, zone) < away_until


def flows_for(site: int, moment: datetime, zone: ZoneInfo, charge: float) -> Flows:
    """Return the flows at a moment for a battery at `charge` % (self-powered).

    The battery takes the solar surplus and covers the deficit, within its power
    limit and between the reserve and full; the grid balances the rest.
    """
    site_profile = profile(site)
    at = _local(moment, zone)
    solar = round(_solar(site_profile, at))
    load = round(_load(site_profile, at))
    surplus = solar - load
    if surplus > 0:
        room_w = (100.0 - charge) / 100 * CAPACITY_WH / STEP_HOURS
        battery = -min(surplus, MAX_BATTERY_W, math.ceil(room_w))
    else:
        stored = max(charge - RESERVE_PERCENT, 0.0)
        stored_w = stored / 100 * CAPACITY_WH / STEP_HOURS
        battery = min(-surplus, MAX_BATTERY_W, math.ceil(stored_w))
    return Flows(
        solar=solar,
        load=load,
        battery=battery,
        grid=load - solar - battery,
        wall_connector=round(_car(at)),
        charge=charge,
    )


def charge_after(charge: float, battery_w: float, hours: float) -> float:
    """Return the charge in % after the battery power ran for some hours.

    It stops at full when charging and at the reserve when discharging (power
    limits are whole watts, so the last step may overshoot by a fraction).
    """
    after = charge - battery_w * hours / CAPACITY_WH * 100
    if battery_w > 0:
        return max(after, min(charge, float(RESERVE_PERCENT)))
    return min(after, 100.0)


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    """Return the local midnight that starts the day, in UTC."""
    return datetime.combine(day, time(), zone).astimezone(UTC)


def _run(site: int, day: date, zone: ZoneInfo, charge: float) -> tuple[Step, ...]:
    """Follow the battery through a local day (23, 24 or 25 hours) in steps."""
    moment = _midnight(day, zone)
    end = _midnight(day + timedelta(days=1), zone)
    steps = []
    while moment < end:
        # Each step's flows are those of its middle: the best constant stand-in.
        flows = flows_for(site, moment + STEP / 2, zone, charge)
        charge = charge_after(charge, flows.battery, STEP_HOURS)
        steps.append(Step(moment, flows, charge))
        moment += STEP
    return tuple(steps)


@lru_cache(maxsize=512)
def charge_at_midnight(site: int, day: date, zone: ZoneInfo) -> float:
    """Return the charge in % at the local midnight that starts the day."""
    return _run(site, day - timedelta(days=1), zone, START_PERCENT)[-1].charge_after


@lru_cache(maxsize=512)
def day_steps(site: int, day: date, zone: ZoneInfo) -> tuple[Step, ...]:
    """Return every 5-minute step of a site-local day (whether past or not)."""
    return _run(site, day, zone, charge_at_midnight(site, day, zone))


def steps_between(
    site: int, zone: ZoneInfo, start: datetime, end: datetime
) -> list[Step]:
    """Return the steps that start in [start, end), across local days."""
    day = start.astimezone(zone).date()
    last = end.astimezone(zone).date()
    steps: list[Step] = []
    while day <= last:
        steps.extend(s for s in day_steps(site, day, zone) if start <= s.start < end)
        day += timedelta(days=1)
    return steps


def flows_at(site: int, moment: datetime, zone: ZoneInfo) -> Flows:
    """Return the live flows at a moment, the charge followed since midnight."""
    moment = moment.astimezone(UTC)
    day = moment.astimezone(zone).date()
    charge = charge_at_midnight(site, day, zone)
    for step in day_steps(site, day, zone):
        if step.start + STEP > moment:
            elapsed = (moment - step.start).total_seconds() / 3600
            charge = charge_after(step.flows.charge, step.flows.battery, elapsed)
            break
        charge = step.charge_after
    return flows_for(site, moment, zone, charge)


def energy_bucket(flows: Flows, hours: float = STEP_HOURS) -> dict[str, float]:
    """Split one interval's flows into calendar_history's energy fields (Wh).

    In self-powered mode the battery charges only from solar and never exports,
    so the split is exact: solar = home + battery + export, and home = solar +
    battery + grid import.
    """
    solar = flows.solar * hours
    load = flows.load * hours
    charged = max(-flows.battery, 0) * hours
    discharged = max(flows.battery, 0) * hours
    imported = max(flows.grid, 0) * hours
    exported = max(-flows.grid, 0) * hours
    home_from_solar = min(solar, load)
    home_from_battery = min(discharged, load - home_from_solar)
    values = {
        "solar_energy_exported": solar,
        "generator_energy_exported": 0.0,
        "grid_energy_imported": imported,
        "grid_services_energy_imported": 0.0,
        "grid_services_energy_exported": 0.0,
        "grid_energy_exported_from_solar": exported,
        "grid_energy_exported_from_generator": 0.0,
        "grid_energy_exported_from_battery": 0.0,
        "battery_energy_exported": discharged,
        "battery_energy_imported_from_grid": 0.0,
        "battery_energy_imported_from_solar": charged,
        "battery_energy_imported_from_generator": 0.0,
        "consumer_energy_imported_from_grid": load
        - home_from_solar
        - home_from_battery,
        "consumer_energy_imported_from_solar": home_from_solar,
        "consumer_energy_imported_from_battery": home_from_battery,
        "consumer_energy_imported_from_generator": 0.0,
    }
    totals = {
        "total_home_usage": load,
        "total_battery_charge": charged,
        "total_battery_discharge": discharged,
        "total_solar_generation": solar,
        "total_grid_energy_exported": exported,
    }
    # Tesla sends the total_* fields only when they are not zero.
    values.update({key: value for key, value in totals.items() if value})
    return {key: round(value, 3) for key, value in values.items()}
