"""The automation blueprints, loaded by Home Assistant and run on real entities.

Each behaviour test sets the integration up on captured Fleet API payloads,
creates an automation from a blueprint with the integration's entity ids and
then changes what Tesla answers. The live_status mock serves whatever the test
set last, so each poll goes the whole way through the client, the coordinator
and the entities, as at home.
"""

import asyncio
from collections.abc import Iterator
from datetime import timedelta
import json
from pathlib import Path
import re
import shutil
from typing import Any
from urllib.parse import quote, unquote

from aioresponses import CallbackResult, aioresponses
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components import persistent_notification
from homeassistant.components.automation.config import (
    ValidationStatus,
    async_validate_config_item,
)
from homeassistant.components.automation.helpers import async_get_blueprints
from homeassistant.core import (
    Event,
    EventStateChangedData,
    HomeAssistant,
    ServiceCall,
    callback,
)
from homeassistant.helpers.event import async_track_state_change_event
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util, yaml as yaml_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed_exact,
    async_mock_service,
)
from pytest_homeassistant_custom_component.test_util.aiohttp import (
    AiohttpClientMocker,
)
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from custom_components.tesla_powerwall3.const import (
    CONF_BUDGET,
    CONF_MODE,
    DOMAIN,
    MODE_BUDGET,
)
from tests.common import (
    NA_URL,
    SITE_ID,
    load_payload,
    mock_history,
    on_budget,
    setup_entry,
    site_url,
    state_of,
)

BLUEPRINT_DIR = Path(__file__).parent.parent / "blueprints" / "automation" / DOMAIN
REPOSITORY = "tesla-powerwall3/tesla_powerwall3"
SOURCE_URL = f"https://github.com/{REPOSITORY}/blob/main/blueprints/automation/{DOMAIN}"
RAW_URL = f"https://raw.githubusercontent.com/{REPOSITORY}/main/blueprints/automation/{DOMAIN}"
BLUEPRINTS = ("grid_outage", "low_battery_during_outage", "storm_watch", "api_budget")

GRID = "sensor.my_home_grid_status"
ISLAND = "sensor.my_home_island_status"
CHARGE = "sensor.my_home_battery_charge"
BACKUP_TIME = "sensor.my_home_backup_time_at_current_load"
STORM_ACTIVE = "binary_sensor.my_home_storm_watch_active"
REQUESTS = "sensor.tesla_fleet_api_requests_this_month"
PROJECTED_REQUESTS = "sensor.tesla_fleet_api_projected_requests_this_month"
PROJECTED_COST = "sensor.tesla_fleet_api_projected_cost_this_month"

ON_GRID = "live_status_real_2023-11-06_exporting"
OFF_GRID_BY_CHOICE = "live_status_real_2023-12-17_off_grid_intentional"
OUTAGE: dict[str, Any] = {
    # The exporting capture as it would read at night during an outage.
    "grid_status": "Inactive",
    "island_status": "off_grid_unintentional",
    "grid_power": 0,
    "solar_power": 0,
    "battery_power": 2400,
    "load_power": 2400,
    "percentage_charged": 64.4,
    "energy_left": 26000,
}
"""26 kWh left at 2.4 kW: 10.83 hours."""

GRID_INPUTS = {
    "grid_status_sensor": GRID,
    "battery_charge_sensor": CHARGE,
    "backup_time_sensor": BACKUP_TIME,
}
STORM_INPUTS = {
    "storm_watch_active_sensor": STORM_ACTIVE,
    "battery_charge_sensor": CHARGE,
}
BUDGET_INPUTS = {
    "requests_sensor": REQUESTS,
    "projected_requests_sensor": PROJECTED_REQUESTS,
    "projected_cost_sensor": PROJECTED_COST,
}
REQUIRED_INPUTS = {
    "grid_outage": GRID_INPUTS,
    "low_battery_during_outage": GRID_INPUTS,
    "storm_watch": STORM_INPUTS,
    "api_budget": BUDGET_INPUTS,
}
USE_FEWER = (
    " To use fewer, lower the monthly budget in the options of the Tesla Powerwall 3"
    " integration."
)

pytestmark = [
    pytest.mark.usefixtures("setup_credentials"),
    # 04:00 in the test time zone (US/Pacific), mid-month.
    pytest.mark.freeze_time("2026-11-15 12:00:00+00:00"),
]


@pytest.fixture
def hass_config_dir(hass_tmp_config_dir: str) -> str:
    """Give each test a config folder of its own for the blueprints."""
    return hass_tmp_config_dir


