"""Sensor entities, as snapshots of every state and registry entry."""

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

from tests.common import NA_URL, load_payload, site_url, state_of

pytestmark = pytest.mark.usefixtures(
    "setup_credentials", "entity_registry_enabled_by_default"
)


@pytest.mark.parametrize(
    "live",
    [
        "live_status_real_2023-11-06_charging_wc_plugged",
        "live_status_real_2023-11-06_exporting",
        "live_status_real_2023-12-17_off_grid_intentional",
        "live_status_bolt_sdk_sample",
    ],
)
async def test_sensors(
    hass: HomeAssistant,
    aioresponses_mock: aioresponses,
    config_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    live: str,
) -> None:
    aioresponses_mock.get(
        f"{NA_URL}/api/1/products", payload=load_payload("products_real_2024-04-12")
    )
    aioresponses_mock.get(
        site_url(1234, "site_info"), payload=load_payload("site_info_bolt_sdk_sample")
    )
    aioresponses_mock.get(site_url(1234, "live_status"), payload=load_payload(live))
    config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    await snapshot_platform(hass, entity_registry, snapshot, config_entry.entry_id)
    assert {state.domain for state in hass.states.async_all()} == {Platform.SENSOR}


async def test_missing_field_is_unknown(
    hass: HomeAssistant, aioresponses_mock: aioresponses, config_entry: MockConfigEntry
) -> None:
    aioresponses_mock.get(
        f"{NA_URL}/api/1/products", payload=load_payload("products_real_2024-04-12")
    )
    aioresponses_mock.get(
        site_url(1234, "site_info"), payload=load_payload("site_info_bolt_sdk_sample")
    )
    live = load_payload("live_status_real_2023-11-06_exporting")
    del live["response"]["percentage_charged"]
    live["response"]["solar_power"] = None
    aioresponses_mock.get(site_url(1234, "live_status"), payload=live)
    config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert state_of(hass, "sensor.my_home_battery_charge") == "unknown"
    assert state_of(hass, "sensor.my_home_solar_power") == "unknown"
    assert state_of(hass, "sensor.my_home_grid_power") == "-12.949"
