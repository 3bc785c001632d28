"""Retry-After is bounded: a hostile or broken 429 never blocks for decades."""

from collections.abc import AsyncIterator, Iterator
import math
from typing import Any

import aiohttp
from aioresponses import aioresponses
import pytest

from custom_components.tesla_powerwall3.fleet import (
    FleetClient,
    RateLimitedError,
    RateLimitGate,
    StaticToken,
)
from custom_components.tesla_powerwall3.fleet.ratelimit import (
    DEFAULT_WAIT_SECONDS,
    MAX_WAIT_SECONDS,
    MIN_WAIT_SECONDS,
    bounded_wait,
    restorable,
)
from tests.common import NA_URL

NOW = 1_800_000_000.0
DAY = 24 * 3600


@pytest.fixture
def clock() -> list[float]:
    return [NOW]


@pytest.fixture
async def client(clock: list[float]) -> AsyncIterator[FleetClient]:
    gate = RateLimitGate(clock=lambda: clock[0])
    async with aiohttp.ClientSession() as session:
        yield FleetClient(session, StaticToken("t"), NA_URL, gate=gate)


@pytest.fixture
def mock() -> Iterator[aioresponses]:
    with aioresponses() as mocked:
        yield mocked


def test_the_bounds_are_a_second_and_a_day() -> None:
    assert (MIN_WAIT_SECONDS, MAX_WAIT_SECONDS) == (1, DAY)


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"headers": {"Retry-After": "1e12"}}, DAY),
        ({"headers": {"Retry-After": "Fri, 31 Dec 9999 23:59:59 GMT"}}, DAY),
        ({"headers": {"Retry-After": "Fri, 31 Dec 9999 23:59:59 -0000"}}, DAY),
        ({"headers": {"Retry-After": "inf"}}, DEFAULT_WAIT_SECONDS),
        ({"headers": {"Retry-After": "-inf"}}, DEFAULT_WAIT_SECONDS),
        ({"headers": {"Retry-After": "nan"}}, DEFAULT_WAIT_SECONDS),
        ({"headers": {"Retry-After": "1e400"}}, DEFAULT_WAIT_SECONDS),
        ({"headers": {"Retry-After": "-5"}}, 1),
        ({"headers": {"Retry-After": "0.001"}}, 1),
        ({"headers": {"Retry-After": "Fri, 31 Dec 99999 23:59:59 GMT"}}, 300),
        ({"payload": {"error": f"Retry in {'9' * 400} seconds"}}, 300),
        ({"payload": {"error": "Retry in 999999999999 seconds"}}, DAY),
        (
            {
                "headers": {
                    "Retry-After": "120",
                    "RateLimit-Limit": "inf",
                    "RateLimit-Remaining": "nan",
                    "RateLimit-Reset": "1e400",
                }
            },
            120,
        ),
    ],
)
async def test_every_wait_is_within_bounds(
    client: FleetClient,
    mock: aioresponses,
    clock: list[float],
    caplog: pytest.LogCaptureFixture,
    kwargs: dict[str, Any],
    expected: float,
) -> None:
    mock.get(f"{NA_URL}/api/1/products", status=429, **kwargs)
    with pytest.raises(RateLimitedError) as caught:
        await client.products()
    err = caught.value
    assert err.retry_after == expected
    assert (err.limit, err.remaining) in {(None, None), (300, 0)}
    assert err.reset is None or math.isfinite(err.reset)
    blocked_until = client.gate.blocked_until
    assert blocked_until is not None
    assert blocked_until - clock[0] == expected
    assert f"no request for {round(expected)} seconds" in caplog.text

    # The gate answers locally, with a wait that is within bounds too.
    with pytest.raises(RateLimitedError) as again:
        await client.products()
    assert again.value.retry_after is not None
    assert 0 < again.value.retry_after <= MAX_WAIT_SECONDS
    assert client.counter.total_sent == 1


@pytest.mark.parametrize(
    ("seconds", "wait"),
    [
        (None, DEFAULT_WAIT_SECONDS),
        (math.inf, DEFAULT_WAIT_SECONDS),
        (-math.inf, DEFAULT_WAIT_SECONDS),
        (math.nan, DEFAULT_WAIT_SECONDS),
        (1e308, DAY),
        (-1.0, 1),
        (37829.0, 37829),
    ],
)
def test_the_gate_bounds_what_it_is_given(
    seconds: float | None, wait: float, caplog: pytest.LogCaptureFixture
) -> None:
    assert bounded_wait(seconds) == wait
    gate = RateLimitGate(clock=lambda: NOW)
    assert gate.close_for(seconds) == wait  # and logs it without OverflowError
    assert gate.blocked_until == NOW + wait
    assert "Tesla rate limited this account" in caplog.text


@pytest.mark.parametrize(
    ("stored", "kept"),
    [
        (NOW + 3600, NOW + 3600),
        (int(NOW) + 60, NOW + 60),
        (NOW + DAY, NOW + DAY),
        (NOW + DAY + 1, None),
        (NOW + 40 * DAY, None),
        (1e12 + NOW, None),
        (10**400, None),
        (math.inf, None),
        (-math.inf, None),
        (math.nan, None),
        (NOW - 1, None),
        (None, None),
        (True, None),
        ("soon", None),
    ],
)
def test_a_stored_wait_past_its_bound_is_dropped(
    stored: object, kept: float | None, caplog: pytest.LogCaptureFixture
) -> None:
    assert restorable(stored, NOW) == kept
    gate = RateLimitGate(clock=lambda: NOW)
    gate.restore(stored)
    assert gate.blocked_until == kept
    broken = kept is None and stored not in (None, NOW - 1)
    assert ("Dropped a remembered Tesla rate limit" in caplog.text) is broken
