"""Tesla switched the application off (402, 403 EXCEEDED_LIMIT): not a reauth."""

from collections import Counter
from datetime import UTC, datetime, timedelta
import logging
import re
from typing import Any

import aiohttp
from aioresponses import CallbackResult, aioresponses
from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)
from yarl import URL

from custom_components.tesla_powerwall3.const import DOMAIN
from custom_components.tesla_powerwall3.fleet import (
    FleetClient,
    MissingScopesError,
    RateLimitedError,
    StaticToken,
)
from custom_components.tesla_powerwall3.fleet.errors import (
    ApplicationDisabledError,
    AuthenticationError,
)
from tests.common import NA_URL, SITE_ID, load_payload, setup_entry, site_url, state_of
from tests.timeline import advance

pytestmark = pytest.mark.usefixtures("setup_credentials")

EXCEEDED = load_payload("error_403_account_disabled_exceeded_limit")
REFUSALS = [(403, EXCEEDED), (402, None)]
START = datetime(2026, 11, 16, 12, 0, tzinfo=UTC)
GRID = "sensor.my_home_grid_power"


def issue_id(entry: MockConfigEntry) -> str:
    return f"application_disabled_{entry.entry_id}"


class Tesla:
    """Answers every endpoint of the one-site account, or refuses them all."""

    def __init__(self, mock: aioresponses) -> None:
        self.refusal: tuple[int, Any] | None = None
        self.sent: Counter[str] = Counter()
        bodies = {
            f"{NA_URL}/api/1/products": load_payload("products_real_2024-04-12"),
            site_url(SITE_ID, "site_info"): load_payload("site_info_bolt_sdk_sample"),
            site_url(SITE_ID, "live_status"): load_payload(
                "live_status_real_2023-11-06_exporting"
            ),
        }
        for url, body in bodies.items():
            mock.get(url, callback=self._answer(body), repeat=True)
        mock.get(
            re.compile(re.escape(site_url(SITE_ID, "calendar_history")) + r"\?.*"),
            callback=self._answer({"response": {"period": "day", "time_series": None}}),
            repeat=True,
        )

    def _answer(self, body: Any) -> Any:
        def answer(url: URL, **_kwargs: Any) -> CallbackResult:
            self.sent[url.path.rsplit("/", 1)[-1]] += 1
            if self.refusal is not None:
                status, refusal = self.refusal
                return CallbackResult(status=status, payload=refusal)
            return CallbackResult(payload=body)

        return answer

    @property
    def total(self) -> int:
        return sum(self.sent.values())


# The client ----------------------------------------------------------------


@pytest.mark.parametrize(("status", "body"), REFUSALS)
async def test_client_maps_the_switch_off_and_waits_an_hour(
    aioresponses_mock: aioresponses,
    freezer: FrozenDateTimeFactory,
    status: int,
    body: Any,
) -> None:
    async with aiohttp.ClientSession() as session:
        client = FleetClient(session, StaticToken("token"), NA_URL)
        url = site_url(SITE_ID, "live_status")
        aioresponses_mock.get(url, status=status, payload=body, repeat=True)
        with pytest.raises(ApplicationDisabledError) as caught:
            await client.live_status(SITE_ID)
        assert not isinstance(caught.value, AuthenticationError)  # no reauth
        assert caught.value.status == status
        assert caught.value.retry_after == 3600
        assert client.counter.sent["live_status"] == 1  # and it is counted

        # Held back locally, for every endpoint, for an hour.
        freezer.tick(timedelta(minutes=59))
        with pytest.raises(RateLimitedError) as held:
            await client.products()
        assert "not sent" in str(held.value)
        assert client.counter.total_sent == 1
        freezer.tick(timedelta(minutes=2))
        with pytest.raises(ApplicationDisabledError):
            await client.live_status(SITE_ID)
        assert client.counter.total_sent == 2


