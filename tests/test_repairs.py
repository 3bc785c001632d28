"""Repair issues for what only the user can fix."""

from typing import Any

from aioresponses import aioresponses
from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.tesla_powerwall3.const import DOMAIN
from tests.common import (
    NA_URL,
    load_payload,
    mock_site,
    next_poll,
    on_budget,
    requests_to,
    setup_entry,
    site_url,
)

pytestmark = pytest.mark.usefixtures("setup_credentials")


def nearly_used_up(hass_storage: dict[str, Any], entry: MockConfigEntry) -> None:
    """Store 4,990 of November's 5,000 requests as already sent for the account."""
    key = f"tesla_powerwall3.{entry.unique_id}.usage"
    hass_storage[key] = {
        "version": 1,
        "key": key,
        "data": {"month": "2026-11", "sent": {}, "billable": {"live_status": 4990}},
    }


async def test_not_registered_while_polling(
    hass: HomeAssistant,
    aioresponses_mock: aioresponses,
    config_entry: MockConfigEntry,
    issue_registry: ir.IssueRegistry,
    freezer: FrozenDateTimeFactory,
) -> None:
    mock_site(aioresponses_mock)
    await setup_entry(hass, config_entry)
    live = config_entry.runtime_data.sites[1234].live
    aioresponses_mock.get(
        site_url(1234, "live_status"),
        status=412,
        payload=load_payload("error_412_not_registered_in_region"),
    )
    await next_poll(hass, config_entry, freezer)
    issue = issue_registry.async_get_issue(
        DOMAIN, f"not_registered_{config_entry.entry_id}"
    )
    assert issue is not None
    assert issue.translation_placeholders == {"title": "My Home", "region_url": NA_URL}
    assert issue.learn_more_url is not None
    assert not live.last_update_success

    aioresponses_mock.get(
        site_url(1234, "live_status"),
        payload=load_payload("live_status_real_2023-11-06_exporting"),
    )
    await next_poll(hass, config_entry, freezer)
    assert live.last_update_success
    assert (
        issue_registry.async_get_issue(
            DOMAIN, f"not_registered_{config_entry.entry_id}"
        )
        is None
    )


async def test_not_registered_at_setup(
    hass: HomeAssistant,
    aioresponses_mock: aioresponses,
    config_entry: MockConfigEntry,
    issue_registry: ir.IssueRegistry,
) -> None:
    aioresponses_mock.get(
        f"{NA_URL}/api/1/products",
        status=412,
        payload=load_payload("error_412_not_registered_in_region"),
    )
    await setup_entry(hass, config_entry)
    assert config_entry.state is ConfigEntryState.SETUP_ERROR
    assert issue_registry.async_get_issue(
        DOMAIN, f"not_registered_{config_entry.entry_id}"
    )
    assert requests_to(aioresponses_mock, "/api/1/") == 1


@pytest.mark.freeze_time("2026-11-20 00:00:00+00:00")
async def test_budget_used_up_pauses_polling(
    hass: HomeAssistant,
    aioresponses_mock: aioresponses,
    config_entry: MockConfigEntry,
    hass_storage: dict[str, Any],
    issue_registry: ir.IssueRegistry,
) -> None:
    nearly_used_up(hass_storage, config_entry)
    on_budget(hass, config_entry)
    mock_site(aioresponses_mock)
    await setup_entry(hass, config_entry)
    plan = config_entry.runtime_data.cost.plan
    assert plan.paused
    issue = issue_registry.async_get_issue(
        DOMAIN, f"budget_exhausted_{config_entry.entry_id}"
    )
    assert issue is not None
    assert issue.translation_placeholders == {"title": "My Home", "budget": "5000"}

    # Raising the budget resumes polling and clears the issue.
    hass.config_entries.async_update_entry(
        config_entry, options={"mode": "budget", "monthly_budget": 10000}
    )
    await hass.async_block_till_done()
    assert not config_entry.runtime_data.cost.plan.paused
    assert (
        issue_registry.async_get_issue(
            DOMAIN, f"budget_exhausted_{config_entry.entry_id}"
        )
        is None
    )


@pytest.mark.freeze_time("2026-11-20 00:00:00+00:00")
async def test_removing_and_adding_the_account_again_costs_nothing_extra(
    hass: HomeAssistant,
    aioresponses_mock: aioresponses,
    config_entry: MockConfigEntry,
    hass_storage: dict[str, Any],
    issue_registry: ir.IssueRegistry,
) -> None:
    """The month's count belongs to the Tesla account, not to one config entry.

    Removing the entry withdraws its repair; a new entry for the same account
    goes on counting from there, so the budget stays used up.
    """
    nearly_used_up(hass_storage, config_entry)
    on_budget(hass, config_entry)
    mock_site(aioresponses_mock)
    await setup_entry(hass, config_entry)
    old_issue = f"budget_exhausted_{config_entry.entry_id}"
    assert issue_registry.async_get_issue(DOMAIN, old_issue) is not None
    counted = config_entry.runtime_data.cost.total_billable

    await hass.config_entries.async_remove(config_entry.entry_id)
    await hass.async_block_till_done()
    assert issue_registry.async_get_issue(DOMAIN, old_issue) is None

    again = MockConfigEntry(
        domain=DOMAIN,
        title="My Home",
        unique_id=config_entry.unique_id,
        version=1,
        data=dict(config_entry.data),
        options={"mode": "budget"},
    )
    before = requests_to(aioresponses_mock, "/api/1/")
    mock_site(aioresponses_mock)
    await setup_entry(hass, again)
    sent_again = requests_to(aioresponses_mock, "/api/1/") - before
    assert again.runtime_data.cost.total_billable == counted + sent_again
    assert again.runtime_data.cost.plan.paused
    assert issue_registry.async_get_issue(DOMAIN, f"budget_exhausted_{again.entry_id}")
