"""Setup, unload, token refresh and fault handling of a config entry."""

from datetime import timedelta
import logging

from aioresponses import aioresponses
from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.tesla_powerwall3.const import CONF_BASE_URL, DOMAIN
from tests.common import (
    EU_URL,
    NA_URL,
    TOKEN_URL,
    load_payload,
    make_jwt,
    mock_site,
    next_poll,
    requests_to,
    setup_entry,
    site_url,
    state_of,
)
from tests.conftest import token_data

LIVE = "live_status_real_2023-11-06_exporting"
SOLAR = "sensor.my_home_solar_power"

pytestmark = pytest.mark.usefixtures("setup_credentials")


async def test_setup_and_unload(
    hass: HomeAssistant,
    aioresponses_mock: aioresponses,
    config_entry: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
) -> None:
    mock_site(aioresponses_mock)
    await setup_entry(hass, config_entry)
    assert config_entry.state is ConfigEntryState.LOADED
    assert state_of(hass, SOLAR) == "16.854"
    device = device_registry.async_get_device_by_identifier(
        (DOMAIN, "1234"), config_entry.entry_id
    )
    assert device is not None
    assert (device.manufacturer, device.model, device.sw_version) == (
        "Tesla",
        "Powerwall",
        "23.12.11",
    )
    # Setup costs one products, one site_info and one live_status request.
    assert requests_to(aioresponses_mock, "/products") == 1
    assert requests_to(aioresponses_mock, "/site_info") == 1
    assert requests_to(aioresponses_mock, "/live_status") == 1

    assert await hass.config_entries.async_unload(config_entry.entry_id)
    await hass.async_block_till_done()
    assert config_entry.state is ConfigEntryState.NOT_LOADED
    assert state_of(hass, SOLAR) == STATE_UNAVAILABLE


async def test_retry_when_first_refresh_fails(
    hass: HomeAssistant, aioresponses_mock: aioresponses, config_entry: MockConfigEntry
) -> None:
    aioresponses_mock.get(
        f"{NA_URL}/api/1/products", payload=load_payload("products_real_2024-04-12")
    )
    aioresponses_mock.get(
        site_url(1234, "site_info"), payload=load_payload("site_info_bolt_sdk_sample")
    )
    aioresponses_mock.get(site_url(1234, "live_status"), status=408)
    await setup_entry(hass, config_entry)
    assert config_entry.state is ConfigEntryState.SETUP_RETRY


@pytest.mark.parametrize("status", [500, 503])
async def test_retry_when_products_fails(
    hass: HomeAssistant,
    aioresponses_mock: aioresponses,
    config_entry: MockConfigEntry,
    status: int,
) -> None:
    aioresponses_mock.get(f"{NA_URL}/api/1/products", status=status)
    await setup_entry(hass, config_entry)
    assert config_entry.state is ConfigEntryState.SETUP_RETRY


async def test_not_registered_stops_without_retrying(
    hass: HomeAssistant, aioresponses_mock: aioresponses, config_entry: MockConfigEntry
) -> None:
    aioresponses_mock.get(
        f"{NA_URL}/api/1/products",
        status=412,
        payload=load_payload("error_412_not_registered_in_region"),
    )
    await setup_entry(hass, config_entry)
    assert config_entry.state is ConfigEntryState.SETUP_ERROR
    assert "registered in the region" in (config_entry.reason or "")


async def test_missing_scope_starts_reauth(
    hass: HomeAssistant, aioresponses_mock: aioresponses, config_entry: MockConfigEntry
) -> None:
    aioresponses_mock.get(
        f"{NA_URL}/api/1/products",
        status=403,
        payload=load_payload("error_403_missing_scopes"),
    )
    await setup_entry(hass, config_entry)
    assert config_entry.state is ConfigEntryState.SETUP_ERROR
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]


async def test_expired_token_is_refreshed_and_rotation_stored(
    hass: HomeAssistant, aioresponses_mock: aioresponses, config_entry: MockConfigEntry
) -> None:
    config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        config_entry, data={**config_entry.data, "token": token_data(expires_in=-60)}
    )
    new_access = make_jwt(iat=2)
    aioresponses_mock.post(
        TOKEN_URL,
        payload={
            "access_token": new_access,
            "refresh_token": "NA_refresh-2",
            "expires_in": 28800,
            "token_type": "Bearer",
        },
    )
    mock_site(aioresponses_mock)
    await setup_entry(hass, config_entry)
    assert config_entry.state is ConfigEntryState.LOADED
    assert config_entry.data["token"]["refresh_token"] == "NA_refresh-2"
    assert config_entry.data["token"]["access_token"] == new_access
    ((_, calls),) = [
        (key, calls)
        for key, calls in aioresponses_mock.requests.items()
        if str(key[1]) == TOKEN_URL
    ]
    assert calls[0].kwargs["data"]["refresh_token"] == "NA_refresh-1"
    assert calls[0].kwargs["data"]["grant_type"] == "refresh_token"


