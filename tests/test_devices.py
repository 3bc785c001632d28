"""Sites and Wall Connectors that appear or vanish while the entry runs."""

import copy
from datetime import timedelta
from typing import Any

from aioresponses import aioresponses
from freezegun.api import FrozenDateTimeFactory
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
    mock_history,
    mock_site,
    requests_to,
    setup_entry,
    site_url,
    state_of,
    tick,
)

pytestmark = [
    pytest.mark.usefixtures("setup_credentials"),
    pytest.mark.freeze_time("2026-11-15 12:00:00+00:00"),
]

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


async def check_products(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    entry: MockConfigEntry,
    mock: aioresponses,
    answer: dict[str, Any],
) -> None:
    """Let a day pass, so that the daily products check gets this answer."""
    mock.get(f"{NA_URL}/api/1/products", payload=answer)
    interval = entry.runtime_data.products.update_interval
    assert interval is not None
    await tick(hass, freezer, interval)


async def poll_live(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    entry: MockConfigEntry,
    mock: aioresponses,
    live: dict[str, Any],
) -> None:
    """Let the site's next live_status poll get this answer."""
    mock.get(site_url(1234, "live_status"), payload=live)
    interval = entry.runtime_data.sites[1234].live.update_interval
    assert interval is not None
    await tick(hass, freezer, interval)


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
    freezer: FrozenDateTimeFactory,
) -> None:
    mock_site(aioresponses_mock, repeat=True)
    await setup_entry(hass, config_entry)
    assert site_devices(device_registry, config_entry) == {
        "1234",
        "wall_connector_1234",
        f"account_{config_entry.unique_id}",
    }

    # The daily products check finds a second site: added without a reload.
    info = load_payload("site_info_bolt_sdk_sample")
    info["response"]["site_name"] = "Cabin"
    aioresponses_mock.get(site_url(5678, "site_info"), payload=info, repeat=True)
    cabin = load_payload("live_status_real_2023-12-17_off_grid_intentional")
    cabin["response"]["wall_connectors"] = [{"din": "1457768-02-G--CABIN", "vin": ""}]
    aioresponses_mock.get(site_url(5678, "live_status"), payload=cabin, repeat=True)
    mock_history(aioresponses_mock, site_id=5678)
    await check_products(
        hass, freezer, config_entry, aioresponses_mock, products(SECOND_SITE)
    )
    assert set(config_entry.runtime_data.sites) == {1234, 5678}
    assert {"5678", "wall_connector_1457768-02-G--CABIN"} <= site_devices(
        device_registry, config_entry
    )
    assert state_of(hass, "sensor.cabin_solar_power") == "0.82"
    assert state_of(hass, "sensor.cabin_grid_status") == "islanded"

    # The site is removed from the account: its device and entities go.
    await check_products(hass, freezer, config_entry, aioresponses_mock, products())
    assert set(config_entry.runtime_data.sites) == {1234}
    devices = site_devices(device_registry, config_entry)
    assert "5678" not in devices
    assert "wall_connector_1457768-02-G--CABIN" not in devices
    assert entity_registry.async_get("sensor.cabin_solar_power") is None
    assert hass.states.get("sensor.cabin_solar_power") is None
    assert state_of(hass, "sensor.my_home_solar_power") == "16.854"

    # The gone site's coordinators may still answer once: nothing comes back.
    await tick(hass, freezer, timedelta(hours=1))
    assert "5678" not in site_devices(device_registry, config_entry)
    # Nor is its energy history asked for any more.
    asked = requests_to(aioresponses_mock, "5678/calendar_history")
    await tick(hass, freezer, timedelta(hours=3))
    assert requests_to(aioresponses_mock, "5678/calendar_history") == asked


