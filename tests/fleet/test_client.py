"""Fleet API client: every endpoint and every error class, with real bodies."""

from collections import Counter
from collections.abc import AsyncIterator
from datetime import datetime, timedelta, timezone
from typing import Any

import aiohttp
from aioresponses import CallbackResult, aioresponses
import pytest
from yarl import URL

from custom_components.tesla_powerwall3.fleet import (
    DeviceOfflineError,
    FleetClient,
    FleetConnectionError,
    FleetHTTPError,
    InvalidResponseError,
    MissingScopesError,
    NotFoundError,
    NotRegisteredError,
    RateLimitedError,
    RateLimitGate,
    ServerError,
    TokenExpiredError,
    WrongRegionError,
    simulator_hosts,
)
from custom_components.tesla_powerwall3.fleet.ratelimit import DEFAULT_WAIT_SECONDS
from tests.common import EU_URL, NA_URL, SITE_ID, load_payload, site_url
from tests.fleet.conftest import FakeTokens


def sent(mock: aioresponses) -> list[tuple[str, URL]]:
    return [(method, url) for (method, url) in mock.requests]


async def test_products_keeps_energy_sites_only(
    client: FleetClient, mock: aioresponses, billed: Counter[str]
) -> None:
    mock.get(
        f"{NA_URL}/api/1/products", payload=load_payload("products_real_2024-04-12")
    )
    products = await client.products()
    assert [p.energy_site_id for p in products] == [1234]
    site = products[0]
    assert site.resource_type == "battery"
    assert site.wall_connector_dins == ("qwfp",)
    assert site.has_energy_devices
    assert site.site_name is None  # "" in the payload
    assert client.counter.sent == {"products": 1}
    assert billed == {"products": 1}


async def test_products_sample_without_components(
    client: FleetClient, mock: aioresponses
) -> None:
    mock.get(
        f"{NA_URL}/api/1/products", payload=load_payload("products_bolt_sdk_sample")
    )
    products = await client.products()
    assert [(p.energy_site_id, p.site_name) for p in products] == [(429124, "My Home")]
    assert products[0].has_energy_devices


async def test_products_not_a_list(client: FleetClient, mock: aioresponses) -> None:
    mock.get(f"{NA_URL}/api/1/products", payload={"response": {"oops": 1}})
    with pytest.raises(InvalidResponseError):
        await client.products()


@pytest.mark.parametrize(
    "payload", ["users_region_bolt_sdk_sample", "users_region_response_docs_2023"]
)
async def test_users_region(
    client: FleetClient, mock: aioresponses, payload: str
) -> None:
    mock.get(f"{NA_URL}/api/1/users/region", payload=load_payload(payload))
    region = await client.users_region()
    assert region.region == "eu"
    assert region.fleet_api_base_url == EU_URL


async def test_live_status_real_capture(
    client: FleetClient, mock: aioresponses
) -> None:
    mock.get(
        site_url(SITE_ID, "live_status"),
        payload=load_payload("live_status_real_2023-11-06_charging_wc_plugged"),
    )
    live = await client.live_status(SITE_ID)
    assert live.solar_power == 16176
    assert live.battery_power == -13950
    assert live.grid_power == 0
    assert live.load_power == 2226
    assert live.percentage_charged == pytest.approx(90.2133, abs=1e-3)
    assert live.grid_status == "Active"
    assert live.island_status == "on_grid"
    assert live.storm_mode_active is False
    assert live.timestamp == datetime(
        2023, 11, 6, 10, 30, 11, tzinfo=timezone(timedelta(hours=11))
    )
    (connector,) = live.wall_connectors
    assert (connector.din, connector.vin, connector.state) == ("5432", "1234", 4)
    assert connector.fault_state == 2
    assert connector.power == 0