async def test_a_plain_403_is_still_a_missing_scope(
    aioresponses_mock: aioresponses,
) -> None:
    async with aiohttp.ClientSession() as session:
        client = FleetClient(session, StaticToken("token"), NA_URL)
        aioresponses_mock.get(
            site_url(SITE_ID, "live_status"),
            status=403,
            payload=load_payload("error_403_missing_scopes"),
        )
        with pytest.raises(MissingScopesError):
            await client.live_status(SITE_ID)


# The integration -----------------------------------------------------------


async def start_polling(
    hass: HomeAssistant,
    mock: aioresponses,
    entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> Tesla:
    freezer.move_to(START)
    tesla = Tesla(mock)
    await setup_entry(hass, entry)
    assert entry.state is ConfigEntryState.LOADED
    assert entry.runtime_data.sites[SITE_ID].live.update_interval == timedelta(
        minutes=1
    )
    return tesla


def reauth_flows(hass: HomeAssistant) -> list[Any]:
    return [
        flow
        for flow in hass.config_entries.flow.async_progress()
        if flow["context"]["source"] == SOURCE_REAUTH
    ]


@pytest.mark.parametrize(("status", "body"), REFUSALS)
async def test_switched_off_while_polling(
    hass: HomeAssistant,
    aioresponses_mock: aioresponses,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    issue_registry: ir.IssueRegistry,
    caplog: pytest.LogCaptureFixture,
    status: int,
    body: Any,
) -> None:
    tesla = await start_polling(hass, aioresponses_mock, config_entry, freezer)
    cost = config_entry.runtime_data.cost
    site = config_entry.runtime_data.sites[SITE_ID]
    grid = state_of(hass, GRID)
    data_before = dict(config_entry.data)

    tesla.refusal = (status, body)
    caplog.clear()
    sent_before, billed_before = tesla.total, cost.total_billable
    await advance(hass, freezer, config_entry, START + timedelta(minutes=1, seconds=1))
    assert tesla.total == sent_before + 1

    # Not a reauth: a repair that says what happened and what to do.
    assert reauth_flows(hass) == []
    issue = issue_registry.async_get_issue(DOMAIN, issue_id(config_entry))
    assert issue is not None
    assert issue.severity is ir.IssueSeverity.ERROR
    placeholders = issue.translation_placeholders or {}
    assert placeholders["live"] == "12 min 32 s"
    assert placeholders["portal_url"] == "https://developer.tesla.com"
    assert str(status) in placeholders["error"]
    # The rest of the month at the budget's pace, said once in the log.
    assert site.live.update_interval == timedelta(seconds=752)
    warnings = [
        r.getMessage() for r in caplog.records if "switched off" in r.getMessage()
    ]
    assert len(warnings) == 1
    assert "budget for the rest of the month" in warnings[0]
    # The entities keep their last values, as after a 429.
    assert state_of(hass, GRID) == grid
    # An answer that was already on its way does not end the switch-off.
    cost.async_application_answered()
    assert issue_registry.async_get_issue(DOMAIN, issue_id(config_entry)) is not None

    # While Tesla refuses: at most one request an hour, whatever is due.
    hours = 5
    await advance(
        hass, freezer, config_entry, dt_util.utcnow() + timedelta(hours=hours)
    )
    assert tesla.total - sent_before <= hours + 1
    assert tesla.total - sent_before >= hours
    assert cost.total_billable - billed_before == tesla.total - sent_before
    assert len(issue_registry.issues) == 1
    assert reauth_flows(hass) == []
    assert state_of(hass, GRID) == grid
    assert len([r for r in caplog.records if "switched off" in r.getMessage()]) == 1

    # Tesla answers again: the repair goes, the budget pace stays this month.
    tesla.refusal = None
    await advance(
        hass, freezer, config_entry, dt_util.utcnow() + timedelta(hours=1, minutes=1)
    )
    assert issue_registry.async_get_issue(DOMAIN, issue_id(config_entry)) is None
    assert "answers My Home again" in caplog.text
    assert site.live.update_interval == timedelta(seconds=752)
    before = tesla.sent["live_status"]
    await advance(hass, freezer, config_entry, dt_util.utcnow() + timedelta(hours=1))
    assert tesla.sent["live_status"] - before in (4, 5)  # every 12 min 32 s

    # Nothing stored was touched.
    assert config_entry.options == {}
    assert config_entry.data == data_before

    # From the 1st, every minute again.
    freezer.move_to(datetime(2026, 12, 1, 0, 30, tzinfo=UTC))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert site.live.update_interval == timedelta(minutes=1)


async def test_switched_off_survives_a_restart(
    hass: HomeAssistant,
    aioresponses_mock: aioresponses,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    issue_registry: ir.IssueRegistry,
    hass_storage: dict[str, Any],
) -> None:
    tesla = await start_polling(hass, aioresponses_mock, config_entry, freezer)
    tesla.refusal = (403, EXCEEDED)
    await config_entry.runtime_data.sites[SITE_ID].live.async_refresh()
    await hass.async_block_till_done()
    assert await hass.config_entries.async_unload(config_entry.entry_id)
    stored = hass_storage[f"tesla_powerwall3.{config_entry.unique_id}.usage"]["data"]
    assert stored["disabled_since"] is not None
    assert stored["budget_month"] == "2026-11"
    assert stored["blocked_until"] is not None

    # Restarted within the hour: nothing is sent, set-up waits, the repair stays.
    sent = tesla.total
    freezer.tick(timedelta(minutes=5))
    await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert config_entry.state is ConfigEntryState.SETUP_RETRY
    assert tesla.total == sent
    assert issue_registry.async_get_issue(DOMAIN, issue_id(config_entry)) is not None

    # Home Assistant retries set-up every minute or so: one try an hour reaches
    # Tesla, still refused.
    await advance(hass, freezer, config_entry, dt_util.utcnow() + timedelta(hours=2))
    assert tesla.total - sent in (1, 2)
    assert config_entry.state is ConfigEntryState.SETUP_RETRY
    assert reauth_flows(hass) == []

    # Tesla answers again: set-up completes, on the budget pace this month.
    tesla.refusal = None
    await advance(
        hass, freezer, config_entry, dt_util.utcnow() + timedelta(hours=1, minutes=2)
    )
    assert config_entry.state is ConfigEntryState.LOADED
    assert issue_registry.async_get_issue(DOMAIN, issue_id(config_entry)) is None
    live = config_entry.runtime_data.sites[SITE_ID].live
    assert live.update_interval == timedelta(seconds=752)


async def test_switched_off_before_set_up(
    hass: HomeAssistant,
    aioresponses_mock: aioresponses,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Found at set-up: retried no more than once an hour either."""
    freezer.move_to(START)
    tesla = Tesla(aioresponses_mock)
    tesla.refusal = (402, None)
    caplog.set_level(logging.WARNING)
    await setup_entry(hass, config_entry)
    assert config_entry.state is ConfigEntryState.SETUP_RETRY
    assert tesla.total == 1
    await advance(hass, freezer, config_entry, START + timedelta(minutes=59))
    assert tesla.total == 1
    assert reauth_flows(hass) == []


async def test_switched_off_at_the_first_live_poll(
    hass: HomeAssistant,
    aioresponses_mock: aioresponses,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    issue_registry: ir.IssueRegistry,
) -> None:
    """No values to keep yet: set-up waits, with the repair, and no reauth."""
    freezer.move_to(START)
    aioresponses_mock.get(
        f"{NA_URL}/api/1/products", payload=load_payload("products_real_2024-04-12")
    )
    aioresponses_mock.get(
        site_url(SITE_ID, "site_info"),
        payload=load_payload("site_info_bolt_sdk_sample"),
    )
    aioresponses_mock.get(
        site_url(SITE_ID, "live_status"), status=403, payload=EXCEEDED
    )
    await setup_entry(hass, config_entry)
    assert config_entry.state is ConfigEntryState.SETUP_RETRY
    assert "switched the Fleet API application off" in str(config_entry.reason)
    assert issue_registry.async_get_issue(DOMAIN, issue_id(config_entry)) is not None
    assert reauth_flows(hass) == []