async def test_401_forces_one_refresh(
    hass: HomeAssistant, aioresponses_mock: aioresponses, config_entry: MockConfigEntry
) -> None:
    aioresponses_mock.get(
        f"{NA_URL}/api/1/products",
        status=401,
        payload=load_payload("error_401_token_expired_after_password_change"),
    )
    aioresponses_mock.post(
        TOKEN_URL,
        payload={
            "access_token": make_jwt(iat=3),
            "refresh_token": "NA_refresh-3",
            "expires_in": 28800,
        },
    )
    mock_site(aioresponses_mock)
    await setup_entry(hass, config_entry)
    assert config_entry.state is ConfigEntryState.LOADED
    assert config_entry.data["token"]["refresh_token"] == "NA_refresh-3"
    assert requests_to(aioresponses_mock, "/products") == 2


async def test_rejected_refresh_starts_reauth(
    hass: HomeAssistant, aioresponses_mock: aioresponses, config_entry: MockConfigEntry
) -> None:
    config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        config_entry, data={**config_entry.data, "token": token_data(expires_in=-60)}
    )
    aioresponses_mock.post(
        TOKEN_URL,
        status=401,
        payload=load_payload("error_401_oauth_refresh_login_required"),
    )
    await setup_entry(hass, config_entry)
    assert config_entry.state is ConfigEntryState.SETUP_ERROR
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]
    assert requests_to(aioresponses_mock, "/api/1/") == 0


async def test_token_endpoint_down_retries_setup(
    hass: HomeAssistant, aioresponses_mock: aioresponses, config_entry: MockConfigEntry
) -> None:
    config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        config_entry, data={**config_entry.data, "token": token_data(expires_in=-60)}
    )
    aioresponses_mock.post(TOKEN_URL, status=503)
    await setup_entry(hass, config_entry)
    assert config_entry.state is ConfigEntryState.SETUP_RETRY


async def test_setup_follows_421_and_persists_region(
    hass: HomeAssistant, aioresponses_mock: aioresponses, config_entry: MockConfigEntry
) -> None:
    aioresponses_mock.get(
        f"{NA_URL}/api/1/products",
        status=421,
        payload=load_payload("error_421_user_out_of_region"),
    )
    mock_site(aioresponses_mock, EU_URL)
    await setup_entry(hass, config_entry)
    assert config_entry.state is ConfigEntryState.LOADED
    assert config_entry.data[CONF_BASE_URL] == EU_URL


@pytest.mark.parametrize(
    "stored",
    [
        "https://evil.example.com",
        "https://fleet-api.prd.na.vn.cloud.tesla.com.evil.example",
    ],
)
async def test_a_foreign_base_url_in_the_entry_is_never_used(
    hass: HomeAssistant,
    aioresponses_mock: aioresponses,
    config_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
    stored: str,
) -> None:
    # Saved by an older version that followed a forged 421.
    config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        config_entry, data={**config_entry.data, CONF_BASE_URL: stored}
    )
    mock_site(aioresponses_mock, stored)
    mock_site(aioresponses_mock)
    await setup_entry(hass, config_entry)
    assert config_entry.state is ConfigEntryState.LOADED
    assert config_entry.data[CONF_BASE_URL] == NA_URL
    assert requests_to(aioresponses_mock, "evil") == 0
    assert "not a Tesla Fleet API host" in caplog.text


