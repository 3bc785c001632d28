"""Energy history costs: a 365-day backfill, and the steady hourly sync.

Run with scripts/bench. Prints figures; asserts nothing about timing.
"""

from datetime import UTC, datetime
import logging
import time
from typing import Any

from aioresponses import aioresponses
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.recorder.core import Recorder
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from benchmarks.bench_polling import report
from tests.energy.common import read_rows, settle, start_site

pytestmark = pytest.mark.usefixtures("setup_credentials")


@pytest.fixture
async def mock_recorder_before_hass(async_test_recorder: Any) -> None:
    """Set up the recorder's database before Home Assistant."""


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(
    recorder_mock: Recorder, enable_custom_integrations: None
) -> None:
    """Set up the recorder before the custom integrations."""


async def test_backfill_365_days(
    hass: HomeAssistant,
    aioresponses_mock: aioresponses,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """One calendar_history request per site-local day, and the CPU it takes."""
    freezer.move_to(datetime(2026, 6, 10, 19, 30, tzinfo=UTC))
    # The test recorder logs every SQL statement; production does not.
    for name in ("sqlalchemy.engine", "sqlalchemy.engine.Engine"):
        logging.getLogger(name).setLevel(logging.WARNING)
    started, started_loop = time.process_time(), time.thread_time()
    tesla = await start_site(hass, aioresponses_mock, config_entry, backfill_days=365)
    cpu = time.process_time() - started
    loop_cpu = time.thread_time() - started_loop
    rows = await read_rows(hass, "grid_import")
    days = len(tesla.requested)
    report(
        "backfill of 365 days for one site (with Home Assistant and the recorder)",
        {
            "calendar_history requests": f"{days}",
            "distinct days asked": f"{len(set(tesla.requested))}",
            "hours written per statistic": f"{len(rows):,}",
            "CPU, event loop: fetch, parse, aggregate, queue": f"{loop_cpu:.2f} s",
            "CPU, recorder thread: Home Assistant's inserts": f"{cpu - loop_cpu:.2f} s",
            "CPU, total (target < 10 s)": f"{cpu:.2f} s",
        },
    )

    # Steady state: one sync an hour costs one request, two around midnight.
    for moment, label in (
        (datetime(2026, 6, 10, 20, 30, tzinfo=UTC), "13:30 site time"),
        (datetime(2026, 6, 11, 7, 30, tzinfo=UTC), "00:30 site time"),
    ):
        freezer.move_to(moment)
        tesla.requested.clear()
        await config_entry.runtime_data.sites[1234].energy.async_refresh()
        await settle(hass)
        report(f"hourly sync at {label}", {"requests": str(len(tesla.requested))})
