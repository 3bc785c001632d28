"""Entities of every platform, as snapshots of every state and registry entry."""

from collections.abc import Iterator
from typing import Any
from unittest.mock import patch

from aioresponses import aioresponses
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    snapshot_platform,
)
from syrupy.assertion import SnapshotAssertion

from tests.common import NA_URL, load_payload, mock_history, site_url, state_of

pytestmark = [
    pytest.mark.usefixtures("setup_credentials", "entity_registry_enabled_by_default"),
    pytest.mark.freeze_time("2026-11-15 12:00:00+00:00"),
]

LIVE_CAPTURES = [
    "live_status_real_2023-11-06_charging_wc_plugged",
    "live_status_real_2023-11-06_exporting",
    "live_status_real_2023-12-17_off_grid_intentional",
    "live_status_bolt_sdk_sample",
]


@pytest.fixture
def platform() -> Platform:
    return Platform.SENSOR


@pytest.fixture(autouse=True)
def only_platform(platform: Platform) -> Iterator[None]:
    with patch("custom_components.tesla_powerwall3.PLATFORMS", [platform]):
        yield


async def setup_site(
    hass: HomeAssistant,
    mock: aioresponses,
    entry: MockConfigEntry,
    live: dict[str, Any],
    site_info: dict[str, Any] | None = None,
) -> None:
    mock.get(
        f"{NA_URL}/api/1/products", payload=load_payload("products_real_2024-04-12")
    )
    mock.get(
        site_url(1234, "site_info"),
        payload=site_info or load_payload("site_info_bolt_sdk_sample"),
    )
    mock.get(site_url(1234, "live_status"), payload=live)
    mock_history(mock)
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()


@pytest.mark.parametrize("platform", [Platform.SENSOR, Platform.BINARY_SENSOR])
@pytest.mark.parametrize("live", LIVE_CAPTURES)
async def test_platform_snapshot(
    hass: HomeAssistant,
    aioresponses_mock: aioresponses,
    config_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    live: str,
) -> None:
    await setup_site(hass, aioresponses_mock, config_entry, load_payload(live))
    await snapshot_platform(hass, entity_registry, snapshot, config_entry.entry_id)


def two_wall_connectors() -> dict[str, Any]:
    live = load_payload("live_status_real_2023-11-06_charging_wc_plugged")
    live["response"]["wall_connectors"].append(
        {
            "din": "1457768-02-G--B7S12345J99999",
            "wall_connector_fault_state": 4,
            "wall_connector_power": 7200.5,
            "wall_connector_state": 1,
            "vin": "5YJ3E1EA0KF000001",
        }
    )
    return live


@pytest.mark.parametrize("platform", [Platform.SENSOR, Platform.BINARY_SENSOR])
async def test_two_wall_connectors_snapshot(
    hass: HomeAssistant,
    aioresponses_mock: aioresponses,
    config_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
) -> None:
    await setup_site(hass, aioresponses_mock, config_entry, two_wall_connectors())
    await snapshot_platform(hass, entity_registry, snapshot, config_entry.entry_id)


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


async def test_missing_and_unknown_values(
    hass: HomeAssistant,
    aioresponses_mock: aioresponses,
    config_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    live = load_payload("live_status_real_2023-11-06_exporting")
    del live["response"]["percentage_charged"]
    live["response"]["solar_power"] = None
    live["response"]["island_status"] = "off_grid_on_the_moon"
    live["response"]["wall_connectors"][0]["wall_connector_state"] = 42
    await setup_site(hass, aioresponses_mock, config_entry, live)
    assert state_of(hass, "sensor.my_home_battery_charge") == "unknown"
    assert state_of(hass, "sensor.my_home_solar_power") == "unknown"
    assert state_of(hass, "sensor.my_home_grid_power") == "-12.949"
    assert state_of(hass, "sensor.my_home_island_status") == "unknown"
    assert state_of(hass, "sensor.wall_connector_1234_state") == "unknown"
    assert "unknown island_status: 'off_grid_on_the_moon'" in caplog.text
    assert "unknown wall_connector_state: 42" in caplog.text
