"""Bucket arithmetic of calendar_history, with no Home Assistant involved."""

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
import itertools
import json
import math
from zoneinfo import ZoneInfo

import pytest

from custom_components.tesla_powerwall3.energy.buckets import (
    DAILY,
    HOUR,
    STATISTICS,
    aggregate_hours,
    buckets_outside_day,
    ceil_hour,
    completed_hours,
    count_hours,
    day_totals,
    end_of_local_day,
    floor_hour,
    local_day_window,
    running_sums,
)
from custom_components.tesla_powerwall3.fleet import EnergyBucket, EnergyHistory
from custom_components.tesla_powerwall3.fleet.history import MAX_BUCKET_WH
from tests.common import load_payload


def day_of_buckets(
    day: date, zone: ZoneInfo, skip_night: bool = False
) -> list[EnergyBucket]:
    """Five-minute buckets of a local day, each with its own local offset."""
    start, end = local_day_window(day, zone)
    buckets = []
    moment = start
    index = 0
    while moment < end:
        local = moment.astimezone(zone)
        solar = 0.0 if local.hour < 6 or local.hour >= 19 else 50.0 + index % 7
        if not (skip_night and solar == 0.0 and index % 3):
            buckets.append(
                EnergyBucket(
                    timestamp=local,
                    values={
                        "solar_energy_exported": solar,
                        "grid_energy_imported": 10.0 + index % 5,
                        "battery_energy_exported": 3.5,
                        "battery_energy_imported_from_solar": solar / 2,
                        "consumer_energy_imported_from_grid": 10.0 + index % 5,
                        "consumer_energy_imported_from_solar": solar / 4,
                        "consumer_energy_imported_from_battery": 3.5,
                        "grid_energy_exported_from_solar": solar / 4,
                    },
                )
            )
        moment += timedelta(minutes=5)
        index += 1
    return buckets


def expected_per_utc_hour(
    buckets: list[EnergyBucket], key: str
) -> dict[datetime, float]:
    statistic = next(s for s in STATISTICS if s.key == key)
    hours: dict[datetime, float] = defaultdict(float)
    for bucket in buckets:
        utc = bucket.timestamp.astimezone(UTC)
        hours[utc.replace(minute=0)] += statistic.value(bucket.values) / 1000
    return hours


@pytest.mark.parametrize(
    ("zone", "day", "hours"),
    [
        ("America/Los_Angeles", date(2026, 3, 8), 23),
        ("America/Los_Angeles", date(2026, 11, 1), 25),
        ("Europe/Berlin", date(2026, 3, 29), 23),
        ("Europe/Berlin", date(2026, 10, 25), 25),
        ("Australia/Adelaide", date(2026, 4, 5), 25),  # +10:30 -> +09:30
        ("Australia/Adelaide", date(2026, 6, 1), 24),
        ("Asia/Kathmandu", date(2026, 6, 1), 24),  # +05:45
        ("UTC", date(2026, 6, 1), 24),
    ],
)
def test_hours_equal_the_buckets_inside_each_utc_hour(
    zone: str, day: date, hours: int
) -> None:
    tz = ZoneInfo(zone)
    previous = day_of_buckets(day - timedelta(days=1), tz)
    today = day_of_buckets(day, tz)
    following = day_of_buckets(day + timedelta(days=1), tz)
    start, end = local_day_window(day, tz)
    assert (end - start) == timedelta(hours=hours)

    # Merged with the neighbouring days, every UTC hour of the day is whole.
    hourly = aggregate_hours([*previous, *today, *following, *today], start, end)
    assert hourly is not None
    whole = [h for h in hourly.hours() if start <= h and h + timedelta(hours=1) <= end]
    for key in ("grid_import", "solar_production", "home_consumption"):
        expected = expected_per_utc_hour([*previous, *today, *following], key)
        for hour in whole:
            assert hourly.wh(hour, key) / 1000 == pytest.approx(
                expected[hour], abs=1e-3
            )
    # A day alone covers only its whole UTC hours: a :30 or :45 zone loses the
    # hours it shares with the neighbouring days.
    alone = aggregate_hours(today, start, end)
    assert alone is not None
    shared = 0 if start.minute == 0 else 1
    assert len(alone.hours()) == hours - shared


def test_missing_night_buckets_are_zero_hours() -> None:
    tz = ZoneInfo("Australia/Brisbane")
    day = date(2026, 6, 1)
    buckets = day_of_buckets(day, tz, skip_night=True)
    start, end = local_day_window(day, tz)
    hourly = aggregate_hours(buckets, start, end)
    assert hourly is not None
    assert len(hourly.hours()) == 24
    rows = running_sums(hourly, "solar_production", anchor=0.0)
    assert [row.state for row in rows[:6]] == [0.0] * 6
    assert rows[-1].sum == pytest.approx(
        sum(b.values["solar_energy_exported"] for b in buckets) / 1000, abs=1e-6
    )


