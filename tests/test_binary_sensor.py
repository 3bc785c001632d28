"""Binary sensors: snapshots of every state and registry entry."""

from collections.abc import Iterator

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

from tests.common import (
    LIVE_CAPTURES,
    entity_summary,
    load_payload,
    mock_site,
    only_platforms,
    setup_entry,
    two_wall_connectors,
)

pytestmark = [
    pytest.mark.usefixtures("setup_credentials", "entity_registry_enabled_by_default"),
    pytest.mark.freeze_time("2026-11-15 12:00:00+00:00"),
]


@pytest.fixture(autouse=True)
def only_binary_sensors() -> Iterator[None]:
    with only_platforms(Platform.BINARY_SENSOR):
        yield


async def test_platform_snapshot(
    hass: HomeAssistant,
    aioresponses_mock: aioresponses,
    config_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
) -> None:
    mock_site(aioresponses_mock, live=load_payload(LIVE_CAPTURES[0]))
    await setup_entry(hass, config_entry)
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
    mock_site(aioresponses_mock, live=payload)
    await setup_entry(hass, config_entry)
    summary = entity_summary(hass, entity_registry, config_entry.entry_id)
    assert summary == snapshot
