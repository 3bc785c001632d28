"""Options: every minute, the monthly budget or explicit intervals, with the cost."""

from collections.abc import Mapping
from datetime import timedelta

from aioresponses import aioresponses
from homeassistant.config_entries import ConfigFlowResult
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from tests.common import mock_site, on_budget, setup_entry


def placeholders_of(result: ConfigFlowResult) -> Mapping[str, str]:
    placeholders = result["description_placeholders"]
    assert placeholders is not None
    return placeholders


pytestmark = [
    pytest.mark.usefixtures("setup_credentials"),
    pytest.mark.freeze_time("2026-11-01 00:00:00+00:00"),
]


async def test_budget_option(
    hass: HomeAssistant, aioresponses_mock: aioresponses, config_entry: MockConfigEntry
) -> None:
    on_budget(hass, config_entry)
    mock_site(aioresponses_mock)
    await setup_entry(hass, config_entry)
    site = config_entry.runtime_data.sites[1234]
    assert site.live.update_interval == timedelta(seconds=752)

    result = await hass.config_entries.options.async_init(config_entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "init"
    assert placeholders_of(result)["requests"] == "4,946"
    assert placeholders_of(result)["cost"] == "0.00"

    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"mode": "budget", "backfill_days": 60}
    )
    assert result["step_id"] == "budget"
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"monthly_budget": 20000}
    )
    assert result["step_id"] == "confirm"
    placeholders = placeholders_of(result)
    assert placeholders["live"] == "2 min 22 s"
    assert placeholders["gross"] == "39.51"
    assert placeholders["cost"] == "29.51"

    result = await hass.config_entries.options.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert config_entry.options == {
        "mode": "budget",
        "monthly_budget": 20000,
        "backfill_days": 60,
    }
    await hass.async_block_till_done()
    assert site.live.update_interval == timedelta(seconds=142)


async def test_intervals_option(
    hass: HomeAssistant, aioresponses_mock: aioresponses, config_entry: MockConfigEntry
) -> None:
    mock_site(aioresponses_mock)
    await setup_entry(hass, config_entry)
    result = await hass.config_entries.options.async_init(config_entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"mode": "intervals", "backfill_days": 30}
    )
    assert result["step_id"] == "intervals"
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {"live_interval": 60, "site_info_interval": 60, "history_interval": 60},
    )
    assert result["step_id"] == "confirm"
    assert placeholders_of(result)["live"] == "1 min"
    assert placeholders_of(result)["requests"] == "44,700"
    assert placeholders_of(result)["cost"] == "79.40"
    result = await hass.config_entries.options.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    site = config_entry.runtime_data.sites[1234]
    assert site.live.update_interval == timedelta(seconds=60)
    assert site.info.update_interval == timedelta(minutes=60)

    # The form offers the saved values next time.
    result = await hass.config_entries.options.async_init(config_entry.entry_id)
    assert placeholders_of(result)["live"] == "1 min"


async def test_options_of_an_entry_that_is_not_loaded(
    hass: HomeAssistant, config_entry: MockConfigEntry
) -> None:
    on_budget(hass, config_entry)
    result = await hass.config_entries.options.async_init(config_entry.entry_id)
    assert placeholders_of(result)["sites"] == "1"
    assert placeholders_of(result)["live"] == "12 min 32 s"
