"""Diagnostics leave nothing personal in."""

import json

from aioresponses import aioresponses
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion

from tests.common import ACCOUNT_ID, load_payload, mock_site, setup_entry

pytestmark = [
    pytest.mark.usefixtures("setup_credentials"),
    pytest.mark.freeze_time("2026-11-15 12:00:00+00:00"),
]


async def test_diagnostics(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    aioresponses_mock: aioresponses,
    config_entry: MockConfigEntry,
    snapshot: SnapshotAssertion,
) -> None:
    live = load_payload("live_status_real_2023-11-06_charging_wc_plugged")
    mock_site(aioresponses_mock, live=live)
    await setup_entry(hass, config_entry)
    diagnostics = await get_diagnostics_for_config_entry(
        hass, hass_client, config_entry
    )
    assert diagnostics == snapshot

    text = json.dumps(diagnostics)
    token = config_entry.data["token"]
    for secret in (
        token["access_token"],
        token["refresh_token"],
        ACCOUNT_ID,
        "1234",  # site id and the Wall Connector's VIN
        "5432",  # Wall Connector DIN
        "0000000-00-A--TEST0000000DIN",  # gateway DIN (serial)
        "My Home",
        "qwfp",  # asset ids in /products
    ):
        assert secret not in text
