"""Made-up but consistent calendar_history days, served like Tesla does."""

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs
from zoneinfo import ZoneInfo

from aioresponses import CallbackResult
from yarl import URL

STEP = timedelta(minutes=5)


def bucket_values(local: datetime, index: int) -> dict[str, float]:
    """Energy of one 5-minute bucket in Wh: solar by day, a steady home load."""
    solar = 0.0 if local.hour < 6 or local.hour >= 19 else 40.0 + index % 9
    home = 30.0 + index % 4
    to_home_from_solar = min(solar, home)
    from_grid = home - to_home_from_solar
    return {
        "solar_energy_exported": solar,
        "generator_energy_exported": 0,
        "grid_energy_imported": from_grid,
        "grid_services_energy_imported": 0,
        "grid_services_energy_exported": 0,
        "grid_energy_exported_from_solar": (solar - to_home_from_solar) / 2,
        "grid_energy_exported_from_generator": 0,
        "grid_energy_exported_from_battery": 0,
        "battery_energy_exported": 0,
        "battery_energy_imported_from_grid": 0,
        "battery_energy_imported_from_solar": (solar - to_home_from_solar) / 2,
        "battery_energy_imported_from_generator": 0,
        "consumer_energy_imported_from_grid": from_grid,
        "consumer_energy_imported_from_solar": to_home_from_solar,
        "consumer_energy_imported_from_battery": 0,
        "consumer_energy_imported_from_generator": 0,
    }


def day_buckets(
    day: date, zone: ZoneInfo, until: datetime | None = None
) -> list[dict[str, Any]]:
    """Buckets of a site-local day (up to `until`), each with its own offset."""
    moment = datetime.combine(day, datetime.min.time(), zone).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), datetime.min.time(), zone)
    end_utc = end.astimezone(UTC)
    if until is not None:
        end_utc = min(end_utc, until)
    buckets = []
    index = 0
    while moment + STEP <= end_utc:
        local = moment.astimezone(zone)
        buckets.append({"timestamp": local.isoformat(), **bucket_values(local, index)})
        moment += STEP
        index += 1
    return buckets


def expected_hours(
    days: list[date], zone: ZoneInfo, key_fn: Callable[[dict[str, Any]], float]
) -> dict[datetime, float]:
    """KWh per UTC hour of the given days, summed from the buckets."""
    hours: dict[datetime, float] = {}
    for day in days:
        for bucket in day_buckets(day, zone):
            hour = datetime.fromisoformat(bucket["timestamp"]).astimezone(UTC)
            hour = hour.replace(minute=0)
            hours[hour] = hours.get(hour, 0.0) + key_fn(bucket) / 1000
    return hours


class TeslaHistory:
    """Answers calendar_history requests like Tesla: one site-local day each."""

    def __init__(self, zone: str, now: Callable[[], datetime]) -> None:
        self.zone = ZoneInfo(zone)
        self.now = now
        self.overrides: dict[date, Any] = {}
        self.requested: list[date] = []

    def __call__(self, url: URL, **_kwargs: Any) -> CallbackResult:
        query = parse_qs(url.query_string)
        end = datetime.fromisoformat(query["end_date"][0])
        day = end.astimezone(ZoneInfo(query["time_zone"][0])).date()
        self.requested.append(day)
        now = self.now()
        if day in self.overrides:
            override = self.overrides[day]
            if isinstance(override, CallbackResult):
                return override
            series = override
        elif day > now.astimezone(self.zone).date():
            series = None
        else:
            series = day_buckets(day, self.zone, until=now) or None
        return CallbackResult(
            payload={
                "response": {
                    "period": "day",
                    "installation_time_zone": self.zone.key,
                    "time_series": series,
                }
            }
        )
