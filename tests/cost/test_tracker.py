"""Request counters and the rate limit, across restarts and months."""

from datetime import UTC, datetime, timedelta
from typing import Any

from aioresponses import aioresponses
from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from tests.common import (
    NA_URL,
    load_payload,
    mock_site,
    next_poll,
    requests_to,
    setup_entry,
    site_url,
    state_of,
)

pytestmark = pytest.mark.usefixtures("setup_credentials")

REQUESTS = "sensor.tesla_fleet_api_requests_this_month"
PROJECTED = "sensor.tesla_fleet_api_projected_requests_this_month"
COST = "sensor.tesla_fleet_api_projected_cost_this_month"


def stored(hass_storage: dict[str, Any], entry: MockConfigEntry) -> dict[str, Any]:
    data: dict[str, Any] = hass_storage[f"tesla_powerwall3.{entry.unique_id}.usage"][
        "data"
    ]
    return data


@pytest.mark.freeze_time("2026-11-30 23:00:00+00:00")
async def test_counts_persist_and_reset_on_the_first(
    hass: HomeAssistant,
    aioresponses_mock: aioresponses,
    config_entry: MockConfigEntry,
    hass_storage: dict[str, Any],
    freezer: FrozenDateTimeFactory,
) -> None:
    config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(config_entry, options={"backfill_days": 0})
    hass_storage[f"tesla_powerwall3.{config_entry.unique_id}.usage"] = {
        "version": 1,
        "key": f"tesla_powerwall3.{config_entry.unique_id}.usage",
        "data": {
            "month": "2026-11",
            "sent": {"live_status": 4000},
            "billable": {"live_status": 4000},
            "blocked_until": None,
        },
    }
    mock_site(aioresponses_mock)
    await setup_entry(hass, config_entry)
    assert state_of(hass, REQUESTS) == "4004"
    attributes = hass.states.get(REQUESTS).attributes  # type: ignore[union-attr]
    assert attributes["live_status"] == 4001
    assert attributes["products"] == 1
    assert attributes["calendar_history"] == 1
    assert int(state_of(hass, PROJECTED)) <= 5000
    assert state_of(hass, COST) == "0.0"

    # A manual refresh (homeassistant.update_entity) is counted too.
    aioresponses_mock.get(
        site_url(1234, "live_status"),
        payload=load_payload("live_status_real_2023-11-06_exporting"),
    )
    await config_entry.runtime_data.sites[1234].live.async_refresh()
    await hass.async_block_till_done()
    assert state_of(hass, REQUESTS) == "4005"

    assert await hass.config_entries.async_unload(config_entry.entry_id)
    assert stored(hass_storage, config_entry)["billable"]["live_status"] == 4002

    # Past midnight UTC on the 1st, the month starts from zero.
    freezer.move_to(datetime(2026, 12, 1, 0, 30, tzinfo=UTC))
    mock_site(aioresponses_mock)
    await setup_entry(hass, config_entry)
    assert state_of(hass, REQUESTS) == "4"
    assert stored(hass_storage, config_entry)["month"] == "2026-11"  # not saved yet
    freezer.tick(timedelta(minutes=1))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert stored(hass_storage, config_entry)["month"] == "2026-12"


