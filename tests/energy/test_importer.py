"""Hourly statistics in a real recorder: first import, overlap, gaps, pauses."""

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
import json
import math
from typing import Any
from zoneinfo import ZoneInfo

from aioresponses import CallbackResult, aioresponses
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.recorder.core import Recorder
from homeassistant.components.recorder.statistics import (
    list_statistic_ids,
    statistics_during_period,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.recorder import get_instance
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
    do_adhoc_statistics,
)
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from custom_components.tesla_powerwall3.const import DOMAIN
from custom_components.tesla_powerwall3.energy.buckets import STATISTICS
from tests.common import state_of
from tests.energy.common import (
    LA,
    NOW,
    assert_chain,
    grid,
    read_rows,
    settle,
    start_site,
    stat,
)
from tests.energy.tesla_days import TeslaHistory, day_buckets, expected_hours

pytestmark = pytest.mark.usefixtures("setup_credentials")


@pytest.fixture
async def mock_recorder_before_hass(async_test_recorder: Any) -> None:
    """Set up the recorder's database before Home Assistant."""


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(
    recorder_mock: Recorder, enable_custom_integrations: None
) -> None:
    """The recorder has to come before the custom integrations."""


async def sync_again(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Sync at once, as a reload in the same hour would (no time passes)."""
    await entry.runtime_data.sites[1234].energy.async_refresh()
    await settle(hass)


async def next_sync(hass: HomeAssistant) -> None:
    """Let the sync that the clock has reached run (after freezer.tick)."""
    async_fire_time_changed(hass)
    await settle(hass)


async def test_first_import_repeat_and_gap(
    hass: HomeAssistant,
    aioresponses_mock: aioresponses,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    freezer.move_to(NOW)
    tesla = await start_site(hass, aioresponses_mock, config_entry)
    assert tesla.requested == [date(2026, 6, 8), date(2026, 6, 9), date(2026, 6, 10)]

    rows = await read_rows(hass, "grid_import")
    # From local midnight of June 8 (07:00 UTC) to the last whole hour, 12:00.
    assert rows[0][0] == datetime(2026, 6, 8, 7, tzinfo=UTC)
    assert rows[-1][0] == datetime(2026, 6, 10, 18, tzinfo=UTC)
    assert len(rows) == 24 + 24 + 12
    assert_chain(rows)
    zone = ZoneInfo(LA)
    days = [date(2026, 6, 8), date(2026, 6, 9), date(2026, 6, 10)]
    expected = expected_hours(days, zone, grid)
    for start, state, _ in rows:
        assert state == pytest.approx(expected[start], abs=1e-3)
    for key in (
        "grid_export",
        "solar_production",
        "battery_charge",
        "home_consumption",
    ):
        assert_chain(await read_rows(hass, key))
    # No generator at this site: no generator statistic.
    assert await read_rows(hass, "generator_production") == []

    # A second sync in the same hour changes nothing.
    await sync_again(hass, config_entry)
    assert await read_rows(hass, "grid_import") == rows
    assert tesla.requested[-1] == date(2026, 6, 10)

    # Home Assistant is down for three days: the next run fills the gap.
    assert await hass.config_entries.async_unload(config_entry.entry_id)
    freezer.move_to(NOW + timedelta(days=3))
    tesla.requested.clear()
    await hass.config_entries.async_setup(config_entry.entry_id)
    await settle(hass)
    assert tesla.requested == [date(2026, 6, d) for d in (10, 11, 12, 13)]
    filled = await read_rows(hass, "grid_import")
    assert filled[: len(rows)] == rows
    assert filled[-1][0] == datetime(2026, 6, 13, 18, tzinfo=UTC)
    assert_chain(filled)
    days = [date(2026, 6, d) for d in range(8, 14)]
    expected = expected_hours(days, zone, grid)
    for start, state, _ in filled:
        assert state == pytest.approx(expected[start], abs=1e-3)


async def test_corrected_hour_and_new_hours(
    hass: HomeAssistant,
    aioresponses_mock: aioresponses,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    freezer.move_to(NOW)
    tesla = await start_site(hass, aioresponses_mock, config_entry, backfill_days=0)
    before = await read_rows(hass, "grid_import")
    assert len(before) == 12

    # Tesla corrects 11:00-12:00 local (18:00 UTC) and an hour passes.
    freezer.tick(timedelta(hours=1))
    corrected = [
        {**bucket, "grid_energy_imported": 100.0}
        if bucket["timestamp"].startswith("2026-06-10T11:")
        else bucket
        for bucket in _today_buckets(tesla)
    ]
    tesla.overrides[date(2026, 6, 10)] = corrected
    await next_sync(hass)
    after = await read_rows(hass, "grid_import")
    assert len(after) == 13
    assert after[:11] == before[:11]
    assert after[11][1] == pytest.approx(1.2)  # 12 buckets of 100 Wh
    assert_chain(after)


def _today_buckets(tesla: TeslaHistory) -> list[dict[str, Any]]:
    return day_buckets(date(2026, 6, 10), tesla.zone, until=tesla.now())


@pytest.mark.parametrize(
    ("zone", "day", "hours"),
    [
        ("America/Los_Angeles", date(2026, 3, 8), 23),
        ("America/Los_Angeles", date(2026, 11, 1), 25),
        ("Europe/Berlin", date(2026, 3, 29), 23),
        ("Europe/Berlin", date(2026, 10, 25), 25),
        ("Australia/Adelaide", date(2026, 4, 5), 25),
        ("Asia/Kathmandu", date(2026, 6, 1), 24),
    ],
)
async def test_dst_and_odd_zones_match_the_buckets(
    hass: HomeAssistant,
    aioresponses_mock: aioresponses,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    zone: str,
    day: date,
    hours: int,
) -> None:
    """Hourly values equal the 5-minute buckets inside each UTC hour."""
    freezer.move_to(datetime.combine(day + timedelta(days=3), datetime.min.time(), UTC))
    await start_site(hass, aioresponses_mock, config_entry, zone=zone, backfill_days=0)
    response = await hass.services.async_call(
        DOMAIN,
        "import_history",
        {
            "config_entry_id": config_entry.entry_id,
            "start_date": str(day - timedelta(days=1)),
            "end_date": str(day + timedelta(days=1)),
        },
        blocking=True,
        return_response=True,
    )
    assert response is not None
    assert response["requests"] == 3
    rows = await read_rows(hass, "home_consumption")
    tz = ZoneInfo(zone)
    start = datetime.combine(day, datetime.min.time(), tz).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), datetime.min.time(), tz)
    in_day = [r for r in rows if start <= r[0] and r[0] + timedelta(hours=1) <= end]
    assert len(in_day) == hours - (0 if start.minute == 0 else 1)
    expected = expected_hours(
        [day - timedelta(days=1), day, day + timedelta(days=1)],
        tz,
        lambda b: (
            float(b["consumer_energy_imported_from_grid"])
            + float(b["consumer_energy_imported_from_solar"])
        ),
    )
    for hour, state, _ in in_day:
        assert state == pytest.approx(expected[hour], abs=1e-3)


async def test_empty_days_night_gaps_negative_and_wrong_date(
    hass: HomeAssistant,
    aioresponses_mock: aioresponses,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    freezer.move_to(NOW)
    zone = ZoneInfo(LA)
    tesla = TeslaHistory(LA, dt_util.utcnow)
    june7 = [b for b in _day(date(2026, 6, 7), zone) if not _night(b)]  # night omitted
    june7[40] = {**june7[40], "grid_energy_imported": -50.0}
    tesla.overrides[date(2026, 6, 6)] = None  # an empty day
    tesla.overrides[date(2026, 6, 7)] = june7
    tesla.overrides[date(2026, 6, 8)] = _day(date(2026, 6, 9), zone)  # wrong day
    await start_site(
        hass, aioresponses_mock, config_entry, backfill_days=4, tesla=tesla
    )
    rows = await read_rows(hass, "grid_import")
    # June 6 is all zero hours, June 7 has zero night hours; the import stops
    # at the wrong day, so nothing after June 7 is written yet.
    assert rows[0][0] == datetime(2026, 6, 6, 7, tzinfo=UTC)
    assert rows[-1][0] == datetime(2026, 6, 8, 6, tzinfo=UTC)
    assert [state for _, state, _ in rows[:24]] == [0.0] * 24
    assert_chain(rows)
    assert all(state >= 0 for _, state, _ in rows)
    # Two of five days done when Tesla answered for the wrong day.
    assert state_of(hass, "sensor.my_home_energy_history_import") == "40"

    # Tesla fixes its answer: the next sync, an hour later, continues from
    # June 8 up to the hour that has just ended.
    del tesla.overrides[date(2026, 6, 8)]
    freezer.tick(timedelta(hours=1))
    await next_sync(hass)
    rows = await read_rows(hass, "grid_import")
    assert rows[-1][0] == datetime(2026, 6, 10, 19, tzinfo=UTC)
    assert_chain(rows)


async def test_rate_limit_and_restart_in_the_middle_of_a_backfill(
    hass: HomeAssistant,
    aioresponses_mock: aioresponses,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    freezer.move_to(NOW)
    tesla = TeslaHistory(LA, dt_util.utcnow)
    tesla.overrides[date(2026, 6, 7)] = CallbackResult(
        status=429, headers={"Retry-After": "600"}, body="Retry in 600 seconds"
    )
    await start_site(
        hass, aioresponses_mock, config_entry, backfill_days=5, tesla=tesla
    )
    rows = await read_rows(hass, "grid_import")
    assert rows[-1][0] == datetime(2026, 6, 7, 6, tzinfo=UTC)  # June 5 and 6
    assert_chain(rows)
    assert tesla.requested == [date(2026, 6, 5), date(2026, 6, 6), date(2026, 6, 7)]

    # Restarted before Retry-After: nothing is asked of Tesla.
    assert await hass.config_entries.async_unload(config_entry.entry_id)
    del tesla.overrides[date(2026, 6, 7)]
    tesla.requested.clear()
    await hass.config_entries.async_setup(config_entry.entry_id)
    await settle(hass)
    assert tesla.requested == []

    # Once it has passed, setup is retried and the import continues where it
    # stopped.
    freezer.tick(timedelta(minutes=11))
    await next_sync(hass)
    assert tesla.requested[0] == date(2026, 6, 6)
    rows = await read_rows(hass, "grid_import")
    assert rows[-1][0] == datetime(2026, 6, 10, 18, tzinfo=UTC)
    assert_chain(rows)


async def test_a_paused_backfill_resumes_as_soon_as_tesla_allows(
    hass: HomeAssistant,
    aioresponses_mock: aioresponses,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    freezer.move_to(NOW)
    tesla = TeslaHistory(LA, dt_util.utcnow)
    tesla.overrides[date(2026, 6, 7)] = CallbackResult(
        status=429, headers={"Retry-After": "600"}, body="Retry in 600 seconds"
    )
    await start_site(
        hass, aioresponses_mock, config_entry, backfill_days=5, tesla=tesla
    )
    del tesla.overrides[date(2026, 6, 7)]
    tesla.requested.clear()

    # Not yet: Tesla asked for 10 minutes, and a sync in between (a reload
    # of the options, say) asks nothing either.
    freezer.tick(timedelta(minutes=9))
    await next_sync(hass)
    await sync_again(hass, config_entry)
    assert tesla.requested == []

    # Then at once, not at the next hourly sync.
    freezer.tick(timedelta(minutes=2))
    await next_sync(hass)
    assert tesla.requested[0] == date(2026, 6, 6)
    rows = await read_rows(hass, "grid_import")
    assert rows[-1][0] == datetime(2026, 6, 10, 18, tzinfo=UTC)
    assert_chain(rows)


async def test_energy_dashboard_validates(
    hass: HomeAssistant,
    aioresponses_mock: aioresponses,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    hass_ws_client: WebSocketGenerator,
) -> None:
    assert await async_setup_component(hass, "energy", {})
    # Connected before the clock moves: its access token is issued now.
    client = await hass_ws_client(hass)
    freezer.move_to(NOW)
    await start_site(hass, aioresponses_mock, config_entry, backfill_days=0)
    # Let the recorder compile the power sensors' statistics, as it does every
    # 5 minutes.
    do_adhoc_statistics(hass, start=NOW)
    await async_wait_recording_done(hass)
    preferences: Any = {
        "energy_sources": [
            {
                "type": "grid",
                "stat_energy_from": stat("grid_import"),
                "stat_energy_to": stat("grid_export"),
                "stat_cost": None,
                "stat_compensation": None,
                "entity_energy_price": None,
                "number_energy_price": None,
                "entity_energy_price_export": None,
                "number_energy_price_export": None,
                "stat_rate": "sensor.my_home_grid_power",
                "cost_adjustment_day": 0.0,
            },
            {
                "type": "solar",
                "stat_energy_from": stat("solar_production"),
                "stat_rate": "sensor.my_home_solar_power",
            },
            {
                "type": "battery",
                "stat_energy_from": stat("battery_discharge"),
                "stat_energy_to": stat("battery_charge"),
                "stat_rate": "sensor.my_home_battery_power",
                # The power view shows the charge too (README: step 3).
                "stat_soc": "sensor.my_home_battery_charge",
                "capacity": 13.5,
            },
        ],
        "device_consumption": [],
    }
    # Saved and checked as the Energy settings page does it.
    await client.send_json_auto_id({"type": "energy/save_prefs", **preferences})
    saved = await client.receive_json()
    assert saved["success"], saved
    battery = saved["result"]["energy_sources"][2]
    assert battery["stat_soc"] == "sensor.my_home_battery_charge"
    await client.send_json_auto_id({"type": "energy/validate"})
    validated = await client.receive_json()
    assert validated["success"], validated
    flat = [i for group in validated["result"]["energy_sources"] for i in group]
    assert flat == [], flat
    metadata = await get_instance(hass).async_add_executor_job(
        list_statistic_ids, hass, {stat("grid_import")}
    )
    assert metadata[0]["name"] == "My Home grid import"
    assert metadata[0]["unit_class"] == "energy"


def _day(day: date, zone: ZoneInfo) -> list[dict[str, Any]]:
    return day_buckets(day, zone)


def _night(bucket: dict[str, Any]) -> bool:
    return not bucket["solar_energy_exported"]


POISONS = {
    "grid_energy_imported": "NaN",
    "solar_energy_exported": "Infinity",
    "consumer_energy_imported_from_grid": "-Infinity",
    "battery_energy_imported_from_solar": "1e400",  # parses to inf
    "grid_energy_exported_from_solar": "1e308",
    "battery_energy_exported": "1" + "0" * 400,  # no float holds it
}
"""One field of one bucket each: values Tesla's JSON can carry, none an energy."""


async def test_buckets_that_are_not_numbers_never_reach_a_sum(
    hass: HomeAssistant,
    aioresponses_mock: aioresponses,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    freezer.move_to(NOW)
    zone = ZoneInfo(LA)
    tesla = TeslaHistory(LA, dt_util.utcnow)
    june9 = _day(date(2026, 6, 9), zone)
    served = []  # what Tesla sends, with a placeholder where a poison goes
    poisoned = {15 + 30 * n: field for n, field in enumerate(POISONS)}  # 6 hours
    for index, bucket in enumerate(june9):
        field = poisoned.get(index)
        served.append({**bucket, field: f"@{field}@"} if field else bucket)
    body = json.dumps({"response": {"time_series": served}})
    for field, literal in POISONS.items():
        body = body.replace(f'"@{field}@"', literal)
    tesla.overrides[date(2026, 6, 9)] = CallbackResult(body=body)
    await start_site(
        hass, aioresponses_mock, config_entry, backfill_days=1, tesla=tesla
    )

    # The buckets with a poison count as absent: every hour adds up the rest.
    valid = [
        bucket for bucket in served if all(v != f"@{k}@" for k, v in bucket.items())
    ]
    assert len(valid) == len(served) - len(POISONS)
    today = _today_buckets(tesla)
    for statistic in STATISTICS:
        if statistic.key == "generator_production":
            continue
        raw = await _raw_sums(hass, statistic.key)
        assert raw, statistic.key
        assert all(isinstance(s, float) and math.isfinite(s) for s in raw), raw
        rows = await read_rows(hass, statistic.key)
        assert_chain(rows)
        expected = _hourly(valid + today, statistic.value)
        for start, state, _ in rows:
            assert state == pytest.approx(expected.get(start, 0.0), abs=1e-3)
        total = sum(kwh for hour, kwh in expected.items() if hour <= rows[-1][0])
        assert rows[-1][2] == pytest.approx(total, abs=1e-3)
    warnings = [r for r in caplog.records if "not plausible" in r.getMessage()]
    assert len(warnings) == 1
    assert "6 buckets" in warnings[0].getMessage()

    # Imported again, the same answer is not logged again.
    await hass.services.async_call(
        DOMAIN,
        "import_history",
        {"config_entry_id": config_entry.entry_id, "start_date": "2026-06-09"},
        blocking=True,
    )
    await settle(hass)
    warnings = [r for r in caplog.records if "not plausible" in r.getMessage()]
    assert len(warnings) == 1


async def _raw_sums(hass: HomeAssistant, key: str) -> list[Any]:
    """Every stored sum of a statistic as the database returns it (None if NULL)."""
    result = await get_instance(hass).async_add_executor_job(
        statistics_during_period,
        hass,
        datetime(2000, 1, 1, tzinfo=UTC),
        None,
        {stat(key)},
        "hour",
        None,
        {"sum"},
    )
    return [row["sum"] for row in result.get(stat(key), [])]


def _hourly(
    buckets: list[dict[str, Any]], value: Callable[[dict[str, float]], float]
) -> dict[datetime, float]:
    """KWh per UTC hour of a statistic, summed from buckets as Tesla sends them."""
    hours: dict[datetime, float] = {}
    for bucket in buckets:
        moment = datetime.fromisoformat(bucket["timestamp"]).astimezone(UTC)
        hour = moment.replace(minute=0)
        numbers = {k: float(v) for k, v in bucket.items() if k != "timestamp"}
        hours[hour] = hours.get(hour, 0.0) + value(numbers) / 1000
    return hours
