"""An unload stops a running import, and every request it sent is counted."""

import asyncio
from datetime import date, timedelta
from typing import Any
from unittest.mock import patch

from aioresponses import CallbackResult, aioresponses
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.recorder.core import Recorder
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)
from yarl import URL

from custom_components.tesla_powerwall3.const import DOMAIN
from tests.common import requests_to
from tests.energy.common import LA, NOW, settle, start_site
from tests.energy.tesla_days import TeslaHistory

pytestmark = pytest.mark.usefixtures("setup_credentials")


@pytest.fixture
async def mock_recorder_before_hass(async_test_recorder: Any) -> None:
    """Set up the recorder's database before Home Assistant."""


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(
    recorder_mock: Recorder, enable_custom_integrations: None
) -> None:
    """The recorder has to come before the custom integrations."""


class SlowTesla:
    """Serves history like TeslaHistory, but holds one answer until released."""

    def __init__(self, tesla: TeslaHistory, hold: int) -> None:
        self.tesla = tesla
        self.hold = hold
        """The number of the request whose answer waits (from 1)."""
        self.served = 0
        self.holding = asyncio.Event()
        self.release = asyncio.Event()

    async def answer(self, url: URL, **kwargs: Any) -> CallbackResult:
        self.served += 1
        if self.served == self.hold:
            self.holding.set()
            await self.release.wait()
        return self.tesla(url, **kwargs)


def usage(hass_storage: dict[str, Any], entry: MockConfigEntry) -> dict[str, Any]:
    stored: dict[str, Any] = hass_storage[f"{DOMAIN}.{entry.unique_id}.usage"]["data"]
    return stored


async def start_slow_import(
    hass: HomeAssistant,
    mock: aioresponses,
    entry: MockConfigEntry,
    hold: int,
) -> tuple[SlowTesla, asyncio.Task[Any]]:
    """Start a 31-day import whose request number `hold` waits for an answer."""
    slow = SlowTesla(TeslaHistory(LA, dt_util.utcnow), hold=0)
    await start_site(
        hass, mock, entry, backfill_days=0, tesla=slow.tesla, history=slow.answer
    )
    slow.served, slow.hold = 0, hold
    call = hass.async_create_task(
        hass.services.async_call(
            DOMAIN,
            "import_history",
            {
                "config_entry_id": entry.entry_id,
                "start_date": "2026-05-11",
                "end_date": "2026-06-10",
            },
            blocking=True,
            return_response=True,
        )
    )
    holding = hass.async_create_task(slow.holding.wait())
    await asyncio.wait({call, holding}, return_when=asyncio.FIRST_COMPLETED)
    assert not call.done(), call.result()
    return slow, call


async def test_an_unload_stops_the_import_and_counts_every_request(
    hass: HomeAssistant,
    aioresponses_mock: aioresponses,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
) -> None:
    freezer.move_to(NOW)
    slow, call = await start_slow_import(hass, aioresponses_mock, config_entry, hold=5)
    site = config_entry.runtime_data.sites[1234]
    # The fifth day's answer is still on its way when the entry unloads.
    unload = hass.async_create_task(
        hass.config_entries.async_unload(config_entry.entry_id)
    )
    for _ in range(50):
        await asyncio.sleep(0)
    slow.release.set()
    assert await unload
    try:
        await call
    except HomeAssistantError as err:
        error = err.translation_key
    else:
        error = None
    await settle(hass)

    # Nothing was asked after the unload, not even by a sync started later.
    assert slow.served == 5
    assert slow.tesla.requested[-5:] == [date(2026, 5, d) for d in range(11, 16)]
    await site.energy.async_refresh()
    assert slow.served == 5

    # Every calendar_history request sent is in the saved count of the month.
    sent = requests_to(aioresponses_mock, "calendar_history")
    stored = usage(hass_storage, config_entry)
    assert stored["sent"]["calendar_history"] == sent
    assert stored["billable"]["calendar_history"] == sent
    assert error == "import_stopped"


async def test_an_unload_cancels_a_run_stuck_outside_a_request(
    hass: HomeAssistant,
    aioresponses_mock: aioresponses,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
) -> None:
    """A run that never ends by itself is cancelled once the grace is over."""
    freezer.move_to(NOW)
    slow, call = await start_slow_import(hass, aioresponses_mock, config_entry, hold=1)
    stuck = asyncio.Event()
    site = config_entry.runtime_data.sites[1234]
    store = site.energy._importer.store

    async def never_done() -> None:
        stuck.set()
        await asyncio.Event().wait()

    with (
        patch.object(store, "async_flush", never_done),
        patch("custom_components.tesla_powerwall3.coordinator.STOP_GRACE_SECONDS", 0),
    ):
        # The import has every day and writes, but the recorder never confirms.
        slow.hold = 0
        slow.release.set()
        await asyncio.wait_for(stuck.wait(), 30)
        unload = hass.async_create_task(
            hass.config_entries.async_unload(config_entry.entry_id)
        )
        await asyncio.sleep(0)
        # The grace is over (the test loop's timers run when told the time).
        async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=1))
        assert await unload
    with pytest.raises(HomeAssistantError) as caught:
        await call
    assert caught.value.translation_key == "import_stopped"
    stored = usage(hass_storage, config_entry)
    assert stored["sent"]["calendar_history"] == requests_to(
        aioresponses_mock, "calendar_history"
    )