def install_blueprints(hass: HomeAssistant) -> None:
    """Copy the blueprints to where Home Assistant looks for them."""
    target = Path(hass.config.path("blueprints", "automation", DOMAIN))
    target.mkdir(parents=True, exist_ok=True)
    for name in BLUEPRINTS:
        shutil.copy(BLUEPRINT_DIR / f"{name}.yaml", target)


async def settle(hass: HomeAssistant) -> None:
    """Run the event loop until nothing is left to do but to wait.

    Not async_block_till_done: it would also wait for the automation runs that
    wait for the end of an outage, which never comes by itself. Timers that are
    due are run here, as the frozen clock keeps asyncio from running them.
    """
    loop = hass.loop
    for _ in range(10_000):
        await asyncio.sleep(0)
        if loop._ready:  # type: ignore[attr-defined]
            continue
        if any(
            not handle.cancelled() and handle.when() <= loop.time()
            for handle in loop._scheduled  # type: ignore[attr-defined]
        ):
            async_fire_time_changed_exact(hass)
            continue
        return
    pytest.fail("Home Assistant kept busy")


class Tesla:
    """Answers the account's requests: live_status with what the test set last."""

    def __init__(self, mock: aioresponses) -> None:
        self.live: dict[str, Any] = load_payload(ON_GRID)["response"]
        self.failing = False
        mock.get(
            f"{NA_URL}/api/1/products",
            payload=load_payload("products_real_2024-04-12"),
            repeat=True,
        )
        mock.get(
            site_url(SITE_ID, "site_info"),
            payload=load_payload("site_info_bolt_sdk_sample"),
            repeat=True,
        )
        mock.get(
            site_url(SITE_ID, "live_status"), callback=self._live_status, repeat=True
        )
        mock_history(mock)

    def _live_status(self, url: Any, **kwargs: Any) -> CallbackResult:
        if self.failing:
            return CallbackResult(
                status=500,
                payload=load_payload(
                    "error_500_upstream_internal_error__converted_from_python"
                ),
            )
        return CallbackResult(payload={"response": self.live})


