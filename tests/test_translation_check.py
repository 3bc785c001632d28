"""The runtime translation check notices what a broken copy of en.json lacks."""

import copy
from typing import Any

from aioresponses import aioresponses
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.tesla_powerwall3.const import DOMAIN
from tests.common import mock_site, setup_entry
from tests.translation_check import STRINGS, TranslationCheck, checking


def without(*paths: str) -> dict[str, Any]:
    """A copy of the translations with the texts at these dotted paths removed."""
    strings = copy.deepcopy(STRINGS)
    for path in paths:
        *parents, last = path.split(".")
        node = strings
        for part in parents:
            node = node[part]
        del node[last]
    return strings


@pytest.mark.usefixtures("setup_credentials")
@pytest.mark.freeze_time("2026-11-15 12:00:00+00:00")
async def test_what_a_real_setup_shows_is_checked(
    hass: HomeAssistant, aioresponses_mock: aioresponses, config_entry: MockConfigEntry
) -> None:
    strings = without(
        "entity.sensor.solar_power.name",
        "entity.sensor.grid_status.state.islanded",
        "options.step.init.data_description.mode",
        "selector.mode.options.budget",
        "config.step.reconfigure.menu_options.register_domain",
        "issues.budget_exhausted.description",
        "exceptions.several_sites",
    )
    strings["exceptions"]["unknown_site"]["message"] += " {made_up}"
    mock_site(aioresponses_mock)
    with checking(strings) as check:
        await setup_entry(hass, config_entry)
        await hass.config_entries.options.async_init(config_entry.entry_id)
        await config_entry.start_reconfigure_flow(hass)
        ir.async_create_issue(
            hass,
            DOMAIN,
            "budget_exhausted_test",
            is_fixable=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key="budget_exhausted",
            translation_placeholders={"title": "My Home", "budget": "5000"},
        )
        for key in ("several_sites", "unknown_site"):
            ServiceValidationError(translation_domain=DOMAIN, translation_key=key)
    assert sorted(set(check.problems)) == [
        "config.step.reconfigure.menu_options.register_domain is missing",
        "entity.sensor.grid_status.state.islanded is missing",
        "entity.sensor.solar_power.name is missing",
        "exceptions.several_sites.message is missing",
        "exceptions.unknown_site.message uses ['made_up'], which is not passed",
        "issues.budget_exhausted.description is missing",
        "options.step.init.data_description.mode is missing",
        "selector.mode.options.budget is missing",
    ]


def test_flow_errors_and_aborts_are_checked() -> None:
    check = TranslationCheck(
        without("config.abort.already_configured", "config.error.key_tls")
    )
    shown = {"region_url": "https://tesla", "key_url": "https://key", "detail": ""}
    form = {"type": FlowResultType.FORM, "step_id": "register"}
    check.flow_result("config", {**form, "errors": {"base": "key_tls"}}, shown)
    del shown["detail"]
    check.flow_result("config", {**form, "errors": {"base": "key_not_found"}}, shown)
    abort = {"type": FlowResultType.ABORT, "reason": "already_configured"}
    check.flow_result("config", abort, {})
    # Home Assistant translates its own reasons.
    theirs = {"reason": "reauth_successful", "translation_domain": "homeassistant"}
    check.flow_result("config", {**abort, **theirs}, {})
    assert check.problems == [
        "config.error.key_tls is missing",
        "config.step.register.description uses ['detail'], which is not passed",
        "config.error.key_not_found uses ['detail'], which is not passed",
        "config.abort.already_configured is missing",
    ]
