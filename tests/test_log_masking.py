"""Site ids, DINs and serials never appear whole in the logs."""

import copy
from datetime import timedelta
import logging
import re
from typing import Any

import aiohttp
from aioresponses import aioresponses
from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.tesla_powerwall3.fleet.redact import mask_id
from tests.common import NA_URL, load_payload, setup_entry, site_url, tick

pytestmark = [
    pytest.mark.usefixtures("setup_credentials"),
    pytest.mark.freeze_time("2026-11-15 12:00:00+00:00"),
]

SITE = 2252147073123456
"""A real-length energy_site_id (16 digits)."""
RETIRED = 2252147073999999
GATEWAY = "1232100-00-E--TG123456789ABC"
CONNECTOR = "1457768-02-G--B7S12345J67890"
SECRETS = [str(SITE), str(RETIRED), GATEWAY, CONNECTOR, "TG123456789ABC"]


def products() -> dict[str, Any]:
    payload = load_payload("products_real_2024-04-12")
    site = payload["response"][1]
    site.update(energy_site_id=SITE, gateway_id=GATEWAY, id=GATEWAY)
    site["components"]["wall_connectors"][0]["din"] = CONNECTOR
    retired = copy.deepcopy(site)
    retired.update(energy_site_id=RETIRED, site_name="Old home")
    payload["response"].append(retired)
    return payload


def site_info() -> dict[str, Any]:
    payload = load_payload("site_info_bolt_sdk_sample")
    payload["response"]["id"] = GATEWAY
    payload["response"]["components"]["wall_connectors"] = [{"din": CONNECTOR}]
    return payload


def live_status() -> dict[str, Any]:
    payload = load_payload("live_status_real_2023-11-06_charging_wc_plugged")
    payload["response"]["wall_connectors"][0]["din"] = CONNECTOR
    return payload


def history_url(site: int) -> re.Pattern[str]:
    return re.compile(re.escape(site_url(site, "calendar_history")) + r"\?.*")


def mock_account(mock: aioresponses) -> None:
    mock.get(f"{NA_URL}/api/1/products", payload=products(), repeat=True)
    mock.get(site_url(SITE, "site_info"), payload=site_info())
    mock.get(
        site_url(RETIRED, "site_info"),
        status=404,
        payload={"error": f"energy site {RETIRED} not found"},
        repeat=True,
    )
    mock.get(site_url(SITE, "live_status"), payload=live_status())


def assert_masked(caplog: pytest.LogCaptureFixture) -> None:
    for secret in SECRETS:
        assert secret not in caplog.text, secret
        for record in caplog.records:
            assert secret not in record.getMessage(), record.getMessage()
            assert secret not in str(record.args), record.args


def test_the_mask_keeps_the_last_four_of_a_long_id() -> None:
    assert mask_id(SITE) == "…3456"
    assert mask_id(GATEWAY) == "…9ABC"
    assert mask_id(1234) == "…34"  # never the whole of a short one
    assert mask_id("") == "…"


async def test_setup_poll_and_failures_never_log_a_whole_id(
    hass: HomeAssistant,
    aioresponses_mock: aioresponses,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(config_entry, options={"backfill_days": 2})

    # Setup fails first: the site's site_info times out, with its URL.
    aioresponses_mock.get(f"{NA_URL}/api/1/products", payload=products())
    aioresponses_mock.get(
        site_url(SITE, "site_info"),
        exception=aiohttp.ClientConnectionError(
            f"Cannot connect: GET {site_url(SITE, 'site_info')}"
        ),
    )
    await setup_entry(hass, config_entry)
    assert config_entry.state is ConfigEntryState.SETUP_RETRY

    # Then it sets up; the history sync fails once with the site in the text.
    mock_account(aioresponses_mock)
    aioresponses_mock.get(
        history_url(SITE), status=500, payload={"error": f"site {SITE} failed"}
    )
    assert await hass.config_entries.async_reload(config_entry.entry_id)
    await hass.async_block_till_done()
    assert config_entry.state is ConfigEntryState.LOADED
    site = config_entry.runtime_data.sites[SITE]
    assert site.live.name == "live_status …3456"

    # Polls: one works, then the faults of every kind.
    interval = site.live.update_interval
    assert interval is not None
    live = site_url(SITE, "live_status")
    aioresponses_mock.get(live, payload=live_status())
    aioresponses_mock.get(live, status=404, payload={"error": f"no site {SITE}"})
    aioresponses_mock.get(
        live, exception=aiohttp.ClientConnectionError(f"refused: GET {live}")
    )
    aioresponses_mock.get(live, exception=TimeoutError())
    aioresponses_mock.get(live, payload={"response": "not an object"})
    aioresponses_mock.get(live, status=429, headers={"Retry-After": "1"})
    for _ in range(7):
        await tick(hass, freezer, interval + timedelta(seconds=2))
    aioresponses_mock.get(
        history_url(SITE), exception=aiohttp.ClientConnectionError(str(SITE))
    )
    await site.energy.async_refresh()
    await hass.async_block_till_done()

    assert f"live_status {mask_id(SITE)}" in caplog.text  # it did log the polls
    assert_masked(caplog)
    assert await hass.config_entries.async_unload(config_entry.entry_id)
    assert_masked(caplog)
