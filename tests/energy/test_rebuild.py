"""A rebuild replaces the stored series only once it has every day from Tesla."""

from datetime import UTC, date, datetime
from typing import Any

from aioresponses import CallbackResult, aioresponses
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.recorder.core import Recorder
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.tesla_powerwall3.const import DOMAIN
from custom_components.tesla_powerwall3.energy.buckets import STATISTICS
from tests.energy.common import NOW, assert_chain, read_rows, settle, start_site
from tests.energy.tesla_days import TeslaHistory

pytestmark = pytest.mark.usefixtures("setup_credentials")

Rows = dict[str, list[tuple[datetime, float, float]]]


@pytest.fixture
async def mock_recorder_before_hass(async_test_recorder: Any) -> None:
    """Set up the recorder's database before Home Assistant."""


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(
    recorder_mock: Recorder, enable_custom_integrations: None
) -> None:
    """The recorder has to come before the custom integrations."""


async def every_row(hass: HomeAssistant) -> Rows:
    """Every stored hour of every statistic of the site."""
    return {s.key: await read_rows(hass, s.key) for s in STATISTICS}


async def rebuild(
    hass: HomeAssistant, entry: MockConfigEntry, start: str
) -> dict[str, Any]:
    response = await hass.services.async_call(
        DOMAIN,
        "import_history",
        {"config_entry_id": entry.entry_id, "start_date": start, "rebuild": True},
        blocking=True,
        return_response=True,
    )
    await settle(hass)
    assert response is not None
    return dict(response)


async def refused(hass: HomeAssistant, entry: MockConfigEntry, start: str) -> str:
    """Rebuild from start, which should fail; return the error's translation key."""
    try:
        await rebuild(hass, entry, start)
    except HomeAssistantError as err:
        await settle(hass)
        return str(err.translation_key)
    return "no error"


@pytest.fixture
async def stored(
    hass: HomeAssistant,
    aioresponses_mock: aioresponses,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> tuple[TeslaHistory, Rows]:
    """A site with 132 stored hours (June 5 to 12:00 on June 10, Los Angeles)."""
    freezer.move_to(NOW)
    tesla = await start_site(hass, aioresponses_mock, config_entry, backfill_days=5)
    rows = await every_row(hass)
    assert len(rows["grid_import"]) == 132
    tesla.requested.clear()
    return tesla, rows


async def test_a_rebuild_that_fails_on_its_first_request_changes_nothing(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    stored: tuple[TeslaHistory, Rows],
) -> None:
    tesla, before = stored
    tesla.overrides[date(2026, 6, 3)] = CallbackResult(status=500, body="down")
    key = await refused(hass, config_entry, "2026-06-03")
    assert await every_row(hass) == before
    assert tesla.requested == [date(2026, 6, 3)]
    assert key == "rebuild_failed"


async def test_a_rebuild_paused_by_retry_after_changes_nothing(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    stored: tuple[TeslaHistory, Rows],
) -> None:
    tesla, before = stored
    # Tesla rate limits an import: its Retry-After of 10 minutes is pending.
    tesla.overrides[date(2026, 6, 1)] = CallbackResult(
        status=429, headers={"Retry-After": "600"}, body="Retry in 600 seconds"
    )
    with pytest.raises(HomeAssistantError):
        await hass.services.async_call(
            DOMAIN,
            "import_history",
            {"config_entry_id": config_entry.entry_id, "start_date": "2026-06-01"},
            blocking=True,
        )
    tesla.requested.clear()
    key = await refused(hass, config_entry, "2026-06-03")
    assert await every_row(hass) == before
    assert tesla.requested == []  # nothing was even sent
    assert key == "rebuild_failed"


async def test_a_rebuild_stopped_part_way_changes_nothing(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    stored: tuple[TeslaHistory, Rows],
) -> None:
    tesla, before = stored
    tesla.overrides[date(2026, 6, 6)] = CallbackResult(
        status=429, headers={"Retry-After": "600"}, body="Retry in 600 seconds"
    )
    key = await refused(hass, config_entry, "2026-06-03")
    assert await every_row(hass) == before
    assert tesla.requested == [date(2026, 6, d) for d in (3, 4, 5, 6)]
    assert key == "rebuild_failed"


async def test_a_rebuild_tesla_has_no_data_for_changes_nothing(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    stored: tuple[TeslaHistory, Rows],
) -> None:
    tesla, before = stored
    for day in range(3, 11):
        tesla.overrides[date(2026, 6, day)] = None  # Tesla answers with no series
    key = await refused(hass, config_entry, "2026-06-03")
    assert await every_row(hass) == before
    assert key == "rebuild_failed"


async def test_a_rebuild_that_gets_every_day_replaces_the_series(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    stored: tuple[TeslaHistory, Rows],
) -> None:
    tesla, before = stored
    # A later start than the stored series: the earlier hours go too.
    tesla.overrides[date(2026, 6, 6)] = CallbackResult(status=500, body="down")
    await refused(hass, config_entry, "2026-06-06")
    del tesla.overrides[date(2026, 6, 6)]
    response = await rebuild(hass, config_entry, "2026-06-07")
    assert response["complete"]
    assert response["requests"] == 4
    for statistic in STATISTICS:
        rows = await read_rows(hass, statistic.key)
        if not before[statistic.key]:
            assert rows == []  # no generator at this site
            continue
        assert rows[0][0] == datetime(2026, 6, 7, 7, tzinfo=UTC)
        assert rows[-1][0] == before[statistic.key][-1][0]
        assert_chain(rows)
        # The hours themselves are Tesla's, as before.
        old = {start: state for start, state, _ in before[statistic.key]}
        assert [state for _, state, _ in rows] == pytest.approx(
            [old[start] for start, _, _ in rows], abs=1e-6
        )