class Powerwall:
    """The loaded integration, the time, and the notifications created."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: MockConfigEntry,
        tesla: Tesla,
        freezer: FrozenDateTimeFactory,
    ) -> None:
        self.hass = hass
        self.entry = entry
        self.tesla = tesla
        self.freezer = freezer
        self.notifications: list[persistent_notification.Notification] = []

        @callback
        def record(
            kind: persistent_notification.UpdateType,
            changed: dict[str, persistent_notification.Notification],
        ) -> None:
            if kind in {
                persistent_notification.UpdateType.ADDED,
                persistent_notification.UpdateType.UPDATED,
            }:
                self.notifications.extend(changed.values())

        persistent_notification.async_register_callback(hass, record)

    async def poll(self, capture: str = ON_GRID, **fields: Any) -> None:
        """Let Tesla answer live_status with a capture, changed by fields; poll."""
        self.tesla.live = {**load_payload(capture)["response"], **fields}
        self.tesla.failing = False
        await self._refresh()

    async def fail(self) -> None:
        """Let the next live_status fail (a Fleet API hiccup); poll."""
        self.tesla.failing = True
        await self._refresh()

    async def _refresh(self) -> None:
        await self.entry.runtime_data.sites[SITE_ID].live.async_refresh()
        # The blueprints give the poll's other sensors a second.
        await self.wait(timedelta(seconds=1))

    async def wait(self, period: timedelta) -> None:
        """Let time pass, from timer to timer, as Home Assistant would see it."""
        loop = self.hass.loop
        end = dt_util.utcnow() + period
        await settle(self.hass)
        while (left := (end - dt_util.utcnow()).total_seconds()) > 0:
            timers = [
                handle.when() - loop.time()
                for handle in loop._scheduled  # type: ignore[attr-defined]
                if not handle.cancelled()
            ]
            self.freezer.tick(min([*timers, left]) + 0.001)
            await settle(self.hass)

    async def automation(self, blueprint: str, **inputs: Any) -> str:
        """Create an automation from a blueprint; return its entity id."""
        assert await async_setup_component(
            self.hass,
            "automation",
            {
                "automation": {
                    "id": blueprint,
                    "alias": blueprint,
                    "use_blueprint": {
                        "path": f"{DOMAIN}/{blueprint}.yaml",
                        "input": inputs,
                    },
                }
            },
        )
        await self.hass.async_block_till_done()
        entity_id = f"automation.{blueprint}"
        assert state_of(self.hass, entity_id) == "on"
        return entity_id

    def texts(self) -> list[tuple[str | None, str]]:
        """Return the title and message of every notification so far."""
        return [(n["title"], n["message"]) for n in self.notifications]

    def titles(self) -> list[str | None]:
        return [n["title"] for n in self.notifications]


@pytest.fixture
async def powerwall(
    hass: HomeAssistant,
    aioresponses_mock: aioresponses,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> Powerwall:
    """Set the integration up on the captured payloads, and the blueprints."""
    assert await async_setup_component(hass, "persistent_notification", {})
    await hass.async_add_executor_job(install_blueprints, hass)
    tesla = Tesla(aioresponses_mock)
    on_budget(hass, config_entry)  # what the api_budget blueprint is about
    await setup_entry(hass, config_entry)
    assert state_of(hass, GRID) == "connected"
    assert state_of(hass, CHARGE) == "100.0"
    return Powerwall(hass, config_entry, tesla, freezer)


def calls_of(hass: HomeAssistant, *services: str) -> Iterator[list[ServiceCall]]:
    """Mock test.<service> for each name; yield each list of calls."""
    for service in services:
        yield async_mock_service(hass, "test", service)


# Loading, validation and import.


@pytest.mark.parametrize("name", BLUEPRINTS)
async def test_blueprint_loads_with_every_input_declared_and_used(
    hass: HomeAssistant, name: str
) -> None:
    await hass.async_add_executor_job(install_blueprints, hass)
    blueprint = await async_get_blueprints(hass).async_get_blueprint(
        f"{DOMAIN}/{name}.yaml"
    )
    assert blueprint.validate() is None  # this Home Assistant is recent enough
    metadata = blueprint.metadata
    assert metadata["domain"] == "automation"
    assert metadata["name"].startswith("Tesla Powerwall 3 - ")
    assert metadata["description"]
    assert metadata["source_url"] == f"{SOURCE_URL}/{name}.yaml"
    assert metadata["homeassistant"]["min_version"] == "2024.10.0"

    # Every !input is declared (the loader checks that) and every input used.
    assert yaml_util.extract_inputs(blueprint.data) == set(blueprint.inputs)
    for key, spec in blueprint.inputs.items():
        assert spec["name"], key
        assert spec["description"], key
        if entity := spec["selector"].get("entity"):
            assert entity["filter"], key
            assert all(f["integration"] == DOMAIN for f in entity["filter"]), key
        if "action" in spec["selector"]:
            assert "default" in spec, key
    # The notification actions offer the computed text.
    notify = blueprint.inputs["notify_action"]
    assert "{{ title }}" in notify["description"]
    assert "{{ message }}" in notify["description"]
    assert notify["default"] == [
        {
            "action": "persistent_notification.create",
            "data": {
                "notification_id": notify["default"][0]["data"]["notification_id"],
                "title": "{{ title }}",
                "message": "{{ message }}",
            },
        }
    ]

    # Entities come from the inputs only, never from ids written in.
    automation = {k: v for k, v in blueprint.data.items() if k != "blueprint"}
    text = json.dumps(automation, default=str)
    assert "my_home" not in text
    assert "tesla_fleet_api" not in text
    assert "sensor." not in text


@pytest.mark.parametrize("name", BLUEPRINTS)
async def test_automation_from_blueprint_validates(
    hass: HomeAssistant, name: str
) -> None:
    """What the automation editor checks before it saves."""
    await hass.async_add_executor_job(install_blueprints, hass)
    config = await async_validate_config_item(
        hass,
        name,
        {
            "id": name,
            "alias": name,
            "use_blueprint": {
                "path": f"{DOMAIN}/{name}.yaml",
                "input": REQUIRED_INPUTS[name],
            },
        },
    )
    assert config is not None
    assert config.validation_error is None
    assert config.validation_status is ValidationStatus.OK
    assert config["mode"] in {"single", "queued"}
    assert config["triggers"]
    assert config["actions"]


@pytest.mark.parametrize("name", BLUEPRINTS)
async def test_import_by_url_and_save(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    aioclient_mock: AiohttpClientMocker,
    name: str,
) -> None:
    """As the "Import blueprint" dialog and my.home-assistant.io links do it."""
    raw = (BLUEPRINT_DIR / f"{name}.yaml").read_text(encoding="utf-8")
    aioclient_mock.get(f"{RAW_URL}/{name}.yaml", text=raw)
    assert await async_setup_component(hass, "automation", {})
    client = await hass_ws_client(hass)
    url = f"{SOURCE_URL}/{name}.yaml"

    await client.send_json_auto_id({"type": "blueprint/import", "url": url})
    answer = await client.receive_json()
    assert answer["success"], answer
    result = answer["result"]
    assert result["validation_errors"] is None
    assert result["exists"] is False
    assert result["suggested_filename"] == f"tesla-powerwall3/{name}"
    assert result["raw_data"] == raw
    assert result["blueprint"]["metadata"]["source_url"] == url
    assert aioclient_mock.call_count == 1

    await client.send_json_auto_id(
        {
            "type": "blueprint/save",
            "domain": "automation",
            "path": result["suggested_filename"],
            "yaml": result["raw_data"],
            "source_url": url,
        }
    )
    answer = await client.receive_json()
    assert answer["success"], answer
    assert answer["result"] == {"overrides_existing": False}

    saved = await async_get_blueprints(hass).async_get_blueprint(
        f"tesla-powerwall3/{name}.yaml"
    )
    assert saved.metadata["source_url"] == url
    assert yaml_util.extract_inputs(saved.data) == set(saved.inputs)

    await client.send_json_auto_id({"type": "blueprint/import", "url": url})
    answer = await client.receive_json()
    assert answer["result"]["exists"] is True


# grid_outage.yaml


async def test_outage_and_restoration(
    hass: HomeAssistant, powerwall: Powerwall
) -> None:
    automation = await powerwall.automation("grid_outage", **GRID_INPUTS)

    await powerwall.poll(**OUTAGE)
    assert state_of(hass, GRID) == "islanded"
    assert state_of(hass, BACKUP_TIME) == "10.83"
    assert powerwall.texts() == [
        (
            "Grid outage at My Home",
            (
                "The grid went down at 04:00 and the Powerwall is powering your home."
                " Battery: 64 %, about 10 h 50 min left at the current load."
            ),
        )
    ]

    await powerwall.wait(timedelta(hours=3, minutes=12))
    await powerwall.poll(**{**OUTAGE, "percentage_charged": 41.6})
    assert len(powerwall.notifications) == 1

    await powerwall.wait(timedelta(minutes=5))
    await powerwall.poll(percentage_charged=41.2)
    assert powerwall.texts()[1:] == [
        (
            "Grid restored at My Home",
            "The grid is back after 3 h 17 min (down since 04:00). Battery: 41 % left.",
        )
    ]
    # The restoration replaced the outage's notification.
    assert {n["notification_id"] for n in powerwall.notifications} == {automation}


async def test_outage_ignores_unknown_and_unavailable(
    hass: HomeAssistant, powerwall: Powerwall
) -> None:
    await powerwall.automation("grid_outage", **GRID_INPUTS)

    # Tesla not knowing, or not answering, is no outage, nor its end.
    await powerwall.poll(grid_status="Unknown")
    assert state_of(hass, GRID) == "unknown"
    await powerwall.poll()
    await powerwall.fail()
    assert state_of(hass, GRID) == "unavailable"
    await powerwall.poll()
    assert state_of(hass, GRID) == "connected"
    assert powerwall.notifications == []

    # Gaps during an outage do not report it again...
    await powerwall.poll(**OUTAGE)
    await powerwall.fail()
    await powerwall.poll(**OUTAGE)
    await powerwall.poll(**{**OUTAGE, "grid_status": "Unknown"})
    await powerwall.poll(**OUTAGE)
    assert powerwall.titles() == ["Grid outage at My Home"]

    # ...and its end counts, even when the reading before was a gap.
    await powerwall.wait(timedelta(minutes=40))
    await powerwall.fail()
    await powerwall.poll()
    assert powerwall.texts()[1:] == [
        (
            "Grid restored at My Home",
            "The grid is back after 40 min (down since 04:00). Battery: 100 % left.",
        )
    ]


async def test_outage_first_seen_after_a_gap(
    hass: HomeAssistant, powerwall: Powerwall
) -> None:
    """The Fleet API (or the home's internet) was down as the grid went down."""
    await powerwall.automation("grid_outage", **GRID_INPUTS)

    await powerwall.fail()
    await powerwall.poll(**OUTAGE)

    assert powerwall.titles() == ["Grid outage at My Home"]


@pytest.mark.parametrize("ignore_on_purpose", [True, False])
async def test_off_grid_on_purpose(
    hass: HomeAssistant, powerwall: Powerwall, ignore_on_purpose: bool
) -> None:
    """The real capture of an owner's Go Off-Grid in the Tesla app."""
    inputs = {
        **GRID_INPUTS,
        "island_status_sensor": ISLAND if ignore_on_purpose else "",
    }
    await powerwall.automation("grid_outage", **inputs)

    await powerwall.poll(OFF_GRID_BY_CHOICE)
    assert state_of(hass, GRID) == "islanded"
    assert state_of(hass, ISLAND) == "off_grid_intentional"
    await powerwall.wait(timedelta(hours=1))
    await powerwall.poll()

    if ignore_on_purpose:
        assert powerwall.notifications == []
    else:
        # 81.9 % and 21.24 kWh at 0.95 kW: 22.36 hours.
        assert powerwall.texts() == [
            (
                "Grid outage at My Home",
                (
                    "The grid went down at 04:00 and the Powerwall is powering your"
                    " home. Battery: 82 %, about 22 h 22 min left at the current load."
                ),
            ),
            (
                "Grid restored at My Home",
                "The grid is back after 1 h (down since 04:00). Battery: 100 % left.",
            ),
        ]


async def test_short_outages_ignored(hass: HomeAssistant, powerwall: Powerwall) -> None:
    await powerwall.automation(
        "grid_outage", **GRID_INPUTS, min_duration={"minutes": 10}
    )

    await powerwall.poll(**OUTAGE)
    await powerwall.wait(timedelta(minutes=9))
    await powerwall.poll()
    assert powerwall.notifications == []

    await powerwall.wait(timedelta(minutes=1))
    await powerwall.poll(**OUTAGE)  # 04:10
    await powerwall.wait(timedelta(minutes=9, seconds=58))
    assert powerwall.notifications == []
    await powerwall.wait(timedelta(seconds=2))
    assert powerwall.texts() == [
        (
            "Grid outage at My Home",
            (
                "The grid went down at 04:10 and the Powerwall is powering your home."
                " Battery: 64 %, about 10 h 50 min left at the current load."
            ),
        )
    ]
    await powerwall.wait(timedelta(hours=2))
    await powerwall.poll()
    assert powerwall.texts()[1] == (
        "Grid restored at My Home",
        "The grid is back after 2 h 10 min (down since 04:10). Battery: 100 % left.",
    )


async def test_restoration_of_an_outage_before_a_restart(
    hass: HomeAssistant, powerwall: Powerwall
) -> None:
    """With the waiting run gone (here: the automation was off for a moment)."""
    automation = await powerwall.automation("grid_outage", **GRID_INPUTS)
    await powerwall.poll(**OUTAGE)
    await hass.services.async_call("automation", "turn_off", {"entity_id": automation})
    await hass.services.async_call("automation", "turn_on", {"entity_id": automation})
    await settle(hass)
    assert state_of(hass, automation) == "on"

    await powerwall.wait(timedelta(days=1, hours=2, minutes=30))
    await powerwall.poll(percentage_charged=12)

    assert powerwall.texts()[1:] == [
        (
            "Grid restored at My Home",
            (
                "The grid is back after 1 d 2 h (down since Sun 15 Nov 04:00)."
                " Battery: 12 % left."
            ),
        )
    ]


async def test_outage_through_a_reload_of_the_integration(
    hass: HomeAssistant, powerwall: Powerwall
) -> None:
    """Its entities go away and come back: still one outage, timed from its start."""
    await powerwall.automation("grid_outage", **GRID_INPUTS)
    await powerwall.poll(**OUTAGE)

    await powerwall.wait(timedelta(minutes=20))
    powerwall.tesla.live = {**load_payload(ON_GRID)["response"], **OUTAGE}
    assert await hass.config_entries.async_reload(powerwall.entry.entry_id)
    await powerwall.wait(timedelta(seconds=1))
    assert state_of(hass, GRID) == "islanded"
    assert powerwall.titles() == ["Grid outage at My Home"]

    await powerwall.wait(timedelta(minutes=25))
    await powerwall.poll()
    assert powerwall.texts()[1:] == [
        (
            "Grid restored at My Home",
            "The grid is back after 45 min (down since 04:00). Battery: 100 % left.",
        )
    ]


async def test_own_notification_and_actions(
    hass: HomeAssistant, powerwall: Powerwall
) -> None:
    notify, paused, resumed = calls_of(hass, "notify", "pause", "resume")
    await powerwall.automation(
        "grid_outage",
        **GRID_INPUTS,
        notify_restored=False,
        notify_action=[
            {
                "action": "test.notify",
                "data": {
                    "title": "{{ title }}",
                    "message": "{{ message }}",
                    "event": "{{ event }}",
                },
            }
        ],
        outage_actions=[{"action": "test.pause"}],
        restored_actions=[{"action": "test.resume"}],
    )

    await powerwall.poll(**OUTAGE)
    assert [call.data for call in notify] == [
        {
            "title": "Grid outage at My Home",
            "message": "The grid went down at 04:00 and the Powerwall is powering"
            " your home. Battery: 64 %, about 10 h 50 min left at the current load.",
            "event": "outage",
        }
    ]
    assert (len(paused), len(resumed)) == (1, 0)

    await powerwall.poll()
    assert len(notify) == 1
    assert (len(paused), len(resumed)) == (1, 1)
    assert powerwall.notifications == []


# low_battery_during_outage.yaml


async def test_low_battery_during_outage(
    hass: HomeAssistant, powerwall: Powerwall
) -> None:
    (shed,) = calls_of(hass, "shed_load")
    automation = await powerwall.automation(
        "low_battery_during_outage",
        **GRID_INPUTS,
        low_actions=[{"action": "test.shed_load"}],
    )

    async def later(charge: float, **fields: Any) -> None:
        await powerwall.wait(timedelta(minutes=10))
        await powerwall.poll(**{**OUTAGE, "percentage_charged": charge, **fields})

    await powerwall.poll(**{**OUTAGE, "percentage_charged": 35.2})
    assert powerwall.notifications == []

    # 11.9 kWh at 2.4 kW: 4.96 hours.
    await later(29.4, energy_left=11900)
    assert powerwall.texts() == [
        (
            "Powerwall battery low at My Home",
            (
                "The grid is still down and the battery has fallen to 29 %"
                " (below 30 %). About 4 h 58 min left at the current load. Turn off"
                " what you can do without to make it last."
            ),
        )
    ]
    assert powerwall.notifications[0]["notification_id"] == automation
    assert len(shed) == 1

    # Once per dip: not on the next polls, nor after a gap.
    await later(28.1)
    await powerwall.fail()
    await later(27.5)
    assert len(powerwall.notifications) == 1
    # Not after a recovery of less than 5 points either.
    await later(34.9)
    await later(29.9)
    assert len(powerwall.notifications) == 1
    assert len(shed) == 1

    # Solar brought it back up; the next dip warns again.
    await later(35.0)
    await later(29.6)
    assert powerwall.titles() == ["Powerwall battery low at My Home"] * 2
    assert len(shed) == 2


async def test_low_battery_when_the_outage_begins(
    hass: HomeAssistant, powerwall: Powerwall
) -> None:
    await powerwall.automation("low_battery_during_outage", **GRID_INPUTS, threshold=25)

    # Low while the grid is up is no matter.
    await powerwall.poll(percentage_charged=18.2, energy_left=7600)
    await powerwall.poll(percentage_charged=17.9, energy_left=7500)
    assert powerwall.notifications == []

    outage = {**OUTAGE, "percentage_charged": 17.9, "energy_left": 7500}
    await powerwall.poll(**outage)
    assert powerwall.texts() == [
        (
            "Powerwall battery low at My Home",
            (
                "The grid went down with the battery already at 18 % (below 25 %)."
                " About 3 h 7 min left at the current load. Turn off what you can do"
                " without to make it last."
            ),
        )
    ]

    # The next outage warns again.
    await powerwall.poll(percentage_charged=17.9)
    await powerwall.poll(**outage)
    assert len(powerwall.notifications) == 2

    # Nor is the grid coming back with a low charge.
    await powerwall.poll(percentage_charged=16.0)
    await powerwall.poll(percentage_charged=15.0)
    assert len(powerwall.notifications) == 2


async def test_low_battery_without_time_left(
    hass: HomeAssistant, powerwall: Powerwall
) -> None:
    """No load reported: the backup time is unknown, the warning still comes."""
    await powerwall.automation("low_battery_during_outage", **GRID_INPUTS)

    await powerwall.poll(**{**OUTAGE, "percentage_charged": 9.6, "load_power": 0})

    assert state_of(hass, BACKUP_TIME) == "unknown"
    assert powerwall.texts() == [
        (
            "Powerwall battery low at My Home",
            (
                "The grid went down with the battery already at 10 % (below 30 %)."
                " Turn off what you can do without to make it last."
            ),
        )
    ]


# storm_watch.yaml


async def test_storm_watch_start_and_end(
    hass: HomeAssistant, powerwall: Powerwall
) -> None:
    automation = await powerwall.automation("storm_watch", **STORM_INPUTS)

    await powerwall.poll(storm_mode_active=True, percentage_charged=76.3)
    assert state_of(hass, STORM_ACTIVE) == "on"
    assert powerwall.texts() == [
        (
            "Storm Watch at My Home",
            (
                "Tesla expects severe weather near your home: the Powerwall is charging"
                " up and saving its energy for a possible grid outage. Battery: 76 %."
            ),
        )
    ]

    # A gap is no new Storm Watch.
    await powerwall.wait(timedelta(hours=2))
    await powerwall.fail()
    await powerwall.poll(storm_mode_active=True, percentage_charged=91)
    assert len(powerwall.notifications) == 1

    await powerwall.wait(timedelta(hours=3, minutes=12))
    await powerwall.poll(storm_mode_active=False)
    assert powerwall.texts()[1:] == [
        (
            "Storm Watch ended at My Home",
            (
                "Storm Watch is over after 5 h 12 min; the Powerwall is back to its"
                " usual mode. Battery: 100 %."
            ),
        )
    ]
    assert {n["notification_id"] for n in powerwall.notifications} == {automation}


async def test_storm_watch_ignores_gaps_without_one(
    hass: HomeAssistant, powerwall: Powerwall
) -> None:
    await powerwall.automation("storm_watch", **STORM_INPUTS)

    await powerwall.fail()
    assert state_of(hass, STORM_ACTIVE) == "unavailable"
    await powerwall.poll(storm_mode_active=False)
    await powerwall.poll(storm_mode_active=None)
    assert state_of(hass, STORM_ACTIVE) == "unknown"
    await powerwall.poll(storm_mode_active=False)

    assert powerwall.notifications == []


async def test_storm_watch_own_notification_and_actions(
    hass: HomeAssistant, powerwall: Powerwall
) -> None:
    notify, started, ended = calls_of(hass, "notify", "started", "ended")
    await powerwall.automation(
        "storm_watch",
        **STORM_INPUTS,
        notify_end=False,
        notify_action=[
            {
                "action": "test.notify",
                "data": {"title": "{{ title }}", "event": "{{ event }}"},
            }
        ],
        start_actions=[{"action": "test.started"}],
        end_actions=[{"action": "test.ended"}],
    )

    await powerwall.poll(storm_mode_active=True)
    assert [call.data for call in notify] == [
        {"title": "Storm Watch at My Home", "event": "started"}
    ]
    assert (len(started), len(ended)) == (1, 0)

    await powerwall.poll(storm_mode_active=False)
    assert len(notify) == 1
    assert (len(started), len(ended)) == (1, 1)


# api_budget.yaml


async def count_up_to(powerwall: Powerwall, requests: int) -> None:
    """Count as if the month had been polled; the next poll makes it requests."""
    data = powerwall.entry.runtime_data
    data.cost.billable["live_status"] += requests - 1 - data.cost.total_billable
    data.cost.async_replan()  # the hourly re-plan
    await powerwall.poll()
    assert state_of(powerwall.hass, REQUESTS) == str(requests)


async def test_requests_warning_once_per_crossing(
    hass: HomeAssistant, powerwall: Powerwall
) -> None:
    automation = await powerwall.automation("api_budget", **BUDGET_INPUTS)

    await count_up_to(powerwall, 4499)
    assert powerwall.notifications == []

    await powerwall.poll()  # the 4,500th request: 90 % of 5,000
    assert state_of(hass, REQUESTS) == "4500"
    projected = int(state_of(hass, PROJECTED_REQUESTS))
    assert 4500 < projected <= 5000
    assert powerwall.texts() == [
        (
            "Tesla Fleet API: 90 % of your monthly request limit used",
            (
                "This month Home Assistant has made 4,500 billable Fleet API requests,"
                f" 90 % of your limit of 5,000. By the end of the month it is projected"
                f" to make {projected:,}, costing $0.00 after Tesla's $10 monthly"
                f" credit.{USE_FEWER}"
            ),
        )
    ]
    assert powerwall.notifications[0]["notification_id"] == f"{automation}_requests"

    # Not on every update above the line; the cost stayed at 0: no warning.
    await powerwall.poll()
    await powerwall.poll()
    assert state_of(hass, REQUESTS) == "4502"
    assert state_of(hass, PROJECTED_COST) == "0.0"
    assert len(powerwall.notifications) == 1


async def test_requests_warning_at_own_limit(
    hass: HomeAssistant, powerwall: Powerwall
) -> None:
    await powerwall.automation(
        "api_budget",
        **BUDGET_INPUTS,
        warn_about=["requests"],
        request_limit=2000,
        warn_percent=50,
    )

    await count_up_to(powerwall, 999)
    assert powerwall.notifications == []
    await powerwall.poll()

    assert powerwall.titles() == [
        "Tesla Fleet API: 50 % of your monthly request limit used"
    ]
    assert (
        "1,000 billable Fleet API requests, 50 % of your limit of 2,000"
        in (powerwall.notifications[0]["message"])
    )


async def test_cost_warning_once_per_crossing(
    hass: HomeAssistant, powerwall: Powerwall
) -> None:
    await powerwall.automation("api_budget", **BUDGET_INPUTS, warn_about=["cost"])

    # The default budget stays within the credit: no cost, no warning; nor a
    # requests warning, which is not wanted here.
    await count_up_to(powerwall, 4600)
    await powerwall.poll()
    assert state_of(hass, PROJECTED_COST) == "0.0"
    assert powerwall.notifications == []

    # A budget of 8,000 requests a month costs money.
    hass.config_entries.async_update_entry(
        powerwall.entry, options={CONF_MODE: MODE_BUDGET, CONF_BUDGET: 8000}
    )
    await powerwall.wait(timedelta(seconds=1))
    cost = float(state_of(hass, PROJECTED_COST))
    projected = int(state_of(hass, PROJECTED_REQUESTS))
    assert cost == round(projected * 0.002 - 10, 2) > 0
    assert powerwall.texts() == [
        (
            f"Tesla Fleet API: this month is projected to cost ${cost:.2f}",
            (
                f"This month's Fleet API requests are projected to cost ${cost:.2f}"
                " after Tesla's $10 monthly credit (you asked to be warned above"
                f" $0.00): {projected:,} requests by the end of the month, 4,601 of"
                f" them made so far.{USE_FEWER}"
            ),
        )
    ]

    # Updates above the line do not warn again...
    await powerwall.poll()
    await powerwall.poll()
    assert len(powerwall.notifications) == 1
    # ...a new crossing does.
    hass.config_entries.async_update_entry(
        powerwall.entry, options={CONF_MODE: MODE_BUDGET, CONF_BUDGET: 5000}
    )
    await powerwall.wait(timedelta(seconds=1))
    assert state_of(hass, PROJECTED_COST) == "0.0"
    hass.config_entries.async_update_entry(
        powerwall.entry, options={CONF_MODE: MODE_BUDGET, CONF_BUDGET: 9000}
    )
    await powerwall.wait(timedelta(seconds=1))
    assert len(powerwall.notifications) == 2


async def test_cost_threshold(hass: HomeAssistant, powerwall: Powerwall) -> None:
    await powerwall.automation(
        "api_budget", **BUDGET_INPUTS, warn_about=["cost"], cost_threshold=5
    )

    hass.config_entries.async_update_entry(
        powerwall.entry, options={CONF_MODE: MODE_BUDGET, CONF_BUDGET: 7000}
    )
    await powerwall.wait(timedelta(seconds=1))
    assert 0 < float(state_of(hass, PROJECTED_COST)) <= 5
    assert powerwall.notifications == []

    hass.config_entries.async_update_entry(
        powerwall.entry, options={CONF_MODE: MODE_BUDGET, CONF_BUDGET: 9000}
    )
    await powerwall.wait(timedelta(seconds=1))
    assert float(state_of(hass, PROJECTED_COST)) > 5
    assert len(powerwall.notifications) == 1
    assert (
        "(you asked to be warned above $5.00)"
        in (powerwall.notifications[0]["message"])
    )


async def test_no_repeat_after_a_restart(
    hass: HomeAssistant, powerwall: Powerwall
) -> None:
    await powerwall.automation("api_budget", **BUDGET_INPUTS)
    await count_up_to(powerwall, 4500)
    assert len(powerwall.notifications) == 1

    seen: list[str | None] = []

    @callback
    def record(event: Event[EventStateChangedData]) -> None:
        new = event.data["new_state"]
        seen.append(new.state if new else None)

    async_track_state_change_event(hass, REQUESTS, record)
    assert await hass.config_entries.async_reload(powerwall.entry.entry_id)
    await powerwall.wait(timedelta(seconds=1))

    # The count went away and came back above the line, without a warning.
    assert seen
    assert not (seen[0] or "").isdigit()
    assert int(state_of(hass, REQUESTS)) > 4500
    assert len(powerwall.notifications) == 1


def test_import_links_in_the_readme() -> None:
    """Each "Import" link of the README opens an existing blueprint's source_url."""
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    prefix = "https://my.home-assistant.io/redirect/blueprint_import/?blueprint_url="
    links = re.findall(re.escape(prefix) + r"([^)\s\"'>]+)", readme)
    expected = {f"{SOURCE_URL}/{name}.yaml" for name in BLUEPRINTS}
    assert {unquote(link) for link in links} == expected
    assert all(link == quote(unquote(link), safe="") for link in links)
