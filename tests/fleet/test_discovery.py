"""Finding the account's region and working energy sites."""

from collections.abc import AsyncIterator, Iterator

import aiohttp
from aioresponses import aioresponses
import pytest

from custom_components.tesla_powerwall3.fleet import (
    FleetClient,
    NotRegisteredError,
    WrongRegionError,
)
from custom_components.tesla_powerwall3.fleet.discovery import discover_energy_sites
from tests.common import EU_URL, NA_URL, load_payload, site_url


async def _token(*, force_refresh: bool = False) -> str:
    return "token"


@pytest.fixture
async def client() -> AsyncIterator[FleetClient]:
    async with aiohttp.ClientSession() as session:
        yield FleetClient(session, _token, NA_URL)


@pytest.fixture
def mock() -> Iterator[aioresponses]:
    with aioresponses() as mocked:
        yield mocked


def products(*sites: dict[str, object]) -> dict[str, object]:
    return {"response": [{"id": 1, "vin": "5YJ"}, *sites], "count": len(sites) + 1}


async def test_skips_retired_and_empty_sites(
    client: FleetClient, mock: aioresponses
) -> None:
    mock.get(
        f"{NA_URL}/api/1/products",
        payload=products(
            {"energy_site_id": 1, "components": {"battery": True}},
            {"energy_site_id": 2, "components": {"solar": True}},
            {"energy_site_id": 3, "components": {"battery": False, "solar": False}},
            {"energy_site_id": 4, "components": {"wall_connectors": [{"din": "wc"}]}},
        ),
    )
    mock.get(
        site_url(1, "site_info"), payload=load_payload("site_info_bolt_sdk_sample")
    )
    mock.get(site_url(2, "site_info"), status=404, payload={"response": None})
    mock.get(
        site_url(4, "site_info"),
        status=500,
        payload=load_payload(
            "error_500_upstream_internal_error__converted_from_python"
        ),
    )
    discovery = await discover_energy_sites(client)
    assert [site.site_id for site in discovery.sites] == [1]
    assert discovery.sites[0].info.site_name == "My Home"
    assert discovery.skipped == {2, 3, 4}
    assert [p.energy_site_id for p in discovery.products] == [1, 2, 3, 4]
    assert client.counter.sent == {"products": 1, "site_info": 3}


async def test_follows_421_to_the_named_region(
    client: FleetClient, mock: aioresponses
) -> None:
    mock.get(
        f"{NA_URL}/api/1/products",
        status=421,
        payload=load_payload("error_421_user_out_of_region"),
    )
    mock.get(
        f"{EU_URL}/api/1/products", payload=load_payload("products_real_2024-04-12")
    )
    mock.get(
        site_url(1234, "site_info", EU_URL),
        payload=load_payload("site_info_bolt_sdk_sample"),
    )
    discovery = await discover_energy_sites(client)
    assert client.base_url == EU_URL
    assert [site.site_id for site in discovery.sites] == [1234]


async def test_421_without_a_new_region_raises(
    client: FleetClient, mock: aioresponses
) -> None:
    mock.get(
        f"{NA_URL}/api/1/products",
        status=421,
        payload={"error": f"user out of region, use base URL: {NA_URL}"},
    )
    with pytest.raises(WrongRegionError):
        await discover_energy_sites(client)


async def test_412_propagates(client: FleetClient, mock: aioresponses) -> None:
    mock.get(
        f"{NA_URL}/api/1/products",
        status=412,
        payload=load_payload("error_412_not_registered_in_region"),
    )
    with pytest.raises(NotRegisteredError):
        await discover_energy_sites(client)
