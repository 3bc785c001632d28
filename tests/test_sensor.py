"""Sensors: snapshots of every state and registry entry, and odd payloads."""

from collections.abc import Iterator
from typing import Any

from aioresponses import aioresponses
from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    snapshot_platform,
)
from syrupy.assertion import SnapshotAssertion

from tests.common import (
    LIVE_CAPTURES,
    entity_summary,
    load_payload,
    mock_site,
    only_platforms,
    requests_to,
    setup_entry,
    site_url,
    state_of,
    tick,
    two_wall_connectors,
)

pytestmark = [
    pytest.mark.usefixtures("setup_credentials", "entity_registry_enabled_by_default"),
    pytest.mark.freeze_time("2026-11-15 12:00:00+00:00"),
]


@pytest.fixture(autouse=True)
def only_sensors() -> Iterator[None]:
    with only_platforms(Platform.SENSOR):
        yield


async def setup_site(
    hass: HomeAssistant,
    mock: aioresponses,
    entry: MockConfigEntry,
    live: dict[str, Any],
) -> None:
    mock_site(mock, live=live)
    await setup_entry(hass, entry)


async def test_platform_snapshot(
    hass: HomeAssistant,
    aioresponses_mock: aioresponses,
    config_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
) -> None:
    await setup_site(
        hass, aioresponses_mock, config_entry, load_payload(LIVE_CAPTURES[0])
    )
    await snapshot_platform(hass, entity_registry, snapshot, config_entry.entry_id)


@pytest.mark.parametrize("live", [*LIVE_CAPTURES[1:], "two_wall_connectors"])
async def test_states_per_payload(
    hass: HomeAssistant,
    aioresponses_mock: aioresponses,
    config_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    live: str,
) -> None:
    if live == "two_wall_connectors":
        payload = two_wall_connectors()
    else:
        payload = load_payload(live)
    await setup_site(hass, aioresponses_mock, config_entry, payload)
    summary = entity_summary(hass, entity_registry, config_entry.entry_id)
    assert summary == snapshot


async def test_site_without_energy_left(
    hass: HomeAssistant,
    aioresponses_mock: aioresponses,
    config_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
) -> None:
    live = load_payload("live_status_real_2023-11-06_exporting")
    del live["response"]["energy_left"]
    del live["response"]["total_pack_energy"]
    await setup_site(hass, aioresponses_mock, config_entry, live)
    assert entity_registry.async_get("sensor.my_home_battery_energy_left") is None
    assert entity_registry.async_get("sensor.my_home_battery_full_pack_energy") is None
    # Backup time falls back to the charge times the rated energy: 100 % of
    # 40.5 kWh at 3.905 kW.
    assert state_of(hass, "sensor.my_home_backup_time_at_current_load") == "10.37"


def with_unknown_values() -> dict[str, Any]:
    live = load_payload("live_status_real_2023-11-06_exporting")
    del live["response"]["percentage_charged"]
    live["response"]["solar_power"] = None
    live["response"]["island_status"] = "off_grid_on_the_moon"
    live["response"]["wall_connectors"][0]["wall_connector_state"] = 42
    return live


async def test_missing_and_unknown_values(
    hass: HomeAssistant,
    aioresponses_mock: aioresponses,
    config_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await setup_site(hass, aioresponses_mock, config_entry, with_unknown_values())
    assert state_of(hass, "sensor.my_home_battery_charge") == "unknown"
    assert state_of(hass, "sensor.my_home_solar_power") == "unknown"
    assert state_of(hass, "sensor.my_home_grid_power") == "-12.949"
    assert state_of(hass, "sensor.my_home_island_status") == "unknown"
    assert state_of(hass, "sensor.wall_connector_1234_state") == "unknown"
    assert "unknown island_status: 'off_grid_on_the_moon'" in caplog.text
    assert "unknown wall_connector_state: 42" in caplog.text


async def test_unknown_code_is_logged_once_per_load(
    hass: HomeAssistant,
    aioresponses_mock: aioresponses,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    message = "unknown island_status: 'off_grid_on_the_moon'"
    await setup_site(hass, aioresponses_mock, config_entry, with_unknown_values())
    aioresponses_mock.get(site_url(1234, "live_status"), payload=with_unknown_values())
    interval = config_entry.runtime_data.sites[1234].live.update_interval
    assert interval is not None
    await tick(hass, freezer, interval)
    assert requests_to(aioresponses_mock, "live_status") == 2
    assert caplog.text.count(message) == 1

    # A reload starts afresh, and tells again.
    mock_site(aioresponses_mock, live=with_unknown_values())
    assert await hass.config_entries.async_reload(config_entry.entry_id)
    await hass.async_block_till_done()
    assert caplog.text.count(message) == 2