async def test_live_status_tolerates_missing_null_and_extra_fields(
    client: FleetClient, mock: aioresponses
) -> None:
    mock.get(
        site_url(SITE_ID, "live_status"),
        payload={
            "response": {
                "solar_power": None,
                "battery_power": "12",
                "grid_power": True,
                "load_power": 900,
                "timestamp": "not a time",
                "new_field_2027": {"x": 1},
                "wall_connectors": [{"wall_connector_power": 5}, "junk"],
            }
        },
    )
    live = await client.live_status(SITE_ID)
    assert live.load_power == 900
    assert live.solar_power is None
    assert live.battery_power is None
    assert live.grid_power is None
    assert live.energy_left is None
    assert live.timestamp is None
    assert live.wall_connectors == ()


async def test_site_info(client: FleetClient, mock: aioresponses) -> None:
    mock.get(
        site_url(SITE_ID, "site_info"),
        payload=load_payload("site_info_bolt_sdk_sample"),
    )
    info = await client.site_info(SITE_ID)
    assert info.gateway_id == "0000000-00-A--TEST0000000DIN"
    assert info.site_name == "My Home"
    assert info.backup_reserve_percent == 20
    assert info.default_real_mode == "autonomous"
    assert info.installation_time_zone == "America/Los_Angeles"
    assert info.battery_count == 3
    assert info.nameplate_energy == 40500
    assert info.storm_mode_enabled is True
    assert info.firmware == "23.12.11"
    assert info.model is None  # the sample lists no gateways or batteries


async def test_site_info_model_from_part_names(
    client: FleetClient, mock: aioresponses
) -> None:
    mock.get(
        site_url(SITE_ID, "site_info"),
        payload={
            "response": {
                "components": {
                    "gateways": [{"part_name": "Powerwall 3"}],
                    "batteries": [{"part_name": "Powerwall 3"}, {"part_name": 7}],
                }
            }
        },
    )
    info = await client.site_info(SITE_ID)
    assert info.model == "Powerwall 3"
    assert info.firmware is None


async def test_calendar_history_encodes_offsets(
    client: FleetClient, mock: aioresponses
) -> None:
    end = datetime(2024, 5, 1, 23, 59, 59, tzinfo=timezone(timedelta(hours=10)))
    start = end - timedelta(hours=23, minutes=59, seconds=59)
    mock.get(
        URL(site_url(SITE_ID, "calendar_history")).with_query(
            kind="energy",
            period="day",
            start_date=start.isoformat(),
            end_date=end.isoformat(),
            time_zone="Australia/Brisbane",
        ),
        payload=load_payload("calendar_history_energy_bolt_sdk_sample"),
    )
    history = await client.calendar_history(
        SITE_ID, start_date=start, end_date=end, time_zone="Australia/Brisbane"
    )
    ((_, url),) = sent(mock)
    assert "%2B10:00" in str(url)
    assert "+" not in str(url)
    assert history.time_series is not None
    (bucket,) = history.time_series
    assert bucket.values["solar_energy_exported"] == 70940
    assert bucket.values["grid_services_energy_imported"] == pytest.approx(17.53125)
    assert "timestamp" not in bucket.values


async def test_calendar_history_empty_day(
    client: FleetClient, mock: aioresponses
) -> None:
    end = datetime(2024, 5, 1, 23, 59, 59, tzinfo=timezone(timedelta(hours=-7)))
    mock.get(
        URL(site_url(SITE_ID, "calendar_history")).with_query(
            kind="energy", period="day", end_date=end.isoformat()
        ),
        payload={
            "response": {
                "period": "day",
                "installation_time_zone": "America/Denver",
                "time_series": None,
            }
        },
    )
    history = await client.calendar_history(SITE_ID, end_date=end)
    assert history.time_series is None
    assert history.time_zone == "America/Denver"


async def test_calendar_history_needs_aware_dates(client: FleetClient) -> None:
    with pytest.raises(ValueError, match="end_date"):
        await client.calendar_history(SITE_ID, end_date=datetime(2024, 5, 1))  # noqa: DTZ001


