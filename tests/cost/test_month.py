"""A whole month of polling at the default options stays within the budget."""

from datetime import UTC, datetime, timedelta

from aioresponses import aioresponses
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.tesla_powerwall3.cost.plan import DEFAULT_BUDGET
from tests.common import NA_URL, load_payload, mock_history, setup_entry, site_url

pytestmark = pytest.mark.usefixtures("setup_credentials")


async def run_until(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, end: datetime
) -> int:
    """Jump from timer to timer until end; returns the number of jumps."""
    jumps = 0
    while dt_util.utcnow() < end:
        handles = [h for h in hass.loop._scheduled if not h.cancelled()]  # type: ignore[attr-defined]
        due = min((h.when() for h in handles), default=hass.loop.time() + 3600)
        step = min(
            max(due - hass.loop.time(), 0.001), (end - dt_util.utcnow()).total_seconds()
        )
        freezer.tick(timedelta(seconds=step + 0.001))
        async_fire_time_changed(hass)
        await hass.async_block_till_done()
        jumps += 1
    return jumps


async def test_default_budget_over_a_30_day_month(
    hass: HomeAssistant,
    aioresponses_mock: aioresponses,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    start = datetime(2026, 11, 1, tzinfo=UTC)
    freezer.move_to(start)
    aioresponses_mock.get(
        f"{NA_URL}/api/1/products",
        payload=load_payload("products_real_2024-04-12"),
        repeat=True,
    )
    aioresponses_mock.get(
        site_url(1234, "site_info"),
        payload=load_payload("site_info_bolt_sdk_sample"),
        repeat=True,
    )
    aioresponses_mock.get(
        site_url(1234, "live_status"),
        payload=load_payload("live_status_real_2023-11-06_exporting"),
        repeat=True,
    )
    mock_history(aioresponses_mock)
    await setup_entry(hass, config_entry)

    await run_until(hass, freezer, start + timedelta(days=30) - timedelta(seconds=1))

    cost = config_entry.runtime_data.cost
    assert cost.total_billable <= DEFAULT_BUDGET
    # The budget is used, not left idle: live data is as fresh as it allows.
    # (Re-planning hands the history sync's unused share to live polling.)
    assert cost.total_billable >= 0.98 * DEFAULT_BUDGET
    assert cost.billable["live_status"] >= 3400
    assert cost.billable["site_info"] == 720
    assert cost.billable["products"] == 30  # setup, then one a day
    # The hourly history sync: 30 days backfilled at setup, then 24 a day plus
    # one around each local midnight.
    assert 30 * 24 <= cost.billable["calendar_history"] <= 31 + 30 * 25
