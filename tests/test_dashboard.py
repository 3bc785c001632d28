"""The ready-made dashboard: Home Assistant loads it and every entity exists."""

from collections.abc import Iterator
from pathlib import Path
import re
from typing import Any

from aioresponses import aioresponses
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.template import Template
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import WebSocketGenerator
import yaml

from custom_components.tesla_powerwall3.const import DOMAIN
from tests.common import mock_site, setup_entry

pytestmark = [
    pytest.mark.usefixtures("setup_credentials"),
    pytest.mark.freeze_time("2026-11-15 20:00:00+00:00"),
]

DASHBOARD = Path(__file__).parent.parent / "docs" / "dashboards" / "powerwall.yaml"

CORE_CARDS = {
    "conditional",
    "entities",
    "gauge",
    "heading",
    "history-graph",
    "markdown",
    "power-sankey",
    "statistics-graph",
    "tile",
    "vertical-stack",
}
"""Card types of Home Assistant's frontend (20260930) this dashboard may use."""

CUSTOM_CARDS = {"custom:apexcharts-card"}
"""Custom cards, allowed only in a view that says it needs them."""

REQUIRED_KEYS = {
    "conditional": {"conditions", "card"},
    "entities": {"entities"},
    "gauge": {"entity"},
    "heading": {"heading"},
    "history-graph": {"entities"},
    "markdown": {"content"},
    "statistics-graph": {"entities", "stat_types", "period"},
    "tile": {"entity"},
    "vertical-stack": {"cards"},
    "custom:apexcharts-card": {"series"},
}

STATES_CALL = re.compile(r"states\(\s*'([a-z_]+\.[a-z0-9_]+)'")


