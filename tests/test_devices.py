"""Sites and Wall Connectors that appear or vanish while the entry runs."""

import copy
from typing import Any

from aioresponses import aioresponses
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from custom_components.tesla_powerwall3.const import DOMAIN
from tests.common import (
    NA_URL,
    load_payload,
    mock_site,
    requests_to,
    setup_entry,
    site_url,
    state_of,
)

pytestmark = pytest.mark.usefixtures("setup_credentials")

SECOND_SITE = {
    "energy_site_id": 5678,
    "resource_type": "battery",
    "site_name": "Cabin",
    "gateway_id": "gw-5678",
    "components": {"battery": True, "solar": True},
}


def products(*extra: dict[str, Any]) -> dict[str, Any]:
    payload = load_payload("products_real_2024-04-12")
    payload["response"].extend(extra)
    return payload


def site_devices(registry: dr.DeviceRegistry, entry: MockConfigEntry) -> set[str]:
    return {
        ident
        for device in dr.async_entries_for_config_entry(registry, entry.entry_id)
        for _domain, ident in device.identifiers
    }


async def test_site_appears_then_disappears(
    hass: HomeAssistant,
    aioresponses_mock: aioresponses,
    config_entry: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
    entity_registry: er.EntityRegistry,
) -> None:
    mock_site(aioresponses_mock)
    await setup_entry(hass, config_entry)
    assert site_devices(device_registry, config_entry) == {
        "1234",
        "wall_connector_1234",
        f"account_{config_entry.unique_id}",
    }

    # The daily products check finds a second site: added without a reload.
    aioresponses_mock.get(f"{NA_URL}/api/1/products", payload=products(SECOND_SITE))
    info = load_payload("site_info_bolt_sdk_sample")
    info["response"]["site_name"] = "Cabin"
    aioresponses_mock.get(site_url(5678, "site_info"), payload=info)
    aioresponses_mock.get(
        site_url(5678, "live_status"),
        payload=load_payload("live_status_real_2023-12-17_off_grid_intentional"),
    )
    await config_entry.runtime_data.products.async_refresh()
    await hass.async_block_till_done()
    assert set(config_entry.runtime_data.sites) == {1234, 5678}
    assert "5678" in site_devices(device_registry, config_entry)
    assert state_of(hass, "sensor.cabin_solar_power") == "0.82"
    assert state_of(hass, "sensor.cabin_grid_status") == "islanded"

    # The site is removed from the account: its device and entities go.
    aioresponses_mock.get(
        f"{NA_URL}/api/1/products", payload=load_payload("products_real_2024-04-12")
    )
    await config_entry.runtime_data.products.async_refresh()
    await hass.async_block_till_done()
    assert set(config_entry.runtime_data.sites) == {1234}
    assert "5678" not in site_devices(device_registry, config_entry)
    assert entity_registry.async_get("sensor.cabin_solar_power") is None
    assert hass.states.get("sensor.cabin_solar_power") is None
    assert state_of(hass, "sensor.my_home_solar_power") == "16.854"


async def test_retired_new_site_is_probed_once(
    hass: HomeAssistant,
    aioresponses_mock: aioresponses,
    config_entry: MockConfigEntry,
) -> None:
    mock_site(aioresponses_mock)
    await setup_entry(hass, config_entry)
    for _ in range(2):
        aioresponses_mock.get(f"{NA_URL}/api/1/products", payload=products(SECOND_SITE))
    aioresponses_mock.get(site_url(5678, "site_info"), status=404)
    await config_entry.runtime_data.products.async_refresh()
    await hass.async_block_till_done()
    await config_entry.runtime_data.products.async_refresh()
    await hass.async_block_till_done()
    assert set(config_entry.runtime_data.sites) == {1234}
    assert requests_to(aioresponses_mock, "5678/site_info") == 1


async def test_new_site_that_fails_is_retried_next_check(
    hass: HomeAssistant,
    aioresponses_mock: aioresponses,
    config_entry: MockConfigEntry,
) -> None:
    mock_site(aioresponses_mock)
    await setup_entry(hass, config_entry)
    aioresponses_mock.get(f"{NA_URL}/api/1/products", payload=products(SECOND_SITE))
    aioresponses_mock.get(site_url(5678, "site_info"), status=408)
    await config_entry.runtime_data.products.async_refresh()
    await hass.async_block_till_done()
    assert set(config_entry.runtime_data.sites) == {1234}

    aioresponses_mock.get(f"{NA_URL}/api/1/products", payload=products(SECOND_SITE))
    aioresponses_mock.get(
        site_url(5678, "site_info"), payload=load_payload("site_info_bolt_sdk_sample")
    )
    aioresponses_mock.get(
        site_url(5678, "live_status"),
        payload=load_payload("live_status_real_2023-11-06_exporting"),
    )
    await config_entry.runtime_data.products.async_refresh()
    await hass.async_block_till_done()
    assert set(config_entry.runtime_data.sites) == {1234, 5678}


async def test_wall_connector_removed(
    hass: HomeAssistant,
    aioresponses_mock: aioresponses,
    config_entry: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
    entity_registry: er.EntityRegistry,
) -> None:
    live = load_payload("live_status_real_2023-11-06_charging_wc_plugged")
    mock_site(aioresponses_mock, live=live)
    await setup_entry(hass, config_entry)
    assert "wall_connector_5432" in site_devices(device_registry, config_entry)
    assert state_of(hass, "sensor.wall_connector_5432_state") == "waiting_for_vehicle"

    without = copy.deepcopy(live)
    without["response"]["wall_connectors"] = []
    aioresponses_mock.get(site_url(1234, "live_status"), payload=without)
    await config_entry.runtime_data.sites[1234].live.async_refresh()
    await hass.async_block_till_done()
    assert "wall_connector_5432" not in site_devices(device_registry, config_entry)
    assert entity_registry.async_get("sensor.wall_connector_5432_state") is None


async def test_remove_device_only_when_stale(
    hass: HomeAssistant,
    aioresponses_mock: aioresponses,
    config_entry: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
    hass_ws_client: WebSocketGenerator,
) -> None:
    assert await async_setup_component(hass, "config", {})
    mock_site(aioresponses_mock)
    await setup_entry(hass, config_entry)
    site_device = device_registry.async_get_device_by_identifier(
        (DOMAIN, "1234"), config_entry.entry_id
    )
    assert site_device is not None
    stale = device_registry.async_get_or_create(
        config_entry_id=config_entry.entry_id,
        identifiers={(DOMAIN, "wall_connector_gone")},
    )
    client = await hass_ws_client(hass)
    for device, removable in ((site_device, False), (stale, True)):
        await client.send_json_auto_id(
            {
                "type": "config/device_registry/remove_config_entry",
                "config_entry_id": config_entry.entry_id,
                "device_id": device.id,
            }
        )
        response = await client.receive_json()
        assert response["success"] is removable
