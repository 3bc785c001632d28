"""Polling costs: requests a month, outage latency, CPU per live poll, memory.

Run with scripts/bench. Prints figures. The month and the outage run on
simulated time, so their figures are exact and checked against the targets of
issue 16; nothing about CPU time is asserted.
"""

from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
import itertools
import json
import statistics
import time
import tracemalloc
from typing import Any

from aiohttp import ClientSession
from aiohttp.test_utils import TestServer
from aioresponses import CallbackResult, aioresponses
from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import EVENT_STATE_CHANGED
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from yarl import URL

from custom_components.tesla_powerwall3.cost import every, project_month
from custom_components.tesla_powerwall3.fleet import LiveStatus
from custom_components.tesla_powerwall3.polling_choice import choice_options
from custom_components.tesla_powerwall3.urls import DEV_URL_ENV
from fleet_simulator import SimulatorConfig, create_app
from tests.common import (
    NA_URL,
    load_payload,
    mock_history,
    mock_site,
    setup_entry,
    site_url,
)
from tests.test_end_to_end import sign_in
from tests.timeline import advance

pytestmark = pytest.mark.usefixtures("setup_credentials")

TARGET_REQUESTS = 47_500
TARGET_OUTAGE_SECONDS = 60.0


def report(title: str, rows: dict[str, Any]) -> None:
    """Print a block of figures."""
    print(f"\n== {title}")  # noqa: T201
    for name, value in rows.items():
        print(f"   {name:<44} {value}")  # noqa: T201


def test_requests_per_month_of_each_choice() -> None:
    """The plans' own figures for a 30-day month, as the forms show them."""
    for sites in (1, 2):
        for mode, options in choice_options({}).items():
            month = project_month(options, sites)
            report(
                f"plan for a 30-day month: {mode}, {sites} site(s)",
                {
                    **{name: f"{count:,}" for name, count in month.requests.items()},
                    "total": f"{month.total:,}",
                    "live interval": every(month.plan.live),
                    "if every request were billed": f"${month.gross:.2f}",
                    "after the $10 credit": f"${month.cost:.2f}",
                },
            )