async def test_month_rolls_over_while_running(
    hass: HomeAssistant,
    aioresponses_mock: aioresponses,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    freezer.move_to(datetime(2026, 11, 30, 23, 30, tzinfo=UTC))
    mock_site(aioresponses_mock)
    config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(config_entry, options={"backfill_days": 0})
    await setup_entry(hass, config_entry)
    assert state_of(hass, REQUESTS) == "4"
    freezer.move_to(datetime(2026, 12, 1, 0, 31, tzinfo=UTC))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert int(state_of(hass, REQUESTS)) <= 2  # only December's requests


async def test_rate_limit_survives_a_restart(
    hass: HomeAssistant,
    aioresponses_mock: aioresponses,
    config_entry: MockConfigEntry,
    hass_storage: dict[str, Any],
    freezer: FrozenDateTimeFactory,
) -> None:
    mock_site(aioresponses_mock)
    await setup_entry(hass, config_entry)
    aioresponses_mock.get(
        site_url(1234, "live_status"), status=429, headers={"Retry-After": "7200"}
    )
    await next_poll(hass, config_entry, freezer)
    assert await hass.config_entries.async_unload(config_entry.entry_id)
    assert stored(hass_storage, config_entry)["blocked_until"] is not None

    # Restarting within the two hours sends nothing to Tesla.
    before = requests_to(aioresponses_mock, "/api/1/")
    await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert config_entry.state is ConfigEntryState.SETUP_RETRY
    assert requests_to(aioresponses_mock, "/api/1/") == before

    # Once Retry-After has passed, setup goes through.
    freezer.tick(timedelta(hours=2, minutes=1))
    mock_site(aioresponses_mock)
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert config_entry.state is ConfigEntryState.LOADED
    assert requests_to(aioresponses_mock, f"{NA_URL}/api/1/products") == 2


def store_blocked_until(
    hass_storage: dict[str, Any], entry: MockConfigEntry, blocked_until: object
) -> None:
    key = f"tesla_powerwall3.{entry.unique_id}.usage"
    hass_storage[key] = {
        "version": 1,
        "key": key,
        "data": {
            "month": "2026-11",
            "sent": {},
            "billable": {},
            "blocked_until": blocked_until,
        },
    }


def same_account(entry: MockConfigEntry) -> MockConfigEntry:
    """A new entry of the same Tesla account, as after removing and adding it."""
    return MockConfigEntry(
        domain=entry.domain,
        title=entry.title,
        unique_id=entry.unique_id,
        version=entry.version,
        data=dict(entry.data),
    )


@pytest.mark.freeze_time("2026-11-15 12:00:00+00:00")
@pytest.mark.parametrize(
    "blocked_until",
    [
        datetime(2026, 12, 25, 12, tzinfo=UTC).timestamp(),  # 40 days ahead
        1e300,
        "Infinity",
    ],
)
async def test_a_stored_wait_past_a_day_is_dropped_on_load(
    hass: HomeAssistant,
    aioresponses_mock: aioresponses,
    config_entry: MockConfigEntry,
    hass_storage: dict[str, Any],
    blocked_until: object,
) -> None:
    store_blocked_until(hass_storage, config_entry, blocked_until)
    mock_site(aioresponses_mock)
    await setup_entry(hass, config_entry)
    assert config_entry.state is ConfigEntryState.LOADED
    assert requests_to(aioresponses_mock, f"{NA_URL}/api/1/products") == 1
    assert config_entry.runtime_data.client.gate.blocked_until is None
    assert await hass.config_entries.async_unload(config_entry.entry_id)
    assert stored(hass_storage, config_entry)["blocked_until"] is None

    # Removing the entry and adding the account again works just as well.
    store_blocked_until(hass_storage, config_entry, blocked_until)
    assert await hass.config_entries.async_remove(config_entry.entry_id)
    again = same_account(config_entry)
    mock_site(aioresponses_mock)
    await setup_entry(hass, again)
    assert again.state is ConfigEntryState.LOADED
    assert requests_to(aioresponses_mock, f"{NA_URL}/api/1/products") == 2


@pytest.mark.freeze_time("2026-11-15 12:00:00+00:00")
async def test_a_huge_retry_after_blocks_a_day_at_most(
    hass: HomeAssistant,
    aioresponses_mock: aioresponses,
    config_entry: MockConfigEntry,
    hass_storage: dict[str, Any],
    freezer: FrozenDateTimeFactory,
) -> None:
    mock_site(aioresponses_mock)
    await setup_entry(hass, config_entry)
    aioresponses_mock.get(
        site_url(1234, "live_status"), status=429, headers={"Retry-After": "1e12"}
    )
    await config_entry.runtime_data.sites[1234].live.async_refresh()
    assert await hass.config_entries.async_unload(config_entry.entry_id)
    blocked_until = stored(hass_storage, config_entry)["blocked_until"]
    assert blocked_until == datetime(2026, 11, 16, 12, tzinfo=UTC).timestamp()

    # Removed and added again a day later, the account is served at once.
    assert await hass.config_entries.async_remove(config_entry.entry_id)
    freezer.tick(timedelta(days=1, seconds=1))
    again = same_account(config_entry)
    mock_site(aioresponses_mock)
    await setup_entry(hass, again)
    assert again.state is ConfigEntryState.LOADED
    assert requests_to(aioresponses_mock, f"{NA_URL}/api/1/products") == 2
