"""The quality-scale rules hassfest cannot see, on a real setup.

Every entity: a unique id, a translated name, an icon from icons.json, a
device; every platform sets PARALLEL_UPDATES; the service exists before any
entry loads; every request goes through Home Assistant's shared session.
"""

from datetime import timedelta
import json
from typing import Any
from unittest.mock import patch

import aiohttp
from aioresponses import aioresponses
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.sensor import SensorDeviceClass
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.entity_platform import async_get_platforms
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.tesla_powerwall3.const import DOMAIN
from tests.common import load_payload, mock_site, setup_entry
from tests.translation_check import STRINGS, TRANSLATIONS

ICONS = json.loads((TRANSLATIONS.parent / "icons.json").read_text())
WITH_WALL_CONNECTOR = "live_status_real_2023-11-06_charging_wc_plugged"

pytestmark = [
    pytest.mark.usefixtures("setup_credentials"),
    pytest.mark.freeze_time("2026-11-15 12:00:00+00:00"),
]


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_every_entity_is_unique_translated_and_on_a_device(
    hass: HomeAssistant,
    aioresponses_mock: aioresponses,
    config_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    device_registry: dr.DeviceRegistry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    mock_site(aioresponses_mock, live=load_payload(WITH_WALL_CONNECTOR))
    await setup_entry(hass, config_entry)

    platforms = async_get_platforms(hass, DOMAIN)
    assert {platform.domain for platform in platforms} == {"sensor", "binary_sensor"}
    for platform in platforms:
        assert isinstance(getattr(platform.platform, "PARALLEL_UPDATES", None), int)
        for entity_id, entity in platform.entities.items():
            key = entity.translation_key
            assert key is not None, entity_id
            assert entity.has_entity_name, entity_id
            assert entity.name == STRINGS["entity"][platform.domain][key]["name"]
            # Icons come from icons.json; a battery's from its device class.
            assert entity.icon is None, entity_id
            if entity.device_class != SensorDeviceClass.BATTERY:
                icon = ICONS["entity"][platform.domain][key]["default"]
                assert icon.startswith("mdi:"), entity_id
            registered = entity_registry.async_get(entity_id)
            assert registered is not None, entity_id
            assert registered.unique_id == entity.unique_id
            assert registered.config_entry_id == config_entry.entry_id
            assert registered.device_id is not None, entity_id
    # Home Assistant refuses (and logs) a second entity with the same unique id.
    assert "does not generate unique IDs" not in caplog.text
    models = {
        device.model
        for device in dr.async_entries_for_config_entry(
            device_registry, config_entry.entry_id
        )
    }
    assert models >= {"Powerwall", "Wall Connector", "Fleet API"}


async def test_service_exists_before_any_entry_loads(
    hass: HomeAssistant, config_entry: MockConfigEntry
) -> None:
    assert await async_setup_component(hass, DOMAIN, {})
    assert hass.services.has_service(DOMAIN, "import_history")
    config_entry.add_to_hass(hass)  # and not set up
    with pytest.raises(ServiceValidationError):
        await hass.services.async_call(
            DOMAIN,
            "import_history",
            {"config_entry_id": config_entry.entry_id, "start_date": "2026-11-01"},
            blocking=True,
            return_response=True,
        )


async def test_requests_use_the_shared_session(
    hass: HomeAssistant,
    aioresponses_mock: aioresponses,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    sessions: list[aiohttp.ClientSession] = []
    send = aiohttp.ClientSession._request

    async def record(session: aiohttp.ClientSession, *args: Any, **kwargs: Any) -> Any:
        sessions.append(session)
        return await send(session, *args, **kwargs)

    mock_site(aioresponses_mock)
    with patch.object(aiohttp.ClientSession, "_request", record):
        await setup_entry(hass, config_entry)
        freezer.tick(timedelta(hours=2))
        async_fire_time_changed(hass)
        await hass.async_block_till_done()
    assert len(sessions) > 3  # products, site_info, live_status, then polls
    assert {id(session) for session in sessions} == {id(async_get_clientsession(hass))}