async def test_a_poll_never_follows_a_421_to_a_foreign_host(
    hass: HomeAssistant,
    aioresponses_mock: aioresponses,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    mock_site(aioresponses_mock)
    await setup_entry(hass, config_entry)
    evil = "https://fleet-api.prd.na.vn.cloud.tesla.com.evil.example"
    aioresponses_mock.get(
        site_url(1234, "live_status"),
        status=421,
        payload={"error": f"user out of region, use base URL: {evil}"},
    )
    mock_site(aioresponses_mock, evil, repeat=True)
    await next_poll(hass, config_entry, freezer)
    assert state_of(hass, SOLAR) == STATE_UNAVAILABLE
    assert config_entry.data[CONF_BASE_URL] == NA_URL
    assert config_entry.runtime_data.client.base_url == NA_URL
    assert requests_to(aioresponses_mock, "evil") == 0


async def test_poll_faults_and_recovery(
    hass: HomeAssistant,
    aioresponses_mock: aioresponses,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    mock_site(aioresponses_mock)
    await setup_entry(hass, config_entry)
    live_url = site_url(1234, "live_status")

    async def poll() -> None:
        await next_poll(hass, config_entry, freezer)

    aioresponses_mock.get(live_url, status=500)
    aioresponses_mock.get(live_url, status=408)
    await poll()
    assert state_of(hass, SOLAR) == STATE_UNAVAILABLE
    await poll()
    assert state_of(hass, SOLAR) == STATE_UNAVAILABLE
    unavailable_logs = [r for r in caplog.records if "Error fetching" in r.message]
    assert len(unavailable_logs) == 1
    assert not [r for r in caplog.records if r.levelno >= logging.INFO and r.exc_info]

    aioresponses_mock.get(
        live_url,
        payload=load_payload("live_status_real_2023-12-17_off_grid_intentional"),
    )
    await poll()
    assert state_of(hass, SOLAR) == "0.82"
    assert sum("recovered" in r.message for r in caplog.records) == 1


async def test_poll_follows_421(
    hass: HomeAssistant,
    aioresponses_mock: aioresponses,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    mock_site(aioresponses_mock)
    await setup_entry(hass, config_entry)
    aioresponses_mock.get(
        site_url(1234, "live_status"),
        status=421,
        payload=load_payload("error_421_user_out_of_region"),
    )
    aioresponses_mock.get(
        site_url(1234, "live_status", EU_URL),
        payload=load_payload("live_status_real_2023-11-06_charging_wc_plugged"),
    )
    await next_poll(hass, config_entry, freezer)
    assert state_of(hass, SOLAR) == "16.176"
    assert config_entry.data[CONF_BASE_URL] == EU_URL


@pytest.mark.parametrize(
    ("status", "body"),
    [(403, "error_403_missing_scopes")],
)
async def test_poll_auth_failure_starts_reauth(
    hass: HomeAssistant,
    aioresponses_mock: aioresponses,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    status: int,
    body: str,
) -> None:
    mock_site(aioresponses_mock)
    await setup_entry(hass, config_entry)
    aioresponses_mock.get(
        site_url(1234, "live_status"), status=status, payload=load_payload(body)
    )
    await next_poll(hass, config_entry, freezer)
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]


async def test_poll_rate_limited_waits_for_retry_after(
    hass: HomeAssistant,
    aioresponses_mock: aioresponses,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    mock_site(aioresponses_mock)
    await setup_entry(hass, config_entry)
    aioresponses_mock.get(
        site_url(1234, "live_status"), status=429, headers={"Retry-After": "3600"}
    )
    await next_poll(hass, config_entry, freezer)
    assert requests_to(aioresponses_mock, "/live_status") == 2
    # The last values stay.
    assert state_of(hass, SOLAR) == "16.854"

    # No request before Retry-After has passed, although polls come due.
    for _ in range(3):
        await next_poll(hass, config_entry, freezer)
    assert requests_to(aioresponses_mock, "/live_status") == 2
    assert state_of(hass, SOLAR) == "16.854"
    warnings = [r for r in caplog.records if "rate limited" in r.message]
    assert len(warnings) == 1
    assert warnings[0].levelno == logging.WARNING

    aioresponses_mock.get(
        site_url(1234, "live_status"),
        payload=load_payload("live_status_real_2023-11-06_charging_wc_plugged"),
    )
    freezer.tick(timedelta(hours=1))
    await next_poll(hass, config_entry, freezer)
    assert requests_to(aioresponses_mock, "/live_status") == 3
    assert state_of(hass, SOLAR) == "16.176"


async def test_poll_not_registered_and_site_info_refresh(
    hass: HomeAssistant,
    aioresponses_mock: aioresponses,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    mock_site(aioresponses_mock)
    await setup_entry(hass, config_entry)
    site = config_entry.runtime_data.sites[1234]
    aioresponses_mock.get(
        site_url(1234, "live_status"),
        status=412,
        payload=load_payload("error_412_not_registered_in_region"),
    )
    await next_poll(hass, config_entry, freezer)
    assert not site.live.last_update_success
    assert "not registered in the region" in caplog.text

    info = load_payload("site_info_bolt_sdk_sample")
    info["response"]["version"] = "25.10.1 abcdef12"
    aioresponses_mock.get(site_url(1234, "site_info"), payload=info)
    assert site.info.update_interval is not None
    freezer.tick(site.info.update_interval)
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert site.info.data.firmware == "25.10.1"


async def test_poll_421_naming_the_same_region_fails(
    hass: HomeAssistant,
    aioresponses_mock: aioresponses,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    mock_site(aioresponses_mock)
    await setup_entry(hass, config_entry)
    site = config_entry.runtime_data.sites[1234]
    aioresponses_mock.get(
        site_url(1234, "live_status"),
        status=421,
        payload={"error": f"user out of region, use base URL: {NA_URL}"},
    )
    await next_poll(hass, config_entry, freezer)
    assert not site.live.last_update_success
    assert config_entry.data[CONF_BASE_URL] == NA_URL


async def test_developer_override_is_logged(
    hass: HomeAssistant,
    aioresponses_mock: aioresponses,
    config_entry: MockConfigEntry,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    dev = "http://simulator.test:8765"
    monkeypatch.setenv("TESLA_POWERWALL3_DEV_URL", dev)
    hass_entry_data = {**config_entry.data, CONF_BASE_URL: dev}
    config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(config_entry, data=hass_entry_data)
    mock_site(aioresponses_mock, dev)
    await setup_entry(hass, config_entry)
    assert config_entry.state is ConfigEntryState.LOADED
    assert f"talking to {dev}, not to Tesla" in caplog.text
    assert config_entry.runtime_data.sites[1234].live.update_interval == timedelta(
        seconds=30
    )


@pytest.mark.parametrize(
    "fault",
    [
        {"exception": TimeoutError()},
        {"body": "<html>502 Bad Gateway</html>"},
        {"status": 504},
        {"payload": {"response": None}},
    ],
    ids=["timeout", "malformed-json", "gateway-timeout", "null-response"],
)
async def test_poll_faults_make_the_site_unavailable_once(
    hass: HomeAssistant,
    aioresponses_mock: aioresponses,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
    fault: dict[str, object],
) -> None:
    mock_site(aioresponses_mock)
    await setup_entry(hass, config_entry)
    for _ in range(2):
        aioresponses_mock.get(site_url(1234, "live_status"), **fault)
    await next_poll(hass, config_entry, freezer)
    await next_poll(hass, config_entry, freezer)
    assert state_of(hass, SOLAR) == STATE_UNAVAILABLE
    assert state_of(hass, "sensor.my_home_backup_reserve") != STATE_UNAVAILABLE
    assert requests_to(aioresponses_mock, "/live_status") == 3
    assert sum("Error fetching live_status" in r.message for r in caplog.records) == 1
    assert not [r for r in caplog.records if r.levelno >= logging.INFO and r.exc_info]


async def test_poll_401_refreshes_once_and_retries_once(
    hass: HomeAssistant,
    aioresponses_mock: aioresponses,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    mock_site(aioresponses_mock)
    await setup_entry(hass, config_entry)
    aioresponses_mock.get(
        site_url(1234, "live_status"),
        status=401,
        payload=load_payload("error_401_token_expired"),
    )
    aioresponses_mock.post(
        TOKEN_URL,
        payload={
            "access_token": make_jwt(iat=5),
            "refresh_token": "NA_r5",
            "expires_in": 28800,
        },
    )
    aioresponses_mock.get(
        site_url(1234, "live_status"),
        payload=load_payload("live_status_real_2023-11-06_charging_wc_plugged"),
    )
    await next_poll(hass, config_entry, freezer)
    assert state_of(hass, SOLAR) == "16.176"
    assert requests_to(aioresponses_mock, "/live_status") == 3
    assert requests_to(aioresponses_mock, TOKEN_URL) == 1
    assert config_entry.data["token"]["refresh_token"] == "NA_r5"


async def test_poll_rejected_refresh_starts_reauth(
    hass: HomeAssistant,
    aioresponses_mock: aioresponses,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    mock_site(aioresponses_mock)
    await setup_entry(hass, config_entry)
    aioresponses_mock.get(
        site_url(1234, "live_status"),
        status=401,
        payload=load_payload("error_401_token_expired_after_password_change"),
    )
    aioresponses_mock.post(
        TOKEN_URL,
        status=401,
        payload=load_payload("error_401_oauth_refresh_login_required"),
    )
    await next_poll(hass, config_entry, freezer)
    assert requests_to(aioresponses_mock, "/live_status") == 2
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]
    assert state_of(hass, SOLAR) == STATE_UNAVAILABLE