async def test_a_30_day_month_at_defaults(
    hass: HomeAssistant,
    aioresponses_mock: aioresponses,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """One site at the default plan for 30 days, as the real timers run it."""
    start = datetime(2026, 11, 1, tzinfo=UTC)
    freezer.move_to(start)
    live_at: list[datetime] = []

    def live(_url: URL, **_kwargs: Any) -> CallbackResult:
        live_at.append(dt_util.utcnow())
        return CallbackResult(
            payload=load_payload("live_status_real_2023-11-06_exporting")
        )

    aioresponses_mock.get(
        f"{NA_URL}/api/1/products",
        payload=load_payload("products_real_2024-04-12"),
        repeat=True,
    )
    aioresponses_mock.get(
        site_url(1234, "site_info"),
        payload=load_payload("site_info_bolt_sdk_sample"),
        repeat=True,
    )
    aioresponses_mock.get(site_url(1234, "live_status"), callback=live, repeat=True)
    mock_history(aioresponses_mock)
    await setup_entry(hass, config_entry)
    hass.loop.set_debug(False)
    started = time.process_time()
    await advance(hass, freezer, config_entry, start + timedelta(days=30))
    cpu = time.process_time() - started

    measured = Counter(config_entry.runtime_data.cost.billable)
    plan = project_month({}, 1)
    # This run has no recorder, so the statistics sync never reads yesterday
    # again after midnight; with it, it does (tests/cost/test_midnight_rereads).
    rereads = 30 * plan.plan.history_extra_per_day
    total = measured.total() + rereads
    intervals = [(b - a).total_seconds() for a, b in itertools.pairwise(live_at)]
    median = statistics.median(intervals)
    report(
        "a 30-day month at the defaults, one site, measured (target <= 47,500)",
        {
            **{
                name: f"{measured[name]:,} (plan {count:,})"
                for name, count in plan.requests.items()
            },
            "  of calendar_history: midnight re-reads": f"{rereads:,} (recorder)",
            "total": f"{total:,} (plan {plan.total:,})",
            "median live interval": f"{median:.1f} s",
            "longest live interval": f"{max(intervals):.1f} s",
            "CPU for the simulated month": f"{cpu:.1f} s",
        },
    )
    assert total <= TARGET_REQUESTS
    assert round(median, 3) == 60


@pytest.fixture
async def simulator(
    monkeypatch: pytest.MonkeyPatch, freezer: FrozenDateTimeFactory
) -> AsyncIterator[TestServer]:
    """Run the simulator on simulated time and point the integration at it."""
    freezer.move_to(datetime(2026, 6, 10, 19, 30, tzinfo=UTC))
    # No access log: its local time does not work with a frozen clock.
    server = TestServer(
        create_app(SimulatorConfig(clock=dt_util.utcnow)), host="127.0.0.1"
    )
    await server.start_server(access_log=None)
    monkeypatch.setenv(DEV_URL_ENV, str(server.make_url("")))
    yield server
    await server.close()


@pytest.mark.usefixtures("socket_enabled", "current_request_with_host")
async def test_grid_outage_to_grid_status(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    simulator: TestServer,
    freezer: FrozenDateTimeFactory,
) -> None:
    """From a grid outage in the simulator to Grid status showing it."""
    hass.loop.set_debug(False)  # time jumps are not slow callbacks
    base = str(simulator.make_url("")).rstrip("/")
    result = await sign_in(hass, hass_client_no_auth, base)  # every minute
    entry = result["result"]
    await hass.async_block_till_done(wait_background_tasks=True)
    # Against the simulator an entry that follows the default polls every
    # 30 s; measure the plan Tesla's users get.
    hass.config_entries.async_update_entry(entry, options={"mode": "every_minute"})
    await hass.async_block_till_done()
    grid_status = "sensor.my_home_grid_status"
    changed_at: dict[str, datetime] = {}

    @callback
    def record(event: Event[Any]) -> None:
        if event.data["entity_id"] == grid_status and event.data["new_state"]:
            changed_at[event.data["new_state"].state] = dt_util.utcnow()

    hass.bus.async_listen(EVENT_STATE_CHANGED, record)
    polled: list[datetime] = []
    site = next(iter(entry.runtime_data.sites.values()))
    assert site.live.update_interval == timedelta(minutes=1)
    site.live.async_add_listener(lambda: polled.append(dt_util.utcnow()))

    async def set_grid(session: ClientSession, up: bool) -> datetime:
        await session.post(f"{base}/sim/grid", json={"up": up})
        return dt_util.utcnow()

    latencies, offsets = [], []
    async with ClientSession() as session:
        for after_poll in (0.0, 10.0, 20.0, 30.0, 40.0, 50.0, 59.0):
            count = len(polled)
            while len(polled) == count:
                await advance(
                    hass, freezer, entry, dt_util.utcnow() + timedelta(seconds=1)
                )
            await advance(
                hass, freezer, entry, polled[-1] + timedelta(seconds=after_poll)
            )
            changed_at.clear()
            outage = await set_grid(session, up=False)
            offsets.append((outage - polled[-1]).total_seconds())
            await advance(hass, freezer, entry, outage + timedelta(seconds=120))
            latencies.append((changed_at["islanded"] - outage).total_seconds())
            await set_grid(session, up=True)
            await advance(
                hass, freezer, entry, dt_util.utcnow() + timedelta(seconds=61)
            )
            assert hass.states.get(grid_status).state == "connected"  # type: ignore[union-attr]

    report(
        "grid outage in the simulator -> Grid status 'islanded', defaults",
        {
            "outage this long after a live poll (s)": ", ".join(
                f"{offset:.1f}" for offset in offsets
            ),
            "time to Grid status (s)": ", ".join(f"{s:.1f}" for s in latencies),
            "longest (target <= 60 s + Tesla's delay)": f"{max(latencies):.1f} s",
            "median": f"{statistics.median(latencies):.1f} s",
            "Tesla's own delay in the simulator": "0 s",
        },
    )
    assert max(latencies) <= TARGET_OUTAGE_SECONDS


def two_wall_connector_body() -> bytes:
    payload = load_payload("live_status_real_2023-11-06_charging_wc_plugged")
    payload["response"]["wall_connectors"].append(
        {
            "din": "1457768-02-G--B7S12345J99999",
            "wall_connector_fault_state": 2,
            "wall_connector_power": 7200.0,
            "wall_connector_state": 1,
            "vin": "5YJ3E1EA0KF000001",
        }
    )
    return json.dumps(payload).encode()


async def test_cpu_and_memory_per_live_poll(
    hass: HomeAssistant, aioresponses_mock: aioresponses, config_entry: MockConfigEntry
) -> None:
    """Parse + state writes of one site with two Wall Connectors."""
    body = two_wall_connector_body()
    mock_site(aioresponses_mock, live=json.loads(body))
    await setup_entry(hass, config_entry)
    coordinator = config_entry.runtime_data.sites[1234].live
    states = len(hass.states.async_all())

    async def poll(index: int) -> float:
        started = time.process_time()
        payload = json.loads(body)
        payload["response"]["solar_power"] = 1000 + index % 500  # new values
        payload["response"]["percentage_charged"] = 50 + index % 40
        coordinator.async_set_updated_data(LiveStatus.from_dict(payload["response"]))
        await hass.async_block_till_done()
        return time.process_time() - started

    for index in range(50):  # warm up
        await poll(index)
    durations = [await poll(index) for index in range(1000)]

    tracemalloc.start()
    for index in range(100):
        await poll(index)
    after_100 = tracemalloc.get_traced_memory()[0]
    for index in range(100, 10_000):
        await poll(index)
    after_10000 = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()

    report(
        "one live poll, one site with two Wall Connectors",
        {
            "entities updated per poll": str(states),
            "CPU time, median of 1,000 (target < 2 ms)": (
                f"{statistics.median(durations) * 1000:.3f} ms"
            ),
            "CPU time, 95th percentile": (
                f"{statistics.quantiles(durations, n=20)[-1] * 1000:.3f} ms"
            ),
            "memory growth 100 -> 10,000 polls (< 1 MB)": (
                f"{(after_10000 - after_100) / 1024:.1f} KiB"
            ),
        },
    )
