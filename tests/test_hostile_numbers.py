"""Numbers that are not numbers in site_info and live_status: shown as unknown."""

from collections.abc import Iterator
import json
from typing import Any

from aioresponses import aioresponses
from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_UNKNOWN, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from tests.common import (
    NA_URL,
    load_payload,
    mock_history,
    only_platforms,
    requests_to,
    setup_entry,
    site_url,
    state_of,
    tick,
)

pytestmark = [
    pytest.mark.usefixtures("setup_credentials", "entity_registry_enabled_by_default"),
    pytest.mark.freeze_time("2026-11-15 12:00:00+00:00"),
]

NOT_NUMBERS = [
    "NaN",
    "Infinity",
    "-Infinity",
    "1e400",
    "-1e400",
    "1e308",
    "1" + "0" * 400,
]
"""As they appear in a JSON body: Python's json reads the first five as
non-finite floats, the last as an integer no float can hold."""
NOT_NUMBER_IDS = [raw if len(raw) < 10 else "10**400" for raw in NOT_NUMBERS]


@pytest.fixture(autouse=True)
def only_sensors() -> Iterator[None]:
    with only_platforms(Platform.SENSOR):
        yield


def body_with(payload: dict[str, Any], values: dict[str, str], *, at: str = "") -> str:
    """Return payload as JSON text, with raw number text put in at some keys."""
    target = payload["response"]
    if at:
        target = target[at][0]
    for key in values:
        target[key] = f"@{key}@"
    text = json.dumps(payload)
    for key, raw in values.items():
        text = text.replace(f'"@{key}@"', raw)
    return text


def mock_account(
    mock: aioresponses, *, info: str | None = None, live: str | None = None
) -> None:
    mock.get(
        f"{NA_URL}/api/1/products", payload=load_payload("products_real_2024-04-12")
    )
    site_info = load_payload("site_info_bolt_sdk_sample")
    mock.get(site_url(1234, "site_info"), body=info or json.dumps(site_info))
    live_status = load_payload("live_status_real_2023-11-06_charging_wc_plugged")
    mock.get(
        site_url(1234, "live_status"),
        body=live or json.dumps(live_status),
        repeat=True,
    )
    mock_history(mock)


@pytest.mark.parametrize("raw", NOT_NUMBERS, ids=NOT_NUMBER_IDS)
async def test_site_info_not_numbers_are_unknown(
    hass: HomeAssistant,
    aioresponses_mock: aioresponses,
    config_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
    raw: str,
) -> None:
    info = body_with(
        load_payload("site_info_bolt_sdk_sample"),
        {
            "battery_count": raw,
            "nameplate_power": raw,
            "nameplate_energy": raw,
            "backup_reserve_percent": raw,
        },
    )
    mock_account(aioresponses_mock, info=info)
    await setup_entry(hass, config_entry)
    assert config_entry.state is ConfigEntryState.LOADED
    for entity in ("powerwalls", "rated_power", "rated_energy", "backup_reserve"):
        assert state_of(hass, f"sensor.my_home_{entity}") == STATE_UNKNOWN
    assert "Tesla sent an implausible site_info battery_count" in caplog.text


LIVE_KEYS = {
    "solar_power": "solar_power",
    "battery_power": "battery_power",
    "load_power": "home_power",
    "percentage_charged": "battery_charge",
    "energy_left": "battery_energy_left",
    "total_pack_energy": "battery_full_pack_energy",
}


@pytest.mark.parametrize("raw", NOT_NUMBERS, ids=NOT_NUMBER_IDS)
async def test_live_not_numbers_are_unknown_and_logged_once(
    hass: HomeAssistant,
    aioresponses_mock: aioresponses,
    config_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
    raw: str,
) -> None:
    payload = load_payload("live_status_real_2023-11-06_charging_wc_plugged")
    live = body_with(payload, dict.fromkeys(LIVE_KEYS, raw))
    mock_account(aioresponses_mock, live=live)
    await setup_entry(hass, config_entry)
    assert config_entry.state is ConfigEntryState.LOADED
    for entity in LIVE_KEYS.values():
        # Added (Tesla sent the field), and unknown.
        assert entity_registry.async_get(f"sensor.my_home_{entity}") is not None
        assert state_of(hass, f"sensor.my_home_{entity}") == STATE_UNKNOWN
    for entity in (
        "battery_charging_power",
        "battery_discharging_power",
        "backup_time_at_current_load",
    ):
        assert state_of(hass, f"sensor.my_home_{entity}") == STATE_UNKNOWN
    assert state_of(hass, "sensor.my_home_grid_power") != STATE_UNKNOWN

    interval = config_entry.runtime_data.sites[1234].live.update_interval
    assert interval is not None
    await tick(hass, freezer, interval)
    assert requests_to(aioresponses_mock, "live_status") == 2
    message = "Tesla sent an implausible live_status solar_power"
    assert caplog.text.count(message) == 1


@pytest.mark.parametrize("raw", NOT_NUMBERS, ids=NOT_NUMBER_IDS)
async def test_wall_connector_not_numbers_are_unknown(
    hass: HomeAssistant,
    aioresponses_mock: aioresponses,
    config_entry: MockConfigEntry,
    raw: str,
) -> None:
    payload = load_payload("live_status_real_2023-11-06_charging_wc_plugged")
    live = body_with(
        payload,
        {"wall_connector_power": raw, "wall_connector_state": raw},
        at="wall_connectors",
    )
    mock_account(aioresponses_mock, live=live)
    await setup_entry(hass, config_entry)
    assert config_entry.state is ConfigEntryState.LOADED
    assert state_of(hass, "sensor.wall_connector_5432_charging_power") == STATE_UNKNOWN
    assert state_of(hass, "sensor.wall_connector_5432_state") == STATE_UNKNOWN


@pytest.mark.parametrize(
    ("key", "value", "plausible"),
    [
        ("solar_power", "999999", True),
        ("solar_power", "1000001", False),
        ("battery_power", "-1000001", False),
        ("percentage_charged", "100.4", True),
        ("percentage_charged", "-4.2", True),
        ("percentage_charged", "250", False),
        ("energy_left", "-1", False),
        ("energy_left", "2000000", False),
    ],
)
async def test_implausible_values_are_unknown(
    hass: HomeAssistant,
    aioresponses_mock: aioresponses,
    config_entry: MockConfigEntry,
    key: str,
    value: str,
    plausible: bool,
) -> None:
    payload = load_payload("live_status_real_2023-11-06_charging_wc_plugged")
    mock_account(aioresponses_mock, live=body_with(payload, {key: value}))
    await setup_entry(hass, config_entry)
    state = state_of(hass, f"sensor.my_home_{LIVE_KEYS[key]}")
    assert (state != STATE_UNKNOWN) is plausible
