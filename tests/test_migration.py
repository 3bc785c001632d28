"""Entries from before 1.2 move to the every-minute default, unless they chose."""

from datetime import timedelta
from typing import Any

from aioresponses import aioresponses
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.tesla_powerwall3.const import DOMAIN
from tests.common import mock_site, setup_entry

pytestmark = [
    pytest.mark.usefixtures("setup_credentials"),
    pytest.mark.freeze_time("2026-11-01 00:00:00+00:00"),
]


def old_entry(config_entry: MockConfigEntry, **options: Any) -> MockConfigEntry:
    """An entry as version 1.1 stored it."""
    return MockConfigEntry(
        domain=DOMAIN,
        title=config_entry.title,
        unique_id=config_entry.unique_id,
        version=1,
        minor_version=1,
        data=dict(config_entry.data),
        options=options,
    )


async def test_entry_without_options_moves_to_every_minute(
    hass: HomeAssistant, aioresponses_mock: aioresponses, config_entry: MockConfigEntry
) -> None:
    entry = old_entry(config_entry)
    mock_site(aioresponses_mock)
    await setup_entry(hass, entry)
    assert entry.state is ConfigEntryState.LOADED
    assert (entry.version, entry.minor_version) == (1, 2)
    assert entry.options == {}  # it follows the default, which is now every minute
    site = entry.runtime_data.sites[1234]
    assert site.live.update_interval == timedelta(minutes=1)
    assert site.energy.update_interval == timedelta(minutes=15)
    assert site.info.update_interval == timedelta(hours=1)


@pytest.mark.parametrize(
    ("options", "live"),
    [
        ({"mode": "budget", "monthly_budget": 5000, "backfill_days": 30}, 752),
        ({"mode": "budget", "monthly_budget": 20000}, 142),
        (
            {
                "mode": "intervals",
                "live_interval": 300,
                "site_info_interval": 60,
                "history_interval": 60,
            },
            300,
        ),
    ],
)
async def test_entry_with_options_keeps_them(
    hass: HomeAssistant,
    aioresponses_mock: aioresponses,
    config_entry: MockConfigEntry,
    options: dict[str, Any],
    live: int,
) -> None:
    entry = old_entry(config_entry, **options)
    mock_site(aioresponses_mock)
    await setup_entry(hass, entry)
    assert entry.minor_version == 2
    assert entry.options == options
    assert entry.runtime_data.sites[1234].live.update_interval == timedelta(
        seconds=live
    )


async def test_options_without_a_mode_meant_the_budget(
    hass: HomeAssistant, aioresponses_mock: aioresponses, config_entry: MockConfigEntry
) -> None:
    entry = old_entry(config_entry, backfill_days=60)
    mock_site(aioresponses_mock)
    await setup_entry(hass, entry)
    assert entry.options == {"mode": "budget", "backfill_days": 60}
    assert entry.runtime_data.sites[1234].live.update_interval == timedelta(seconds=752)


async def test_a_newer_version_is_refused(
    hass: HomeAssistant, config_entry: MockConfigEntry
) -> None:
    entry = MockConfigEntry(
        domain=DOMAIN, version=2, data=dict(config_entry.data), unique_id="x"
    )
    await setup_entry(hass, entry)
    assert entry.state is ConfigEntryState.MIGRATION_ERROR


async def test_a_current_entry_is_left_alone(
    hass: HomeAssistant, aioresponses_mock: aioresponses, config_entry: MockConfigEntry
) -> None:
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="My Home",
        unique_id=config_entry.unique_id,
        version=1,
        minor_version=2,
        data=dict(config_entry.data),
        options={"backfill_days": 10},
    )
    mock_site(aioresponses_mock)
    await setup_entry(hass, entry)
    assert entry.options == {"backfill_days": 10}  # every minute, by default
    assert entry.runtime_data.sites[1234].live.update_interval == timedelta(minutes=1)