async def test_retired_new_site_is_probed_once(
    hass: HomeAssistant,
    aioresponses_mock: aioresponses,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    mock_site(aioresponses_mock, repeat=True)
    await setup_entry(hass, config_entry)
    aioresponses_mock.get(site_url(5678, "site_info"), status=404)
    for _ in range(2):
        await check_products(
            hass, freezer, config_entry, aioresponses_mock, products(SECOND_SITE)
        )
    assert requests_to(aioresponses_mock, "api/1/products") == 3
    assert set(config_entry.runtime_data.sites) == {1234}
    assert requests_to(aioresponses_mock, "5678/site_info") == 1


async def test_new_site_that_fails_is_retried_next_check(
    hass: HomeAssistant,
    aioresponses_mock: aioresponses,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    mock_site(aioresponses_mock, repeat=True)
    await setup_entry(hass, config_entry)
    aioresponses_mock.get(site_url(5678, "site_info"), status=408)
    await check_products(
        hass, freezer, config_entry, aioresponses_mock, products(SECOND_SITE)
    )
    assert set(config_entry.runtime_data.sites) == {1234}

    aioresponses_mock.get(
        site_url(5678, "site_info"), payload=load_payload("site_info_bolt_sdk_sample")
    )
    aioresponses_mock.get(
        site_url(5678, "live_status"),
        payload=load_payload("live_status_real_2023-11-06_exporting"),
    )
    mock_history(aioresponses_mock, site_id=5678)
    await check_products(
        hass, freezer, config_entry, aioresponses_mock, products(SECOND_SITE)
    )
    assert set(config_entry.runtime_data.sites) == {1234, 5678}


async def test_wall_connector_removed_and_back(
    hass: HomeAssistant,
    aioresponses_mock: aioresponses,
    config_entry: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
    entity_registry: er.EntityRegistry,
    freezer: FrozenDateTimeFactory,
) -> None:
    live = load_payload("live_status_real_2023-11-06_charging_wc_plugged")
    mock_site(aioresponses_mock, live=live)
    await setup_entry(hass, config_entry)
    assert "wall_connector_5432" in site_devices(device_registry, config_entry)
    assert state_of(hass, "sensor.wall_connector_5432_state") == "waiting_for_vehicle"
    assert state_of(hass, "binary_sensor.wall_connector_5432_vehicle_connected") == "on"

    without = copy.deepcopy(live)
    without["response"]["wall_connectors"] = []
    await poll_live(hass, freezer, config_entry, aioresponses_mock, without)
    assert "wall_connector_5432" not in site_devices(device_registry, config_entry)
    assert entity_registry.async_get("sensor.wall_connector_5432_state") is None
    assert (
        entity_registry.async_get("binary_sensor.wall_connector_5432_vehicle_connected")
        is None
    )

    # Reported again (say, back from repair): device and entities return.
    await poll_live(hass, freezer, config_entry, aioresponses_mock, live)
    assert "wall_connector_5432" in site_devices(device_registry, config_entry)
    assert state_of(hass, "sensor.wall_connector_5432_state") == "waiting_for_vehicle"
    assert state_of(hass, "binary_sensor.wall_connector_5432_vehicle_connected") == "on"


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
    connector = device_registry.async_get_device_by_identifier(
        (DOMAIN, "wall_connector_1234"), config_entry.entry_id
    )
    account = device_registry.async_get_device_by_identifier(
        (DOMAIN, f"account_{config_entry.unique_id}"), config_entry.entry_id
    )
    assert connector is not None
    assert account is not None
    stale = device_registry.async_get_or_create(
        config_entry_id=config_entry.entry_id,
        identifiers={(DOMAIN, "wall_connector_gone")},
    )
    client = await hass_ws_client(hass)
    for device, removable in (
        (site_device, False),
        (connector, False),
        (account, False),
        (stale, True),
    ):
        await client.send_json_auto_id(
            {
                "type": "config/device_registry/remove_config_entry",
                "config_entry_id": config_entry.entry_id,
                "device_id": device.id,
            }
        )
        response = await client.receive_json()
        assert response["success"] is removable
