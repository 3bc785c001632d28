"""How to poll: the set-up step, the options, and a new plan taking effect at once."""

from collections.abc import Mapping
from datetime import timedelta
import json
from pathlib import Path
from typing import Any

from aioresponses import aioresponses
from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigFlowResult
from homeassistant.core import HomeAssistant, callback
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers.translation import async_get_translations
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.tesla_powerwall3.const import DOMAIN
from custom_components.tesla_powerwall3.coordinator import PowerwallCoordinator
from custom_components.tesla_powerwall3.cost import (
    DEFAULT_BUDGET,
    MONTHLY_CREDIT,
    PRICE_PER_REQUEST,
    PollPlan,
    every,
    project_month,
)
from custom_components.tesla_powerwall3.cost.plan import plan_every_minute
from custom_components.tesla_powerwall3.polling_choice import (
    choice_options,
    choices_placeholders,
    projection_placeholders,
)
from tests.common import (
    load_payload,
    mock_site,
    on_budget,
    requests_to,
    setup_entry,
    site_url,
)
from tests.test_config_flow import login, mock_account, start

pytestmark = [
    pytest.mark.usefixtures("setup_credentials"),
    pytest.mark.freeze_time("2026-11-01 00:00:00+00:00"),
]

CHOICES = {
    # mode: (live interval, requests in a 30-day month, cost after the credit)
    "every_minute": ("1 min", "47,100", "84.20"),
    "budget": ("12 min 32 s", "4,946", "0.00"),
    "intervals": ("10 min", "5,820", "1.64"),
}


def placeholders_of(result: ConfigFlowResult) -> Mapping[str, str]:
    placeholders = result["description_placeholders"]
    assert placeholders is not None
    return placeholders


def assert_shows_the_three_choices(result: ConfigFlowResult) -> None:
    """The form offers every mode, every minute first, each with its month."""
    schema = result["data_schema"]
    assert schema is not None
    selector = schema.schema["mode"]
    assert selector.config["options"] == ["every_minute", "budget", "intervals"]
    placeholders = placeholders_of(result)
    assert placeholders["days"] == "30"
    for mode, (live, requests, cost) in CHOICES.items():
        assert placeholders[f"{mode}_live"] == live
        assert placeholders[f"{mode}_requests"] == requests
        assert placeholders[f"{mode}_cost"] == cost


async def rendered(
    hass: HomeAssistant, category: str, step: str, result: ConfigFlowResult
) -> str:
    """Return the step's description as the user reads it."""
    strings = await async_get_translations(hass, "en", category, [DOMAIN])
    text = strings[f"component.{DOMAIN}.{category}.step.{step}.description"]
    return text.format(**placeholders_of(result))


@pytest.mark.usefixtures("current_request_with_host")
@pytest.mark.parametrize(
    ("mode", "options"),
    [
        ("every_minute", {}),  # the default: followed, not written down
        ("budget", {"mode": "budget", "monthly_budget": 5000}),
        (
            "intervals",
            {
                "mode": "intervals",
                "live_interval": 600,
                "site_info_interval": 60,
                "history_interval": 60,
            },
        ),
    ],
)
async def test_set_up_asks_how_to_poll(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    aioresponses_mock: aioresponses,
    mode: str,
    options: dict[str, Any],
) -> None:
    mock_account(aioresponses_mock)
    result = await login(
        hass, hass_client_no_auth, aioresponses_mock, await start(hass), polling=None
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "polling"
    assert_shows_the_three_choices(result)
    schema = result["data_schema"]
    assert schema is not None
    assert schema({}) == {"mode": "every_minute"}  # the default
    text = await rendered(hass, "config", "polling", result)
    assert "30-day month" in text
    assert "47,100 requests, **$84.20**" in text
    assert "documentation say energy data is free" in text
    assert "*Application usage*" in text

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"mode": mode}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    entry = result["result"]
    assert entry.options == options
    assert entry.minor_version == 2
    await hass.async_block_till_done()