async def test_partner_register_and_public_key(
    client: FleetClient, mock: aioresponses
) -> None:
    def register(url: URL, **kwargs: Any) -> CallbackResult:
        assert kwargs["json"] == {"domain": "the-best-partner.com"}
        return CallbackResult(
            payload=load_payload("partner_accounts_register_response_docs_2023")
        )

    mock.post(f"{NA_URL}/api/1/partner_accounts", callback=register)
    account = await client.register_partner_domain("the-best-partner.com")
    assert account.domain == "the-best-partner.com"
    assert account.public_key is not None
    assert account.public_key.startswith("04b3ba29")
    assert account.client_id == "client-id"

    mock.get(
        URL(f"{NA_URL}/api/1/partner_accounts/public_key").with_query(
            domain="the-best-partner.com"
        ),
        payload=load_payload("partner_accounts_public_key_response_docs_2023"),
    )
    assert (await client.partner_public_key("the-best-partner.com") or "").startswith(
        "04b3"
    )
    mock.get(
        URL(f"{NA_URL}/api/1/partner_accounts/public_key").with_query(domain="x.com"),
        payload={"response": {"public_key": None}},
    )
    assert await client.partner_public_key("x.com") is None


async def test_bearer_token_sent(client: FleetClient, mock: aioresponses) -> None:
    mock.get(f"{NA_URL}/api/1/products", payload={"response": []})
    await client.products()
    (((_, _), call),) = mock.requests.items()
    assert call[0].kwargs["headers"]["Authorization"] == "Bearer token-0"


@pytest.mark.parametrize(
    ("status", "payload", "error_class", "error_text"),
    [
        (
            403,
            "error_403_missing_scopes",
            MissingScopesError,
            "Unauthorized missing scopes",
        ),
        (404, None, NotFoundError, None),
        (408, None, DeviceOfflineError, None),
        (
            500,
            "error_500_upstream_internal_error__converted_from_python",
            ServerError,
            "upstream internal error",
        ),
        (503, None, ServerError, None),
        (422, None, FleetHTTPError, None),
    ],
)
async def test_error_classes(
    client: FleetClient,
    mock: aioresponses,
    billed: Counter[str],
    status: int,
    payload: str | None,
    error_class: type[FleetHTTPError],
    error_text: str | None,
) -> None:
    body = load_payload(payload) if payload else None
    mock.get(site_url(SITE_ID, "live_status"), status=status, payload=body)
    with pytest.raises(error_class) as caught:
        await client.live_status(SITE_ID)
    assert type(caught.value) is error_class
    assert caught.value.status == status
    assert caught.value.error == error_text
    assert caught.value.endpoint == "live_status"
    assert str(status) in str(caught.value)
    billable = 1 if status < 500 else 0
    assert billed["live_status"] == billable
    assert client.counter.sent["live_status"] == 1


async def test_412_not_registered_names_region(
    client: FleetClient, mock: aioresponses
) -> None:
    mock.get(
        f"{NA_URL}/api/1/products",
        status=412,
        payload=load_payload("error_412_not_registered_in_region"),
    )
    with pytest.raises(NotRegisteredError) as caught:
        await client.products()
    assert caught.value.region_url == NA_URL


@pytest.mark.parametrize(
    "host",
    ["https://evil.example.com", "https://fleet-api.prd.na.vn.cloud.tesla.com.evil"],
)
async def test_412_naming_a_foreign_host_names_no_region(
    client: FleetClient, mock: aioresponses, host: str
) -> None:
    # The region is shown to the user as where to register: never a foreign host.
    mock.get(
        f"{NA_URL}/api/1/products",
        status=412,
        payload={"error": f"not registered in this region, current region {host}"},
    )
    with pytest.raises(NotRegisteredError) as caught:
        await client.products()
    assert caught.value.region_url is None


async def test_a_foreign_base_url_is_replaced_by_the_default_region(
    tokens: FakeTokens, mock: aioresponses, caplog: pytest.LogCaptureFixture
) -> None:
    async with aiohttp.ClientSession() as session:
        client = FleetClient(session, tokens, "https://evil.example.com/")
        assert client.base_url == NA_URL
        mock.get(f"{NA_URL}/api/1/products", payload={"response": []})
        assert await client.products() == []
    assert sent(mock) == [("GET", URL(f"{NA_URL}/api/1/products"))]
    assert "Not using https://evil.example.com/" in caplog.text


