"""With the recorder, syncs just after local midnight read yesterday again.

The plan counts them (PollPlan.history_extra_per_day): the statistics sync
re-reads its two newest hours, so each sync of the two hours after midnight
asks for yesterday and today.
"""

from collections import Counter
from datetime import UTC, datetime
from typing import Any

from aioresponses import aioresponses
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.recorder.core import Recorder
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.tesla_powerwall3.cost.plan import (
    EVERY_MINUTE_HISTORY,
    plan_every_minute,
)
from tests.energy.common import settle, start_site

pytestmark = pytest.mark.usefixtures("setup_credentials")


@pytest.fixture
async def mock_recorder_before_hass(async_test_recorder: Any) -> None:
    """Set up the recorder's database before Home Assistant."""


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(
    recorder_mock: Recorder, enable_custom_integrations: None
) -> None:
    """The recorder has to come before the custom integrations."""


async def test_midnight_rereads(
    hass: HomeAssistant,
    aioresponses_mock: aioresponses,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    freezer.move_to(datetime(2026, 6, 10, 4, 0, tzinfo=UTC))  # 21:00 in LA
    tesla = await start_site(hass, aioresponses_mock, config_entry, backfill_days=1)
    history = config_entry.runtime_data.sites[1234].energy
    requests_per_sync: Counter[int] = Counter()
    moment = datetime(2026, 6, 10, 5, 0, tzinfo=UTC)  # 22:00
    while moment < datetime(2026, 6, 10, 11, 0, tzinfo=UTC):  # 04:00
        freezer.move_to(moment)
        tesla.requested.clear()
        await history.async_refresh()
        await settle(hass)
        requests_per_sync[len(tesla.requested)] += 1
        moment += EVERY_MINUTE_HISTORY
    # 24 syncs; those from 00:00 to 02:00 read two days.
    assert requests_per_sync == {1: 15, 2: plan_every_minute().history_extra_per_day}
    assert plan_every_minute().history_extra_per_day == 9