async def test_options_offer_the_three_choices(
    hass: HomeAssistant, aioresponses_mock: aioresponses, config_entry: MockConfigEntry
) -> None:
    on_budget(hass, config_entry)
    mock_site(aioresponses_mock)
    await setup_entry(hass, config_entry)
    result = await hass.config_entries.options.async_init(config_entry.entry_id)
    assert result["step_id"] == "init"
    assert_shows_the_three_choices(result)
    text = await rendered(hass, "options", "init", result)
    assert "30-day month" in text
    assert "Now: live data every 12 min 32 s" in text

    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"mode": "every_minute", "backfill_days": 30}
    )
    assert result["step_id"] == "confirm"
    assert placeholders_of(result)["requests"] == "47,100"
    assert placeholders_of(result)["cost"] == "84.20"
    result = await hass.config_entries.options.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert config_entry.options == {"mode": "every_minute", "backfill_days": 30}
    await hass.async_block_till_done()
    site = config_entry.runtime_data.sites[1234]
    assert site.live.update_interval == timedelta(minutes=1)
    assert site.energy.update_interval == timedelta(minutes=15)


async def live_requests_after(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    mock: aioresponses,
    seconds: float,
) -> int:
    """Let `seconds` pass; return the live_status requests sent meanwhile."""
    before = requests_to(mock, "live_status")
    freezer.tick(timedelta(seconds=seconds))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    return requests_to(mock, "live_status") - before


async def set_up_on_budget(
    hass: HomeAssistant, mock: aioresponses, entry: MockConfigEntry
) -> None:
    on_budget(hass, entry)
    mock_site(mock)
    mock.get(
        site_url(1234, "live_status"),
        payload=load_payload("live_status_real_2023-11-06_exporting"),
        repeat=True,
    )
    await setup_entry(hass, entry)
    assert entry.runtime_data.sites[1234].live.update_interval == timedelta(seconds=752)