class RegionChanges(list[str]):
    """Records the base URLs the client reports moving to."""

    def __call__(self, base_url: str) -> None:
        self.append(base_url)


@pytest.fixture
def moves() -> RegionChanges:
    return RegionChanges()


@pytest.fixture
async def roaming(
    tokens: FakeTokens, moves: RegionChanges
) -> AsyncIterator[FleetClient]:
    async with aiohttp.ClientSession() as session:
        yield FleetClient(session, tokens, NA_URL, on_region_change=moves)


async def test_421_moves_to_the_named_region_and_retries_once(
    roaming: FleetClient, mock: aioresponses, moves: RegionChanges
) -> None:
    mock.get(
        f"{NA_URL}/api/1/products",
        status=421,
        payload=load_payload("error_421_user_out_of_region"),
    )
    mock.get(
        f"{EU_URL}/api/1/products", payload=load_payload("products_real_2024-04-12")
    )
    products = await roaming.products()
    assert [p.energy_site_id for p in products] == [1234]
    assert roaming.base_url == EU_URL
    assert moves == [EU_URL]
    assert sent(mock) == [
        ("GET", URL(f"{NA_URL}/api/1/products")),
        ("GET", URL(f"{EU_URL}/api/1/products")),
    ]
    assert roaming.counter.sent["products"] == 2


async def test_421_in_the_new_region_too_raises(
    roaming: FleetClient, mock: aioresponses, moves: RegionChanges
) -> None:
    body = load_payload("error_421_user_out_of_region")
    mock.get(f"{NA_URL}/api/1/products", status=421, payload=body)
    mock.get(f"{EU_URL}/api/1/products", status=421, payload=body)
    with pytest.raises(WrongRegionError) as caught:
        await roaming.products()
    assert caught.value.base_url == EU_URL
    assert moves == [EU_URL]
    assert roaming.counter.sent["products"] == 2


async def test_421_then_401_refreshes_in_the_new_region(
    roaming: FleetClient, mock: aioresponses, tokens: FakeTokens
) -> None:
    mock.get(
        site_url(SITE_ID, "live_status"),
        status=421,
        payload=load_payload("error_421_user_out_of_region"),
    )
    mock.get(
        site_url(SITE_ID, "live_status", EU_URL),
        status=401,
        payload=load_payload("error_401_token_expired"),
    )
    mock.get(
        site_url(SITE_ID, "live_status", EU_URL),
        payload=load_payload("live_status_real_2023-11-06_exporting"),
    )
    live = await roaming.live_status(SITE_ID)
    assert live.grid_power == -12949
    assert tokens.refreshes == 1
    assert roaming.counter.sent["live_status"] == 3


@pytest.mark.parametrize(
    "payload",
    [
        {"error": f"user out of region, use base URL: {NA_URL}"},
        {
            "error": "user out of region, use base URL: "
            + NA_URL.replace("fleet-api", "FLEET-API")
        },
        {"error": "user out of region"},
        None,
    ],
    ids=["this-host", "this-host-spelled-otherwise", "no-host", "no-body"],
)
async def test_421_naming_no_other_region_raises(
    roaming: FleetClient,
    mock: aioresponses,
    moves: RegionChanges,
    payload: dict[str, str] | None,
) -> None:
    mock.get(f"{NA_URL}/api/1/products", status=421, payload=payload)
    with pytest.raises(WrongRegionError):
        await roaming.products()
    assert roaming.base_url == NA_URL
    assert moves == []
    assert len(sent(mock)) == 1


