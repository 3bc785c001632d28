"""Fixtures of the Fleet API client tests: a client, its tokens, mocked HTTP."""

from collections import Counter
from collections.abc import AsyncIterator, Iterator

import aiohttp
from aioresponses import aioresponses
import pytest

from custom_components.tesla_powerwall3.fleet import FleetClient
from tests.common import NA_URL


class FakeTokens:
    """Token provider that counts refreshes."""

    def __init__(self) -> None:
        self.refreshes = 0

    async def __call__(self, *, force_refresh: bool = False) -> str:
        if force_refresh:
            self.refreshes += 1
        return f"token-{self.refreshes}"


@pytest.fixture
def tokens() -> FakeTokens:
    return FakeTokens()


@pytest.fixture
async def client(tokens: FakeTokens) -> AsyncIterator[FleetClient]:
    async with aiohttp.ClientSession() as session:
        yield FleetClient(session, tokens, NA_URL + "/", timeout=5)


@pytest.fixture
def billed(client: FleetClient) -> Counter[str]:
    """The requests per endpoint the client's counter reports as billable."""
    counted: Counter[str] = Counter()

    def record(endpoint: str, billable: bool) -> None:
        if billable:
            counted[endpoint] += 1

    client.counter.add_listener(record)
    return counted


@pytest.fixture
def mock() -> Iterator[aioresponses]:
    with aioresponses() as mocked:
        yield mocked
