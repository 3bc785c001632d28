"""The import_history service: validation, dry run, prepend, rebuild, failure."""

from datetime import UTC, date, datetime
import itertools
from typing import Any

from aioresponses import CallbackResult, aioresponses
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.recorder.core import Recorder
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import device_registry as dr
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.tesla_powerwall3.const import DOMAIN
from tests.energy.common import NOW, assert_chain, read_rows, settle, start_site

pytestmark = pytest.mark.usefixtures("setup_credentials")


@pytest.fixture
async def mock_recorder_before_hass(async_test_recorder: Any) -> None:
    """Set up the recorder's database before Home Assistant."""


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(
    recorder_mock: Recorder, enable_custom_integrations: None
) -> None:
    """The recorder has to come before the custom integrations."""


async def test_service_dry_run_repeat_prepend_and_rebuild(
    hass: HomeAssistant,
    aioresponses_mock: aioresponses,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    freezer.move_to(NOW)
    tesla = await start_site(hass, aioresponses_mock, config_entry, backfill_days=1)
    stored = await read_rows(hass, "grid_import")
    assert stored[0][0] == datetime(2026, 6, 9, 7, tzinfo=UTC)

    async def call(**data: Any) -> dict[str, Any]:
        result = await hass.services.async_call(
            DOMAIN,
            "import_history",
            {"config_entry_id": config_entry.entry_id, **data},
            blocking=True,
            return_response=True,
        )
        await settle(hass)
        assert result is not None
        return dict(result)

    dry = await call(start_date="2026-06-05", end_date="2026-06-06", dry_run=True)
    assert dry["hours"] == 48
    assert dry["requests"] == 2
    assert dry["first_hour"] == "2026-06-05T07:00:00+00:00"
    assert dry["kwh"]["grid_import"] > 0
    assert await read_rows(hass, "grid_import") == stored

    # Prepending two days before the series: no negative or spiky hour, and
    # the stored hours keep their hourly values.
    first = await call(start_date="2026-06-05", end_date="2026-06-06")
    assert first["kwh"] == dry["kwh"]
    rows = await read_rows(hass, "grid_import")
    assert rows[0][0] == datetime(2026, 6, 5, 7, tzinfo=UTC)
    old = {start: state for start, state, _ in stored}
    tail = [r for r in rows if r[0] >= stored[0][0]]
    assert [state for _, state, _ in tail] == pytest.approx(
        list(old.values()), abs=1e-6
    )
    gap_end = rows[rows.index(tail[0]) - 1]
    assert tail[0][2] - gap_end[2] == pytest.approx(tail[0][1], abs=1e-6)
    for earlier, later in itertools.pairwise(rows):
        assert later[2] >= earlier[2]

    # The same import again changes nothing.
    await call(start_date="2026-06-05", end_date="2026-06-06")
    assert await read_rows(hass, "grid_import") == rows

    # A rebuild from an earlier start: one chain from 0, no negative hour.
    tesla.requested.clear()
    rebuilt = await call(start_date="2026-06-03", rebuild=True)
    assert rebuilt["requests"] == 8
    rows = await read_rows(hass, "grid_import")
    assert rows[0][0] == datetime(2026, 6, 3, 7, tzinfo=UTC)
    assert_chain(rows)


async def test_service_validation(
    hass: HomeAssistant,
    aioresponses_mock: aioresponses,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    device_registry: dr.DeviceRegistry,
) -> None:
    freezer.move_to(NOW)
    await start_site(hass, aioresponses_mock, config_entry, backfill_days=0)
    device = device_registry.async_get_device_by_identifier(
        (DOMAIN, "1234"), config_entry.entry_id
    )
    assert device is not None
    ours, core = DOMAIN, "homeassistant"
    cases: list[tuple[dict[str, Any], str, str]] = [
        (
            {"config_entry_id": "nope", "start_date": "2026-06-01"},
            core,
            "service_config_entry_not_found",
        ),
        ({"device_id": "nope", "start_date": "2026-06-01"}, ours, "unknown_site"),
        ({"start_date": "2026-06-01"}, ours, "unknown_site"),
        (
            {
                "device_id": device.id,
                "start_date": "2026-06-05",
                "end_date": "2026-06-01",
            },
            ours,
            "start_after_end",
        ),
        ({"device_id": device.id, "start_date": "2026-06-11"}, ours, "in_future"),
        (
            {"device_id": device.id, "start_date": "2022-12-31"},
            ours,
            "before_installation",
        ),
    ]
    # A device of this entry that is no site's (one that stayed behind).
    stray = device_registry.async_get_or_create(
        config_entry_id=config_entry.entry_id, identifiers={(DOMAIN, "elsewhere")}
    )
    cases.append(
        ({"device_id": stray.id, "start_date": "2026-06-01"}, ours, "unknown_site")
    )
    await _assert_refused(hass, cases)
    ok = await hass.services.async_call(
        DOMAIN,
        "import_history",
        {"device_id": device.id, "start_date": "2026-06-10", "dry_run": True},
        blocking=True,
        return_response=True,
    )
    assert ok is not None
    assert ok["site"] == "My Home"

    # A device of another integration names no site; Home Assistant's own
    # checks refuse an entry that is not loaded, or of another integration.
    other = MockConfigEntry(domain="other", title="Other")
    other.add_to_hass(hass)
    foreign = device_registry.async_get_or_create(
        config_entry_id=other.entry_id, identifiers={("other", "1")}
    )
    assert await hass.config_entries.async_unload(config_entry.entry_id)
    by_entry = {"config_entry_id": config_entry.entry_id, "start_date": "2026-06-01"}
    await _assert_refused(
        hass,
        [
            (
                {"device_id": foreign.id, "start_date": "2026-06-01"},
                ours,
                "unknown_site",
            ),
            (by_entry, core, "service_config_entry_not_loaded"),
            (
                {"device_id": device.id, "start_date": "2026-06-01"},
                core,
                "service_config_entry_not_loaded",
            ),
            (
                {"config_entry_id": other.entry_id, "start_date": "2026-06-01"},
                core,
                "service_config_entry_wrong_domain",
            ),
        ],
    )


async def _assert_refused(
    hass: HomeAssistant, cases: list[tuple[dict[str, Any], str, str]]
) -> None:
    """Each call is refused with the given translation domain and key."""
    for data, domain, key in cases:
        with pytest.raises(ServiceValidationError) as caught:
            await hass.services.async_call(
                DOMAIN, "import_history", data, blocking=True, return_response=True
            )
        assert (caught.value.translation_domain, caught.value.translation_key) == (
            domain,
            key,
        ), data


async def test_service_reports_tesla_failing(
    hass: HomeAssistant,
    aioresponses_mock: aioresponses,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    freezer.move_to(NOW)
    tesla = await start_site(hass, aioresponses_mock, config_entry, backfill_days=0)
    tesla.overrides[date(2026, 6, 1)] = CallbackResult(status=500, body="down")
    with pytest.raises(HomeAssistantError) as caught:
        await hass.services.async_call(
            DOMAIN,
            "import_history",
            {"config_entry_id": config_entry.entry_id, "start_date": "2026-06-01"},
            blocking=True,
            return_response=True,
        )
    assert caught.value.translation_key == "import_failed"


async def _import(hass: HomeAssistant, **data: Any) -> dict[str, Any]:
    result = await hass.services.async_call(
        DOMAIN, "import_history", data, blocking=True, return_response=True
    )
    await settle(hass)
    assert result is not None
    return dict(result)


async def test_an_import_that_costs_more_than_the_budget_left_needs_confirming(
    hass: HomeAssistant,
    aioresponses_mock: aioresponses,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    freezer.move_to(NOW)
    tesla = await start_site(
        hass,
        aioresponses_mock,
        config_entry,
        backfill_days=0,
        options={"mode": "budget", "monthly_budget": 1000},
    )
    used = config_entry.runtime_data.cost.total_billable
    assert used > 0
    tesla.requested.clear()
    entry_id = config_entry.entry_id

    # From the installation day: 1,257 days, dry run or not.
    for dry_run in (True, False):
        with pytest.raises(ServiceValidationError) as caught:
            await _import(
                hass, config_entry_id=entry_id, start_date="2023-01-01", dry_run=dry_run
            )
        assert caught.value.translation_key == "import_over_budget"
        assert caught.value.translation_placeholders == {
            "requests": "1257",
            "usd": "2.51",
            "allowed": str(1000 - used),
        }
    assert tesla.requested == []  # refused before any request

    # Exactly what is left passes; one day more needs the confirmation.
    hass.config_entries.async_update_entry(
        config_entry,
        options={**config_entry.options, "monthly_budget": used + 3},
    )
    three = {"config_entry_id": entry_id, "start_date": "2026-06-08"}
    dry = await _import(hass, **three, dry_run=True)
    assert dry["cost"] == {"requests": 3, "usd": 0.01}
    assert dry["requests"] == 3  # the dry run itself sent them
    with pytest.raises(ServiceValidationError) as caught:
        await _import(hass, **three)
    assert caught.value.translation_placeholders == {
        "requests": "3",
        "usd": "0.01",
        "allowed": "0",
    }
    done = await _import(hass, **three, confirm_cost=True)
    assert done["cost"] == {"requests": 3, "usd": 0.01}
    assert done["complete"]

    # A rebuild runs through today: a single start day costs every day since.
    with pytest.raises(ServiceValidationError) as caught:
        await _import(
            hass,
            config_entry_id=entry_id,
            start_date="2026-06-01",
            end_date="2026-06-01",
            rebuild=True,
        )
    assert caught.value.translation_placeholders is not None
    assert caught.value.translation_placeholders["requests"] == "10"


async def test_without_a_budget_an_import_is_capped_unless_confirmed(
    hass: HomeAssistant,
    aioresponses_mock: aioresponses,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    freezer.move_to(NOW)
    tesla = await start_site(
        hass,
        aioresponses_mock,
        config_entry,
        backfill_days=0,
        options={
            "mode": "intervals",
            "live_interval": 60,
            "site_info_interval": 60,
            "history_interval": 60,
        },
    )
    tesla.requested.clear()
    with pytest.raises(ServiceValidationError) as caught:
        await _import(
            hass,
            config_entry_id=config_entry.entry_id,
            start_date="2025-05-06",  # 401 days
            dry_run=True,
        )
    assert caught.value.translation_key == "import_over_cap"
    assert caught.value.translation_placeholders == {
        "requests": "401",
        "usd": "0.80",
        "allowed": "400",
    }
    assert tesla.requested == []
    dry = await _import(
        hass,
        config_entry_id=config_entry.entry_id,
        start_date="2026-06-09",
        dry_run=True,
    )
    assert dry["cost"] == {"requests": 2, "usd": 0.0}