@pytest.mark.parametrize(
    "host",
    [
        "https://evil.example.com",
        "https://fleet-api.prd.na.vn.cloud.tesla.com.evil.example",
        "https://fleet-api.prd.xx.vn.cloud.tesla.com",
    ],
)
async def test_421_to_a_host_not_tesla_is_not_followed(
    roaming: FleetClient,
    mock: aioresponses,
    moves: RegionChanges,
    caplog: pytest.LogCaptureFixture,
    host: str,
) -> None:
    mock.get(
        f"{NA_URL}/api/1/products",
        status=421,
        payload={"error": f"user out of region, use base URL: {host}"},
    )
    mock.get(f"{host}/api/1/products", payload={"response": []})
    with pytest.raises(WrongRegionError) as caught:
        await roaming.products()
    assert caught.value.base_url == host
    assert roaming.base_url == NA_URL
    assert moves == []
    assert sent(mock) == [("GET", URL(f"{NA_URL}/api/1/products"))]
    assert f"Not following a 421 to {host}" in caplog.text


async def test_421_is_followed_within_the_simulator_only(
    tokens: FakeTokens, mock: aioresponses
) -> None:
    simulator = "http://127.0.0.1:8765"
    mock.get(
        f"{simulator}/api/1/products",
        status=421,
        payload=load_payload("error_421_user_out_of_region"),
    )
    async with aiohttp.ClientSession() as session:
        client = FleetClient(
            session, tokens, simulator, hosts=simulator_hosts(simulator)
        )
        with pytest.raises(WrongRegionError):
            await client.products()
    assert client.base_url == simulator
    assert sent(mock) == [("GET", URL(f"{simulator}/api/1/products"))]


async def test_429_reads_retry_after_and_ratelimit_headers(
    client: FleetClient, mock: aioresponses, billed: Counter[str]
) -> None:
    mock.get(
        site_url(SITE_ID, "live_status"),
        status=429,
        body="Retry in 37829 seconds",
        headers={
            "Retry-After": "120",
            "RateLimit-Limit": "300",
            "RateLimit-Remaining": "0",
            "RateLimit-Reset": "45983",
        },
    )
    with pytest.raises(RateLimitedError) as caught:
        await client.live_status(SITE_ID)
    err = caught.value
    assert (err.retry_after, err.limit, err.remaining, err.reset) == (
        120,
        300,
        0,
        45983,
    )
    assert err.error == "Retry in 37829 seconds"
    assert billed["live_status"] == 1


async def test_429_retry_after_from_body_or_date(
    client: FleetClient, mock: aioresponses
) -> None:
    mock.get(
        site_url(SITE_ID, "live_status"), status=429, body="Retry in 37829 seconds"
    )
    with pytest.raises(RateLimitedError) as caught:
        await client.live_status(SITE_ID)
    assert caught.value.retry_after == 37829
    assert caught.value.limit is None

    client.gate.reopen()
    mock.get(
        site_url(SITE_ID, "live_status"),
        status=429,
        headers={"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"},
    )
    with pytest.raises(RateLimitedError) as caught:
        await client.live_status(SITE_ID)
    assert caught.value.retry_after == 1  # a date in the past: wait a second

    client.gate.reopen()
    mock.get(
        site_url(SITE_ID, "live_status"), status=429, headers={"Retry-After": "soon"}
    )
    with pytest.raises(RateLimitedError) as caught:
        await client.live_status(SITE_ID)
    assert caught.value.retry_after == DEFAULT_WAIT_SECONDS


async def test_no_request_before_retry_after(mock: aioresponses) -> None:
    now = [1_000_000.0]
    gate = RateLimitGate(clock=lambda: now[0])
    changes: list[float | None] = []
    gate.add_listener(changes.append)
    async with aiohttp.ClientSession() as session:
        client = FleetClient(session, FakeTokens(), NA_URL, gate=gate)
        mock.get(f"{NA_URL}/api/1/products", status=429, headers={"Retry-After": "60"})
        with pytest.raises(RateLimitedError):
            await client.products()
        now[0] += 59
        with pytest.raises(RateLimitedError) as caught:
            await client.live_status(SITE_ID)
        assert caught.value.retry_after == pytest.approx(1)
        assert client.counter.total_sent == 1  # the second one was never sent

        now[0] += 2
        mock.get(f"{NA_URL}/api/1/products", payload={"response": []})
        assert await client.products() == []
        assert client.counter.total_sent == 2
    assert changes == [1_000_060.0, None]


