"""Months of polling: the budget plan stays within it, the default plan as shown."""

from datetime import UTC, datetime, timedelta
import itertools
import statistics

from aioresponses import CallbackResult, aioresponses
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.tesla_powerwall3.cost.plan import (
    DAYS_IN_MONTH,
    DEFAULT_BUDGET,
    project_month,
)
from tests.common import (
    NA_URL,
    load_payload,
    mock_history,
    on_budget,
    setup_entry,
    site_url,
)
from tests.timeline import advance

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
    on_budget(hass, config_entry)
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


async def test_every_minute_at_defaults(
    hass: HomeAssistant,
    aioresponses_mock: aioresponses,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Two days at the default plan, as the real timers run them.

    A month is 30 such days (`scripts/bench` runs all of them): the requests
    match the plan the set-up step, the options and the README show.
    """
    start = datetime(2026, 11, 1, tzinfo=UTC)
    freezer.move_to(start)
    live_at: list[datetime] = []

    def live(_url: object, **_kwargs: object) -> CallbackResult:
        live_at.append(dt_util.utcnow())
        return CallbackResult(
            payload=load_payload("live_status_real_2023-11-06_exporting")
        )

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
    aioresponses_mock.get(site_url(1234, "live_status"), callback=live, repeat=True)
    mock_history(aioresponses_mock)
    await setup_entry(hass, config_entry)
    cost = config_entry.runtime_data.cost
    assert dict(cost.billable) == dict.fromkeys(
        ("products", "site_info", "live_status", "calendar_history"), 1
    )

    days = 2
    hass.loop.set_debug(False)  # asyncio's debug mode triples the time
    await advance(hass, freezer, config_entry, start + timedelta(days=days))

    # Counted from set-up, which reads each endpoint once.
    polled = cost.billable
    month = project_month({}, 1)
    per_day = {key: count // DAYS_IN_MONTH for key, count in month.requests.items()}
    assert polled["live_status"] == days * per_day["live_status"] == days * 1440
    assert polled["site_info"] == days * per_day["site_info"] == days * 24
    assert polled["products"] == days * per_day["products"] == days
    # Without the recorder only today is read: no re-read of yesterday after
    # midnight (test_midnight_rereads counts those).
    midnight = month.plan.history_extra_per_day
    assert polled["calendar_history"] == days * (per_day["calendar_history"] - midnight)
    intervals = [(b - a).total_seconds() for a, b in itertools.pairwise(live_at)]
    assert round(statistics.median(intervals), 3) == 60
    assert max(intervals) < 61
    assert month.total <= 47_500
