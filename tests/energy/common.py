"""A one-site account whose calendar_history Tesla serves day by day, recorded."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
import itertools
import re
from typing import Any

from aioresponses import aioresponses
from homeassistant.components.recorder.statistics import statistics_during_period
from homeassistant.core import HomeAssistant
from homeassistant.helpers.recorder import get_instance
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)

from tests.common import NA_URL, load_payload, site_url
from tests.energy.tesla_days import TeslaHistory

LA = "America/Los_Angeles"
NOW = datetime(2026, 6, 10, 19, 30, tzinfo=UTC)  # 12:30 in Los Angeles


def stat(key: str) -> str:
    return f"tesla_powerwall3:site_1234_{key}"


async def read_rows(
    hass: HomeAssistant, key: str
) -> list[tuple[datetime, float, float]]:
    """Return (start, state, sum) of every stored hour of a statistic."""
    result = await get_instance(hass).async_add_executor_job(
        statistics_during_period,
        hass,
        datetime(2000, 1, 1, tzinfo=UTC),
        None,
        {stat(key)},
        "hour",
        None,
        {"state", "sum"},
    )
    return [
        (dt_util.utc_from_timestamp(r["start"]), r["state"] or 0.0, r["sum"] or 0.0)
        for r in result.get(stat(key), [])
    ]


def assert_chain(rows: list[tuple[datetime, float, float]]) -> None:
    """Hours follow each other, no negative hour, each sum adds its state."""
    assert rows
    assert rows[0][2] == pytest.approx(rows[0][1], abs=1e-6)  # starts at 0
    for (start, _, total), (next_start, state, next_total) in itertools.pairwise(rows):
        assert next_start - start == timedelta(hours=1)
        assert state >= 0
        assert next_total - total == pytest.approx(state, abs=1e-6)


def grid(bucket: dict[str, Any]) -> float:
    return float(bucket["grid_energy_imported"])


async def start_site(
    hass: HomeAssistant,
    mock: aioresponses,
    entry: MockConfigEntry,
    *,
    zone: str = LA,
    backfill_days: int = 2,
    tesla: TeslaHistory | None = None,
    options: dict[str, Any] | None = None,
    history: Callable[..., Any] | None = None,
) -> TeslaHistory:
    """Set up a one-site account whose history Tesla serves day by day.

    history answers calendar_history instead of tesla, e.g. one that wraps it.
    """
    tesla = tesla or TeslaHistory(zone, dt_util.utcnow)
    info = load_payload("site_info_bolt_sdk_sample")
    info["response"]["installation_time_zone"] = zone
    mock.get(
        f"{NA_URL}/api/1/products",
        payload=load_payload("products_real_2024-04-12"),
        repeat=True,
    )
    mock.get(site_url(1234, "site_info"), payload=info, repeat=True)
    mock.get(
        site_url(1234, "live_status"),
        payload=load_payload("live_status_real_2023-11-06_exporting"),
        repeat=True,
    )
    mock.get(
        re.compile(re.escape(site_url(1234, "calendar_history")) + r"\?.*"),
        callback=history or tesla,
        repeat=True,
    )
    if hass.config_entries.async_get_entry(entry.entry_id) is None:
        entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        entry, options={"backfill_days": backfill_days, **(options or {})}
    )
    await hass.config_entries.async_setup(entry.entry_id)
    await settle(hass)
    return tesla


async def settle(hass: HomeAssistant) -> None:
    await hass.async_block_till_done(wait_background_tasks=True)
    await async_wait_recording_done(hass)