def test_gate_keeps_the_longest_wait_and_restores() -> None:
    now = [0.0]
    gate = RateLimitGate(clock=lambda: now[0])
    gate.close_for(100)
    gate.close_for(10)
    assert gate.blocked_until == 100
    gate.restore(None)
    gate.check("products")
    gate.restore(50)
    with pytest.raises(RateLimitedError):
        gate.check("products")


@pytest.mark.parametrize(
    "payload",
    ["error_401_token_expired", "error_401_token_expired_after_password_change"],
)
async def test_401_refreshes_once_and_retries_once(
    client: FleetClient, mock: aioresponses, tokens: FakeTokens, payload: str
) -> None:
    mock.get(
        site_url(SITE_ID, "live_status"), status=401, payload=load_payload(payload)
    )
    mock.get(
        site_url(SITE_ID, "live_status"),
        payload=load_payload("live_status_real_2023-11-06_exporting"),
    )
    live = await client.live_status(SITE_ID)
    assert live.grid_power == -12949
    assert tokens.refreshes == 1
    assert client.counter.sent["live_status"] == 2


async def test_401_twice_raises_token_expired(
    client: FleetClient, mock: aioresponses, tokens: FakeTokens
) -> None:
    body = load_payload("error_401_token_expired")
    mock.get(site_url(SITE_ID, "live_status"), status=401, payload=body)
    mock.get(site_url(SITE_ID, "live_status"), status=401, payload=body)
    with pytest.raises(TokenExpiredError) as caught:
        await client.live_status(SITE_ID)
    assert caught.value.error == "token expired (401)"
    assert tokens.refreshes == 1
    assert client.counter.sent["live_status"] == 2


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"exception": TimeoutError()}, "timed out"),
        ({"exception": aiohttp.ClientConnectionError("refused")}, "refused"),
    ],
)
async def test_network_failures(
    client: FleetClient,
    mock: aioresponses,
    billed: Counter[str],
    kwargs: dict[str, Any],
    message: str,
) -> None:
    mock.get(site_url(SITE_ID, "live_status"), **kwargs)
    with pytest.raises(FleetConnectionError, match=message):
        await client.live_status(SITE_ID)
    assert client.counter.sent["live_status"] == 1
    assert billed.total() == 0


@pytest.mark.parametrize(
    "kwargs",
    [
        {"body": "<html>gateway</html>"},
        {"body": ""},
        {"payload": ["not", "an", "object"]},
        {"payload": {"response": "text"}},
        {"payload": {"response": None}},
    ],
)
async def test_invalid_responses(
    client: FleetClient, mock: aioresponses, kwargs: dict[str, Any]
) -> None:
    mock.get(site_url(SITE_ID, "live_status"), **kwargs)
    with pytest.raises(InvalidResponseError):
        await client.live_status(SITE_ID)


async def test_error_without_json_body_keeps_text(
    client: FleetClient, mock: aioresponses
) -> None:
    mock.get(site_url(SITE_ID, "live_status"), status=502, body="Bad gateway\n")
    with pytest.raises(ServerError) as caught:
        await client.live_status(SITE_ID)
    assert caught.value.error == "Bad gateway"


async def test_counter_listeners(
    client: FleetClient, mock: aioresponses, billed: Counter[str]
) -> None:
    seen: list[tuple[str, bool]] = []
    remove = client.counter.add_listener(
        lambda endpoint, billable: seen.append((endpoint, billable))
    )
    mock.get(f"{NA_URL}/api/1/products", payload={"response": []})
    mock.get(f"{NA_URL}/api/1/products", status=503)
    await client.products()
    with pytest.raises(ServerError):
        await client.products()
    remove()
    mock.get(f"{NA_URL}/api/1/products", payload={"response": []})
    await client.products()
    assert seen == [("products", True), ("products", False)]
    assert client.counter.total_sent == 3
    assert billed.total() == 2
