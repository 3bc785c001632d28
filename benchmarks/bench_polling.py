"""Polling costs: requests a month, CPU time per live poll, memory over time.

Run with scripts/bench. Prints figures; asserts nothing about timing.
"""

from datetime import UTC, datetime
import json
import statistics
import time
import tracemalloc
from typing import Any

from aioresponses import aioresponses
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.tesla_powerwall3.cost.plan import (
    DEFAULT_BUDGET,
    monthly_cost,
    plan_for_budget,
)
from custom_components.tesla_powerwall3.fleet import LiveStatus
from tests.common import load_payload, mock_site, setup_entry

pytestmark = pytest.mark.usefixtures("setup_credentials")


def report(title: str, rows: dict[str, Any]) -> None:
    """Print a block of figures."""
    print(f"\n== {title}")  # noqa: T201
    for name, value in rows.items():
        print(f"   {name:<38} {value}")  # noqa: T201


def test_requests_per_month_at_default_options() -> None:
    """The scheduler's own monthly figures, per endpoint."""
    for sites in (1, 2):
        start = datetime(2026, 11, 1, tzinfo=UTC)  # a 30-day month
        plan = plan_for_budget(DEFAULT_BUDGET, sites, start)
        requests = plan.requests(30 * 86400, sites)
        total = sum(requests.values())
        report(
            f"requests in a 30-day month, default budget, {sites} site(s)",
            {
                **{endpoint: f"{count:,}" for endpoint, count in requests.items()},
                "total": f"{total:,} (budget {DEFAULT_BUDGET:,})",
                "live interval": str(plan.live),
                "cost after the $10 credit": f"${monthly_cost(total):.2f}",
            },
        )


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