def cards_of(view: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Yield every card of a view, nested ones (stacks, conditionals) included."""
    stack = [*view.get("cards", [])]
    for section in view.get("sections", []):
        stack.extend(section.get("cards", []))
    while stack:
        card = stack.pop(0)
        yield card
        stack.extend(card.get("cards", []))
        if "card" in card:
            stack.append(card["card"])


def entity_ids(card: dict[str, Any]) -> set[str]:
    """Return the entity ids a card refers to, in options and in templates."""
    found = set()
    if isinstance(card.get("entity"), str):
        found.add(card["entity"])
    for item in [*card.get("entities", []), *card.get("series", [])]:
        found.add(item if isinstance(item, str) else item["entity"])
    found |= {c["entity"] for c in card.get("conditions", []) if "entity" in c}
    found |= set(STATES_CALL.findall(card.get("content", "")))
    return found


def problems(config: dict[str, Any], known: dict[str, er.RegistryEntry]) -> list[str]:
    """Return what is wrong with a dashboard for the integration's entities."""
    found: list[str] = []
    for view in config["views"]:
        title = view["title"]
        if view.get("type") == "sections" and not view.get("sections"):
            found.append(f"{title}: a sections view without sections")
        for card in cards_of(view):
            kind = card.get("type", "")
            if kind in CUSTOM_CARDS:
                if "apexcharts" not in title.lower():
                    found.append(f"{title}: {kind} in a view not marked as needing it")
            elif kind not in CORE_CARDS:
                found.append(f"{title}: unknown card type {kind!r}")
            missing = REQUIRED_KEYS.get(kind, set()) - set(card)
            found += [f"{title}: {kind} without {key}" for key in sorted(missing)]
            for entity_id in sorted(entity_ids(card)):
                entry = known.get(entity_id)
                if entry is None:
                    found.append(f"{title}: {entity_id} is not an entity it creates")
                elif entry.disabled_by is not None:
                    found.append(f"{title}: {entity_id} is disabled by default")
    return found


def load_dashboard() -> dict[str, Any]:
    config: dict[str, Any] = yaml.safe_load(DASHBOARD.read_text())
    return config


@pytest.fixture
async def site_entities(
    hass: HomeAssistant,
    aioresponses_mock: aioresponses,
    config_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
) -> dict[str, er.RegistryEntry]:
    """Set the site up and return the entities it creates, by entity id."""
    mock_site(aioresponses_mock)
    await setup_entry(hass, config_entry)
    entries = er.async_entries_for_config_entry(entity_registry, config_entry.entry_id)
    assert {e.platform for e in entries} == {DOMAIN}
    return {e.entity_id: e for e in entries}


async def test_home_assistant_loads_the_dashboard(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    site_entities: dict[str, er.RegistryEntry],
) -> None:
    """A YAML dashboard of the file loads through Lovelace without an error."""
    assert await async_setup_component(
        hass,
        "lovelace",
        {
            "lovelace": {
                "dashboards": {
                    "dashboard-powerwall": {
                        "mode": "yaml",
                        "filename": str(DASHBOARD),
                        "title": "Powerwall",
                    }
                }
            }
        },
    )
    client = await hass_ws_client(hass)
    await client.send_json_auto_id(
        {"type": "lovelace/config", "url_path": "dashboard-powerwall"}
    )
    answer = await client.receive_json()
    assert answer["success"], answer
    assert answer["result"] == load_dashboard()
    assert [view["path"] for view in answer["result"]["views"]] == [
        "powerwall",
        "week",
        "apexcharts",
    ]


async def test_every_card_is_known_and_every_entity_exists(
    hass: HomeAssistant, site_entities: dict[str, er.RegistryEntry]
) -> None:
    config = load_dashboard()
    assert problems(config, site_entities) == []
    referenced = {
        entity_id
        for view in config["views"]
        for card in cards_of(view)
        for entity_id in entity_ids(card)
    }
    # The main signals are all there, and each has a state.
    for key in ("solar_power", "grid_power", "home_power", "battery_power"):
        assert f"sensor.my_home_{key}" in referenced
    for entity_id in referenced:
        assert hass.states.get(entity_id) is not None, entity_id


async def test_conditions_and_templates_fit_the_entities(
    hass: HomeAssistant, site_entities: dict[str, er.RegistryEntry]
) -> None:
    """The outage card's state is one the grid status can take; templates render."""
    for view in load_dashboard()["views"]:
        for card in cards_of(view):
            for condition in card.get("conditions", []):
                state = hass.states.get(condition["entity"])
                assert state is not None
                assert condition["state"] in state.attributes["options"]
            if "content" in card:
                rendered = str(Template(card["content"], hass).async_render())
                assert "unknown" not in rendered
                assert "unavailable" not in rendered


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda c: c["views"][0]["sections"][0]["cards"][2].update(
                entity="sensor.my_home_solar_powr"
            ),
            "Powerwall: sensor.my_home_solar_powr is not an entity it creates",
        ),
        (
            lambda c: c["views"][0]["sections"][0]["cards"].append(
                {"type": "tile", "entity": "sensor.my_home_generator_power"}
            ),
            "Powerwall: sensor.my_home_generator_power is disabled by default",
        ),
        (
            lambda c: c["views"][1]["sections"][0]["cards"].append(
                {"type": "custom:apexcharts-card", "series": []}
            ),
            "Last 7 days: custom:apexcharts-card in a view not marked as needing it",
        ),
        (
            lambda c: c["views"][0]["sections"][0]["cards"].append({"type": "tiles"}),
            "Powerwall: unknown card type 'tiles'",
        ),
        (
            lambda c: c["views"][0]["sections"][0]["cards"].append({"type": "gauge"}),
            "Powerwall: gauge without entity",
        ),
        (
            lambda c: c["views"][0]["sections"][0]["cards"][1]["card"].update(
                content="{{ states('sensor.my_home_grid_stat') }}"
            ),
            "Powerwall: sensor.my_home_grid_stat is not an entity it creates",
        ),
    ],
)
async def test_a_broken_copy_is_caught(
    hass: HomeAssistant,
    site_entities: dict[str, er.RegistryEntry],
    change: Any,
    expected: str,
) -> None:
    config = load_dashboard()
    change(config)
    assert expected in problems(config, site_entities)