def test_running_sums_continue_the_anchor() -> None:
    tz = ZoneInfo("UTC")
    buckets = day_of_buckets(date(2026, 6, 1), tz)
    start, end = local_day_window(date(2026, 6, 1), tz)
    hourly = aggregate_hours(buckets, start, end)
    assert hourly is not None
    rows = running_sums(hourly, "grid_import", anchor=100.0)
    assert rows[0].start == start
    assert rows[0].sum == pytest.approx(100.0 + rows[0].state)
    assert all(
        b.sum - a.sum == pytest.approx(b.state) for a, b in itertools.pairwise(rows)
    )
    assert all(row.state >= 0 for row in rows)


def test_only_whole_hours_up_to_the_covered_end() -> None:
    tz = ZoneInfo("UTC")
    buckets = day_of_buckets(date(2026, 6, 1), tz)
    start, _ = local_day_window(date(2026, 6, 1), tz)
    hourly = aggregate_hours(buckets, start, start + timedelta(hours=5, minutes=40))
    assert hourly is not None
    assert hourly.last_hour == start + timedelta(hours=4)
    assert aggregate_hours(buckets, start, start + timedelta(minutes=55)) is None


def test_negative_values_are_clamped() -> None:
    bucket = EnergyBucket(
        timestamp=datetime(2026, 6, 1, tzinfo=UTC),
        values={"grid_energy_imported": -12.0, "total_home_usage": -3.0},
    )
    assert all(statistic.value(bucket.values) == 0.0 for statistic in STATISTICS)


def test_totals_preferred_then_derived_from_components() -> None:
    sample = load_payload("calendar_history_energy_bolt_sdk_sample")
    history = EnergyHistory.from_dict(sample["response"])
    assert history.time_series is not None
    totals = day_totals(history.time_series)
    assert totals == {
        "grid_import": 521,
        "grid_export": 43679,
        "solar_production": 70940,
        "battery_charge": 16880,
        "battery_discharge": 10030,
        "home_consumption": 20932,
        "generator_production": 0,
        "home_from_grid": 441,
        "home_from_solar": 10480,
        "home_from_battery": 10011,
    }
    with_totals = EnergyBucket(
        timestamp=datetime(2026, 6, 1, tzinfo=UTC),
        values={"total_home_usage": 5.0, "consumer_energy_imported_from_grid": 9.0},
    )
    assert day_totals([with_totals])["home_consumption"] == 5.0


def test_empty_day_is_zero() -> None:
    assert day_totals([]) == dict.fromkeys((s.key for s in DAILY), 0.0)


def test_wrong_day_detected_and_end_date() -> None:
    tz = ZoneInfo("America/Los_Angeles")
    buckets = day_of_buckets(date(2026, 6, 2), tz)
    assert len(buckets_outside_day(buckets, date(2026, 6, 1), tz)) == len(buckets)
    assert buckets_outside_day(buckets, date(2026, 6, 2), tz) == []
    assert end_of_local_day(date(2026, 11, 1), tz).isoformat() == (
        "2026-11-01T23:59:59-08:00"
    )


def test_completed_hours_of_today_end_at_the_last_bucket() -> None:
    tz = ZoneInfo("UTC")
    day = date(2026, 6, 1)
    start, _ = local_day_window(day, tz)
    now = start + timedelta(hours=5, minutes=40)
    buckets = [b for b in day_of_buckets(day, tz) if b.timestamp < now]
    hourly = completed_hours(day, tz, buckets, previous=[], since=start, now=now)
    assert hourly is not None
    assert (hourly.first_hour, hourly.last_hour) == (start, start + 4 * HOUR)
    # Until Tesla has the hour's last bucket, the hour is not complete.
    late = [b for b in buckets if b.timestamp < start + timedelta(hours=4, minutes=50)]
    hourly = completed_hours(day, tz, late, previous=[], since=start, now=now)
    assert hourly is not None
    assert hourly.last_hour == start + 3 * HOUR
    # Hours already added are not returned again.
    assert (
        completed_hours(day, tz, buckets, previous=[], since=start + 5 * HOUR, now=now)
        is None
    )