async def test_a_new_plan_takes_effect_at_once(
    hass: HomeAssistant,
    aioresponses_mock: aioresponses,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """From the budget to every minute: the next request a minute later."""
    await set_up_on_budget(hass, aioresponses_mock, config_entry)
    assert await live_requests_after(hass, freezer, aioresponses_mock, 30) == 0

    hass.config_entries.async_update_entry(
        config_entry, options={"mode": "every_minute"}
    )
    await hass.async_block_till_done()
    assert await live_requests_after(hass, freezer, aioresponses_mock, 1) == 0
    assert await live_requests_after(hass, freezer, aioresponses_mock, 60) == 1
    assert await live_requests_after(hass, freezer, aioresponses_mock, 60) == 1

    # And back: the next request follows the slower plan from now on.
    hass.config_entries.async_update_entry(config_entry, options={"mode": "budget"})
    await hass.async_block_till_done()
    assert await live_requests_after(hass, freezer, aioresponses_mock, 700) == 0
    assert await live_requests_after(hass, freezer, aioresponses_mock, 60) == 1


async def test_the_old_timer_held_the_new_plan_back(
    hass: HomeAssistant,
    aioresponses_mock: aioresponses,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """What was measured before: only the interval changed, not the timer."""

    @callback
    def follow_interval_only(
        self: PowerwallCoordinator[Any], plan: PollPlan, chosen: bool
    ) -> None:
        self.update_interval = self._interval_in(plan)

    monkeypatch.setattr(PowerwallCoordinator, "_follow_plan", follow_interval_only)
    await set_up_on_budget(hass, aioresponses_mock, config_entry)
    hass.config_entries.async_update_entry(
        config_entry, options={"mode": "every_minute"}
    )
    await hass.async_block_till_done()
    assert await live_requests_after(hass, freezer, aioresponses_mock, 61) == 0
    assert await live_requests_after(hass, freezer, aioresponses_mock, 700) == 1


async def test_the_hourly_replan_keeps_the_timers(
    hass: HomeAssistant,
    aioresponses_mock: aioresponses,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Re-planning hourly, or on a token refresh, postpones no request."""
    await set_up_on_budget(hass, aioresponses_mock, config_entry)
    live = config_entry.runtime_data.sites[1234].live
    timer = live._unsub_refresh
    config_entry.runtime_data.cost.billable["live_status"] += 1000
    config_entry.runtime_data.cost.async_replan()
    assert live.update_interval != timedelta(seconds=752)
    token = {**config_entry.data["token"], "refresh_token": "NA_refresh-2"}
    hass.config_entries.async_update_entry(
        config_entry, data={**config_entry.data, "token": token}
    )
    await hass.async_block_till_done()
    assert live._unsub_refresh is timer


# The README and the forms' texts agree with the plan --------------------------

README = Path(__file__).parent.parent / "README.md"
TRANSLATIONS = (
    Path(__file__).parent.parent
    / "custom_components"
    / DOMAIN
    / "translations"
    / "en.json"
)


def intervals(live: int) -> dict[str, Any]:
    return {**choice_options({})["intervals"], "live_interval": live}


README_ROWS: dict[str, dict[str, Any]] = {
    "Every minute (default)": {"mode": "every_minute"},
    "Monthly budget, 5,000 requests": {"mode": "budget"},
    "Monthly budget, 20,000 requests": {"mode": "budget", "monthly_budget": 20000},
    "Intervals, live every 10 min (their start)": intervals(600),
    "Intervals, live every 60 s": intervals(60),
    "Intervals, live every 5 min": intervals(300),
    "Intervals, live every 15 min": intervals(900),
}
UNITS = {"minute": 60, "minutes": 60, "hour": 3600, "hours": 3600, "day": 86400}


def readme_section(heading: str) -> str:
    text = README.read_text()
    start = text.index(heading)
    end = text.index("\n#", start + len(heading))
    return text[start:end]


def table_rows(section: str) -> list[list[str]]:
    """Return the cells of each body row of the section's first table."""
    rows = [
        [cell.strip() for cell in line.strip("|").split("|")]
        for line in section.splitlines()
        if line.startswith("|")
    ]
    return rows[2:]


def test_readme_cost_table_is_the_plans() -> None:
    rows = table_rows(readme_section("### The three choices"))
    assert [row[0] for row in rows] == list(README_ROWS)
    for label, live, history, site_info, requests, gross, cost in rows:
        month = project_month(README_ROWS[label], 1)
        assert [live, history, site_info] == [
            every(month.plan.live),
            every(month.plan.history),
            every(month.plan.site_info),
        ], label
        assert requests == f"{month.total:,}", label
        assert gross == f"${month.gross:.2f}", label
        assert cost == f"${month.cost:.2f}", label
    assert "30-day month" in readme_section("### The three choices")


def test_readme_freshness_is_the_default_plans() -> None:
    section = readme_section("## Polling and what it costs")
    plan = project_month({}, 1).plan
    intervals_of = {
        "live_status": plan.live,
        "calendar_history": plan.history,
        "site_info": plan.site_info,
        "products": plan.products,
    }
    for _value, endpoint, late in table_rows(section):
        count, unit = late.split()[:2]
        assert (
            timedelta(seconds=int(count) * UNITS[unit])
            == intervals_of[endpoint.strip("`")]
        ), endpoint
    # Under half of core tesla_fleet's 95,040 (fleet-api.md 3.3).
    assert "95,040" in section
    assert 2 * project_month({}, 1).total < 95_040


def test_form_texts_say_what_the_plan_does() -> None:
    strings = json.loads(TRANSLATIONS.read_text())
    placeholders = choices_placeholders({}, 1)
    rows = {row[0]: row for row in table_rows(readme_section("### The three choices"))}
    for text in (
        strings["config"]["step"]["polling"]["description"],
        strings["options"]["step"]["init"]["description"],
    ):
        shown = text.format(
            **(placeholders | projection_placeholders({}, 1, simulator=False))
        )
        assert "in a 30-day month" in shown
        for label, mode in (
            ("Every minute (default)", "every_minute"),
            ("Monthly budget, 5,000 requests", "budget"),
            ("Intervals, live every 10 min (their start)", "intervals"),
        ):
            _, live, _, _, requests, _, cost = rows[label]
            assert f"{requests} requests, **{cost}**" in shown, mode
            # Every minute's intervals are written out in words, below.
            assert mode == "every_minute" or f"every {live}" in shown, mode
        assert "every minute" in shown
        assert "15 minutes" in shown
        assert "every hour" in shown
    assert plan_every_minute().history == timedelta(minutes=15)
    assert plan_every_minute().site_info == timedelta(hours=1)
    assert strings["selector"]["mode"]["options"]["every_minute"] == (
        "Every minute (recommended)"
    )
    # The budget's own text: the default fits in the credit.
    budget_text = strings["options"]["step"]["budget"]["data_description"][
        "monthly_budget"
    ]
    assert f"{DEFAULT_BUDGET:,} requests (${MONTHLY_CREDIT:.0f})" in budget_text
    assert DEFAULT_BUDGET * PRICE_PER_REQUEST == MONTHLY_CREDIT