def test_completed_hours_take_midnight_from_the_day_before() -> None:
    tz = ZoneInfo("Asia/Kathmandu")  # +05:45: local midnight is 18:15 UTC
    day = date(2026, 6, 1)
    before = day_of_buckets(day - timedelta(days=1), tz)
    buckets = day_of_buckets(day, tz)
    start, end = local_day_window(day, tz)
    later = end + timedelta(days=1)
    alone = completed_hours(day, tz, buckets, previous=[], since=start, now=later)
    joined = completed_hours(
        day, tz, buckets, previous=before, since=start - HOUR, now=later
    )
    assert alone is not None
    assert joined is not None
    assert alone.first_hour == ceil_hour(start) == start + timedelta(minutes=45)
    assert joined.first_hour == floor_hour(start)
    assert count_hours(joined.first_hour, joined.last_hour) == 24
    expected = expected_per_utc_hour([*before, *buckets], "grid_import")
    assert joined.wh(floor_hour(start), "grid_import") / 1000 == pytest.approx(
        expected[floor_hour(start)], abs=1e-6
    )


HOSTILE: list[object] = [
    None,
    True,
    "12.5",
    [],
    {},
    math.nan,
    math.inf,
    -math.inf,
    1e308,
    -1e308,
    10**400,
    -(10**400),
    MAX_BUCKET_WH * 1.01,
    2**63,
]
"""JSON values that are not an energy in Wh, or not a plausible one."""


def test_buckets_that_are_not_numbers_count_as_absent() -> None:
    """NaN, ±inf, 1e308 and 10**400 (JSON 1e400 parses to inf) drop the bucket."""
    body = json.dumps(
        {
            "time_series": [
                {"timestamp": "2026-06-01T00:00:00-07:00", "grid_energy_imported": 40},
                {"timestamp": "2026-06-01T00:05:00-07:00", "grid_energy_imported": "@"},
                {"timestamp": "2026-06-01T00:10:00-07:00", "grid_energy_imported": 1},
            ]
        }
    )
    for literal in ("NaN", "Infinity", "-Infinity", "1e400", "1e308", "1" + "0" * 400):
        history = EnergyHistory.from_dict(json.loads(body.replace('"@"', literal)))
        assert history.time_series is not None
        assert [b.values["grid_energy_imported"] for b in history.time_series] == [
            40.0,
            1.0,
        ], literal
        assert history.rejected == (datetime.fromisoformat("2026-06-01T00:05-07:00"),)


@pytest.mark.parametrize("value", HOSTILE)
@pytest.mark.parametrize(
    "field",
    ["timestamp", "grid_energy_imported", "total_home_usage", "solar_energy_exported"],
)
def test_any_value_in_any_bucket_field_never_raises(field: str, value: object) -> None:
    """A bucket yields only finite, plausible numbers, whatever a field holds."""
    good = {
        "timestamp": "2026-06-01T00:00:00-07:00",
        "grid_energy_imported": 40,
        "total_home_usage": 30.5,
        "solar_energy_exported": 0,
    }
    later = {**good, "timestamp": "2026-06-01T00:05:00-07:00"}
    history = EnergyHistory.from_dict(
        {
            "time_series": [{**good, field: value}, later, value],
            "period": value,
            "installation_time_zone": value,
        }
    )
    assert history.time_series is not None
    for bucket in history.time_series:
        for number in bucket.values.values():
            assert math.isfinite(number)
            assert abs(number) <= MAX_BUCKET_WH
    totals = day_totals(history.time_series)
    assert all(math.isfinite(total) for total in totals.values())
    assert totals["grid_import"] in {40.0, 80.0}


@pytest.mark.parametrize(
    "timestamp", ["9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+05:00", "junk"]
)
def test_a_bucket_whose_time_has_no_utc_instant_is_skipped(timestamp: str) -> None:
    history = EnergyHistory.from_dict(
        {"time_series": [{"timestamp": timestamp, "grid_energy_imported": 1}]}
    )
    assert history.time_series == ()


def test_a_bucket_made_by_hand_with_a_non_finite_value_adds_nothing() -> None:
    """The arithmetic never turns a non-finite value into an hour or a total."""
    start = datetime(2026, 6, 1, tzinfo=UTC)
    buckets = [
        EnergyBucket(timestamp=start, values={"grid_energy_imported": math.nan}),
        EnergyBucket(
            timestamp=start + timedelta(minutes=5),
            values={"grid_energy_imported": math.inf, "total_home_usage": -math.inf},
        ),
        EnergyBucket(
            timestamp=start + timedelta(minutes=10),
            values={"grid_energy_imported": 7.0},
        ),
    ]
    hourly = aggregate_hours(buckets, start, start + HOUR)
    assert hourly is not None
    rows = running_sums(hourly, "grid_import", 0.0)
    assert [(row.state, row.sum) for row in rows] == [(0.007, 0.007)]
    totals = day_totals(buckets)
    assert totals["grid_import"] == 7.0
    assert totals["home_consumption"] == 0.0
