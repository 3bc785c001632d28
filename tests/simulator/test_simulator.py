"""The Fleet API simulator answers like Tesla, over real HTTP on loopback."""

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

from aiohttp.test_utils import TestClient, TestServer
import pytest

from fleet_simulator import SimulatorConfig, create_app, decode_claims, model
from fleet_simulator.__main__ import parse_args
from fleet_simulator.tokens import subject_for

pytestmark = pytest.mark.usefixtures("socket_enabled")

PAYLOADS = Path("/work/shared/reference/payloads")
NOW = datetime(2026, 6, 10, 19, 30, tzinfo=UTC)  # 12:30 in Los Angeles
LA = ZoneInfo("America/Los_Angeles")
SITE = 1_000_001
CALLBACK = "http://127.0.0.1:8123/auth/external/callback"
ENERGY_SCOPES = "openid offline_access energy_device_data"
LOGIN_REQUIRED = {"error", "error_description", "error_uri"}
type Client = TestClient[Any, Any]


class Clock:
    """A clock the tests move by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


async def _serve(config: SimulatorConfig) -> AsyncIterator[Client]:
    async with TestClient(TestServer(create_app(config), host="127.0.0.1")) as client:
        yield client


@pytest.fixture
async def client(clock: Clock) -> AsyncIterator[Client]:
    """Two sites with two Wall Connectors each, at a fixed time."""
    config = SimulatorConfig(sites=2, wall_connectors=2, clock=clock)
    async for test_client in _serve(config):
        yield test_client


def payload(name: str) -> Any:
    """Return a real Tesla payload from the reference folder."""
    return json.loads((PAYLOADS / name).read_text())


async def authorize(
    client: Client, scope: str, email: str = "owner@example.com"
) -> str:
    """Sign in on the page and return the code from the redirect."""
    params = {
        "response_type": "code",
        "client_id": "my-client",
        "redirect_uri": CALLBACK,
        "state": "xyz",
        "scope": scope,
    }
    response = await client.post(
        "/oauth2/v3/authorize",
        data={**params, "email": email},
        allow_redirects=False,
    )
    assert response.status == 302
    location = urlsplit(response.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == CALLBACK
    query = parse_qs(location.query)
    assert query["state"] == ["xyz"]
    return query["code"][0]


async def login(
    client: Client, scope: str = ENERGY_SCOPES, email: str = "owner@example.com"
) -> dict[str, Any]:
    """Run the authorization-code flow and return the token response."""
    code = await authorize(client, scope, email)
    response = await client.post(
        "/oauth2/v3/token",
        data={
            "grant_type": "authorization_code",
            "client_id": "my-client",
            "client_secret": "secret",
            "code": code,
            "redirect_uri": CALLBACK,
            "audience": "http://127.0.0.1",
        },
    )
    assert response.status == 200
    result: dict[str, Any] = await response.json()
    return result


async def refresh(client: Client, refresh_token: str) -> tuple[int, Any]:
    response = await client.post(
        "/oauth2/v3/token",
        data={
            "grant_type": "refresh_token",
            "client_id": "my-client",
            "refresh_token": refresh_token,
        },
    )
    return response.status, await response.json()


async def partner_token(client: Client) -> str:
    response = await client.post(
        "/oauth2/v3/token",
        data={
            "grant_type": "client_credentials",
            "client_id": "my-client",
            "client_secret": "secret",
            "audience": "http://127.0.0.1",
            "scope": "openid",
        },
    )
    assert response.status == 200
    body = await response.json()
    assert set(body) == set(payload("oauth_partner_token_response_ha_docs.json"))
    assert body["expires_in"] == 28800
    token: str = body["access_token"]
    return token


async def get(
    client: Client, path: str, token: str | None, **params: str
) -> tuple[int, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = await client.get(path, headers=headers, params=params)
    return response.status, await response.json()


async def history(client: Client, token: str, **params: str) -> tuple[int, Any]:
    return await get(
        client,
        f"/api/1/energy_sites/{SITE}/calendar_history",
        token,
        **{"kind": "energy", "period": "day", **params},
    )


async def day_series(
    client: Client, token: str, end: str, zone: str = "America/Los_Angeles"
) -> list[dict[str, Any]] | None:
    status, body = await history(client, token, end_date=end, time_zone=zone)
    assert status == 200
    series: list[dict[str, Any]] | None = body["response"]["time_series"]
    return series


# OAuth ------------------------------------------------------------------


async def test_authorize_page(client: Client) -> None:
    response = await client.get(
        "/oauth2/v3/authorize",
        params={
            "response_type": "code",
            "client_id": "my-client",
            "redirect_uri": CALLBACK,
            "state": "a&b",
            "scope": "openid energy_device_data",
            "prompt": "login",
        },
    )
    assert response.status == 200
    assert response.content_type == "text/html"
    page = await response.text()
    assert "<title>Tesla account (simulator)</title>" in page
    assert "my-client" in page
    assert "<code>energy_device_data</code>" in page
    assert '<form method="post">' in page
    assert 'name="email" value="owner@example.com"' in page
    assert '<input type="hidden" name="state" value="a&amp;b">' in page
    assert '<input type="hidden" name="prompt" value="login">' in page
    assert "Sign in</button>" in page

    for params in ({"state": "x"}, {"redirect_uri": CALLBACK}):
        response = await client.get("/oauth2/v3/authorize", params=params)
        assert response.status == 400
        assert "redirect_uri and state are required" in await response.text()
    response = await client.post("/oauth2/v3/authorize", data={"state": "x"})
    assert response.status == 400


async def test_code_exchange_and_claims(client: Client) -> None:
    token = await login(client)
    assert set(token) == {
        "access_token",
        "refresh_token",
        "id_token",
        "token_type",
        "expires_in",
        "state",
    }
    assert token["token_type"] == "Bearer"
    assert token["expires_in"] == 28800
    assert token["state"] is None
    assert token["refresh_token"].startswith("NA_")

    claims = decode_claims(token["access_token"])
    base = str(client.make_url("")).rstrip("/")
    assert claims["iss"] == f"{base}/oauth2/v3/nts"
    assert claims["aud"] == [base, f"{base}/oauth2/v3/token"]
    assert claims["sub"] == subject_for("owner@example.com")
    assert claims["scp"] == ["openid", "offline_access", "energy_device_data"]
    assert claims["ou_code"] == "NA"
    assert claims["locale"] == "en-US"
    assert claims["iat"] == int(NOW.timestamp())
    assert claims["exp"] - claims["iat"] == 28800
    id_claims = decode_claims(token["id_token"])
    assert id_claims["email"] == "owner@example.com"
    assert id_claims["sub"] == claims["sub"]

    # The same person gets the same id, someone else another one.
    again = decode_claims((await login(client))["access_token"])
    assert again["sub"] == claims["sub"]
    other = decode_claims((await login(client, email="b@example.com"))["access_token"])
    assert other["sub"] != claims["sub"]


async def test_codes_are_single_use_and_checked(client: Client, clock: Clock) -> None:
    async def exchange(code: str, **extra: str) -> tuple[int, Any]:
        response = await client.post(
            "/oauth2/v3/token",
            data={"grant_type": "authorization_code", "code": code, **extra},
        )
        return response.status, await response.json()

    code = await authorize(client, ENERGY_SCOPES)
    assert (await exchange(code))[0] == 200
    status, body = await exchange(code)
    assert status == 400
    assert body["error"] == "invalid_auth_code"
    assert set(body) == {"error", "error_description"}
    assert (await exchange("unknown"))[0] == 400
    code = await authorize(client, ENERGY_SCOPES)
    assert (await exchange(code, redirect_uri="https://elsewhere/"))[0] == 400
    code = await authorize(client, ENERGY_SCOPES)
    clock.now += timedelta(minutes=11)
    assert (await exchange(code))[0] == 400
    response = await client.post("/oauth2/v3/token", data={"grant_type": "password"})
    assert response.status == 400
    assert (await response.json())["error"] == "unsupported_grant_type"


async def test_refresh_rotates(client: Client) -> None:
    first = await login(client)
    status, second = await refresh(client, first["refresh_token"])
    assert status == 200
    assert second["access_token"] != first["access_token"]
    assert second["refresh_token"] != first["refresh_token"]
    assert (
        decode_claims(second["access_token"])["scp"]
        == decode_claims(first["access_token"])["scp"]
    )

    # The used refresh token is gone: Tesla's login_required answer.
    status, body = await refresh(client, first["refresh_token"])
    assert status == 401
    expected = payload("error_401_oauth_refresh_login_required.json")
    assert set(body) == set(expected) == LOGIN_REQUIRED
    assert body["error"] == expected["error"]
    assert body["error_description"] == expected["error_description"]
    assert body["error_uri"].startswith("https://auth.tesla.com/error/reference/")
    assert (await refresh(client, "NA_unknown"))[0] == 401

    # The new one works, and so do both access tokens until they expire.
    status, third = await refresh(client, second["refresh_token"])
    assert status == 200
    for token in (first, second, third):
        assert (await get(client, "/api/1/products", token["access_token"]))[0] == 200


async def test_token_endpoint_takes_json(client: Client) -> None:
    token = await login(client)
    response = await client.post(
        "/oauth2/v3/token",
        json={"grant_type": "refresh_token", "refresh_token": token["refresh_token"]},
    )
    assert response.status == 200


async def test_partner_token_and_registration(client: Client) -> None:
    token = await partner_token(client)
    claims = decode_claims(token)
    assert "sub" not in claims
    assert claims["scp"] == ["openid"]

    response = await client.post(
        "/api/1/partner_accounts",
        json={"domain": "example.com"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status == 200
    registered = (await response.json())["response"]
    expected = payload("partner_accounts_register_response_docs_2023.json")
    assert set(registered) == set(expected)
    assert registered["domain"] == "example.com"
    key = registered["public_key"]
    assert key.startswith("04")
    assert len(bytes.fromhex(key)) == 65

    path = "/api/1/partner_accounts/public_key"
    status, body = await get(client, path, token, domain="example.com")
    assert (status, body) == (200, {"response": {"public_key": key}})
    status, body = await get(client, path, token, domain="other.com")
    assert status == 404

    # Partner tokens do not read energy data; user tokens do not register.
    status, body = await get(client, "/api/1/products", token)
    assert (status, body) == (403, payload("error_403_missing_scopes.json"))
    user = (await login(client))["access_token"]
    status, body = await get(client, path, user, domain="example.com")
    assert status == 403
    response = await client.post(
        "/api/1/partner_accounts",
        json={"domain": "Example.COM"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status == 400


# Fleet API --------------------------------------------------------------


async def test_users_region(client: Client) -> None:
    token = (await login(client))["access_token"]
    status, body = await get(client, "/api/1/users/region", token)
    assert status == 200
    assert set(body["response"]) == set(
        payload("users_region_bolt_sdk_sample.json")["response"]
    )
    assert body["response"] == {
        "region": "na",
        "fleet_api_base_url": str(client.make_url("")).rstrip("/"),
    }


async def test_configured_base_url_and_region(clock: Clock) -> None:
    config = SimulatorConfig(
        base_url="https://fleet.example/", region="eu", clock=clock
    )
    async for client in _serve(config):
        token = await login(client)
        claims = decode_claims(token["access_token"])
        assert claims["ou_code"] == "EU"
        assert claims["aud"][0] == "https://fleet.example"
        assert token["refresh_token"].startswith("EU_")
        _, body = await get(client, "/api/1/users/region", token["access_token"])
        assert body["response"] == {
            "region": "eu",
            "fleet_api_base_url": "https://fleet.example",
        }


async def test_products(client: Client) -> None:
    token = (await login(client))["access_token"]
    status, body = await get(client, "/api/1/products", token)
    assert status == 200
    real = payload("products_real_2024-04-12.json")
    assert body["count"] == len(body["response"]) == 3
    vehicle, *sites = body["response"]
    assert set(vehicle) >= set(real["response"][0])
    assert [site["energy_site_id"] for site in sites] == [SITE, SITE + 1]
    assert [site["site_name"] for site in sites] == ["My Home", "Cabin"]
    for site in sites:
        assert set(site) >= set(real["response"][1]) - {"site_name"}
        assert site["resource_type"] == "battery"
        assert 0 <= site["percentage_charged"] <= 100
        connectors = site["components"]["wall_connectors"]
        assert len(connectors) == 2
        assert set(connectors[0]) == {"device_id", "din", "is_active", "part_number"}
    assert sites[0]["gateway_id"] != sites[1]["gateway_id"]


async def test_live_status(client: Client, clock: Clock) -> None:
    path = f"/api/1/energy_sites/{SITE}/live_status"
    real = payload("live_status_real_2023-11-06_charging_wc_plugged.json")["response"]
    seen = []
    for hour in range(0, 24, 3):
        clock.now = NOW + timedelta(hours=hour)
        token = (await login(client))["access_token"]
        status, body = await get(client, path, token)
        assert status == 200
        live = body["response"]
        assert set(live) == set(real)
        assert live["load_power"] == (
            live["solar_power"]
            + live["battery_power"]
            + live["grid_power"]
            + live["generator_power"]
        )
        assert live["grid_status"] == "Active"
        assert live["island_status"] == "on_grid"
        assert 0 <= live["percentage_charged"] <= 100
        assert live["energy_left"] == pytest.approx(
            live["percentage_charged"] / 100 * live["total_pack_energy"]
        )
        stamp = datetime.fromisoformat(live["timestamp"])
        assert stamp == clock.now.replace(microsecond=0)
        assert stamp.utcoffset() == timedelta(hours=-7)
        assert len(live["wall_connectors"]) == 2
        seen.append(live)
    assert seen[0]["timestamp"] == "2026-06-10T12:30:00-07:00"
    assert seen[0]["solar_power"] > 4000  # midday
    assert len({live["percentage_charged"] for live in seen}) > 3

    # 01:30 local: the car charges on the first Wall Connector, and shows its VIN.
    clock.now = datetime(2026, 6, 11, 1, 30, tzinfo=LA)
    _, body = await get(client, path, token)
    live = body["response"]
    charging, idle = live["wall_connectors"]
    assert set(charging) == set(real["wall_connectors"][0])
    assert charging["wall_connector_state"] == 1
    assert charging["wall_connector_power"] == model.CAR_W
    assert charging["vin"] == model.CAR_VIN
    assert live["load_power"] >= model.CAR_W
    assert live["solar_power"] == 0
    assert (idle["wall_connector_state"], idle["wall_connector_power"]) == (2, 0)
    assert "vin" not in idle
    # 12:30: the car is away.
    clock.now = NOW
    _, body = await get(client, path, token)
    assert "vin" not in body["response"]["wall_connectors"][0]

    status, body = await get(client, "/api/1/energy_sites/42/live_status", token)
    assert (status, body) == (
        404,
        {"response": None, "error": "not_found", "error_description": ""},
    )


async def test_site_info(client: Client) -> None:
    token = (await login(client))["access_token"]
    status, body = await get(client, f"/api/1/energy_sites/{SITE}/site_info", token)
    assert status == 200
    info = body["response"]
    sample = payload("site_info_bolt_sdk_sample.json")["response"]
    assert set(info) >= set(sample)
    assert set(info["components"]) >= set(sample["components"])
    assert info["installation_time_zone"] == "America/Los_Angeles"
    assert info["backup_reserve_percent"] == 20
    assert info["default_real_mode"] == "self_consumption"
    assert info["version"] == "25.10.1 abcdef12"
    assert (info["battery_count"], info["nameplate_power"]) == (1, 11500)
    assert info["nameplate_energy"] == 13500
    assert info["user_settings"]["storm_mode_enabled"] is True
    components = info["components"]
    assert components["gateways"][0]["part_name"] == "Powerwall 3"
    assert components["gateways"][0]["din"] == info["id"]
    assert components["batteries"][0]["part_name"] == "Powerwall 3"
    assert components["batteries"][0]["nameplate_energy"] == 13500
    assert len(components["wall_connectors"]) == 2
    assert datetime.fromisoformat(info["installation_date"]).tzinfo is not None

    _, products = await get(client, "/api/1/products", token)
    assert products["response"][1]["gateway_id"] == info["id"]
    status, _ = await get(client, "/api/1/energy_sites/1000003/site_info", token)
    assert status == 404


async def test_auth_failures(client: Client, clock: Clock) -> None:
    expired = payload("error_401_token_expired.json")
    for token in (None, "nonsense", "a.b.c"):
        status, body = await get(client, "/api/1/products", token)
        assert (status, body) == (401, expired)

    login_result = await login(client)
    clock.now += timedelta(seconds=28800)
    status, body = await get(client, "/api/1/products", login_result["access_token"])
    assert (status, body) == (401, expired)
    _, fresh = await refresh(client, login_result["refresh_token"])
    assert (await get(client, "/api/1/products", fresh["access_token"]))[0] == 200

    vehicle_only = (await login(client, "openid vehicle_device_data"))["access_token"]
    path = f"/api/1/energy_sites/{SITE}/live_status"
    for endpoint in ("/api/1/products", path, "/api/1/users/region"):
        status, body = await get(client, endpoint, vehicle_only)
        assert (status, body) == (403, payload("error_403_missing_scopes.json"))


# calendar_history -------------------------------------------------------


def _check_day(series: list[dict[str, Any]], day: date, zone: ZoneInfo) -> None:
    """Buckets are 5 minutes apart in UTC, on the day, each with its own offset."""
    stamps = [datetime.fromisoformat(bucket["timestamp"]) for bucket in series]
    assert stamps[0] == datetime(day.year, day.month, day.day, tzinfo=zone)
    for before, after in pairwise(stamps):
        assert after - before == timedelta(minutes=5)
    for stamp in stamps:
        assert stamp.date() == day
        assert stamp.utcoffset() == stamp.astimezone(zone).utcoffset()


async def test_calendar_history_days(client: Client, clock: Clock) -> None:
    token = (await login(client))["access_token"]
    series = await day_series(client, token, "2026-06-09T23:59:59-07:00")
    assert series is not None
    assert len(series) == 288
    _check_day(series, date(2026, 6, 9), LA)
    sample = payload("calendar_history_energy_bolt_sdk_sample.json")
    assert set(series[150]) >= set(sample["response"]["time_series"][0])

    # DST: spring forward (23 hours) and fall back (25 hours).
    spring = await day_series(client, token, "2026-03-08T23:59:59-07:00")
    assert spring is not None
    assert len(spring) == 276
    _check_day(spring, date(2026, 3, 8), LA)
    assert spring[0]["timestamp"] == "2026-03-08T00:00:00-08:00"
    assert spring[-1]["timestamp"] == "2026-03-08T23:55:00-07:00"
    clock.now = datetime(2026, 11, 20, 12, tzinfo=UTC)
    later = (await login(client))["access_token"]
    fall = await day_series(client, later, "2026-11-01T23:59:59-08:00")
    assert fall is not None
    assert len(fall) == 300
    _check_day(fall, date(2026, 11, 1), LA)
    offsets = [bucket["timestamp"][-6:] for bucket in fall]
    assert offsets.count("-07:00") == 24  # 00:00 to 01:55 PDT
    assert offsets.count("-08:00") == 276
    clock.now = NOW

    # Today so far: finished buckets only (12:30 → 150); tomorrow: no data.
    today = await day_series(client, token, "2026-06-10T23:59:59-07:00")
    assert today is not None
    assert len(today) == 150
    assert today == (await day_series(client, token, "2026-06-10T08:00:00-07:00"))
    _, body = await history(client, token)  # no end_date: today
    assert body["response"]["time_series"] == today
    assert body["response"]["period"] == "day"
    assert body["response"]["installation_time_zone"] == "America/Los_Angeles"
    assert await day_series(client, token, "2026-06-11T23:59:59-07:00") is None

    # The end date is read in the requested time zone.
    utc_day = await day_series(client, token, "2026-06-09T12:00:00+00:00", "UTC")
    assert utc_day is not None
    assert len(utc_day) == 288
    assert utc_day[0]["timestamp"] == "2026-06-09T00:00:00+00:00"


async def test_calendar_history_first_minutes_and_errors(
    client: Client, clock: Clock
) -> None:
    token = (await login(client))["access_token"]
    clock.now = datetime(2026, 6, 10, 0, 3, tzinfo=LA)
    assert await day_series(client, token, "2026-06-10T23:59:59-07:00") is None
    clock.now = datetime(2026, 6, 10, 0, 5, tzinfo=LA)
    series = await day_series(client, token, "2026-06-10T23:59:59-07:00")
    assert series is not None
    assert len(series) == 1

    for params in (
        {"kind": "power"},
        {"kind": "backup"},
        {"period": "month"},
        {"end_date": "yesterday"},
        {"time_zone": "Mars/Olympus"},
    ):
        status, body = await history(client, token, **params)
        assert status == 400
        assert body["response"] is None
    status, _ = await get(
        client, "/api/1/energy_sites/7/calendar_history", token, kind="energy"
    )
    assert status == 404


async def test_calendar_history_matches_the_model(client: Client) -> None:
    token = (await login(client))["access_token"]
    series = await day_series(client, token, "2026-06-09T23:59:59-07:00")
    assert series is not None
    steps = model.day_steps(0, date(2026, 6, 9), LA)

    def total(field: str) -> float:
        return float(sum(bucket.get(field, 0.0) for bucket in series))

    hours = 5 / 60
    assert total("total_solar_generation") == pytest.approx(
        sum(step.flows.solar for step in steps) * hours, abs=0.5
    )
    # The buckets are the power model integrated over each 5 minutes.
    exact_solar = sum(
        model.solar_w(0, datetime(2026, 6, 9, tzinfo=LA) + timedelta(seconds=s), LA)
        for s in range(0, 86400, 30)
    ) * (30 / 3600)
    assert total("total_solar_generation") == pytest.approx(exact_solar, rel=0.01)
    assert total("total_solar_generation") > 30_000  # a sunny June day

    for bucket in series:
        home = sum(
            bucket[f"consumer_energy_imported_from_{source}"]
            for source in ("grid", "solar", "battery", "generator")
        )
        assert home == pytest.approx(bucket["total_home_usage"], abs=0.01)
        solar = (
            bucket["consumer_energy_imported_from_solar"]
            + bucket["battery_energy_imported_from_solar"]
            + bucket["grid_energy_exported_from_solar"]
        )
        assert solar == pytest.approx(bucket.get("total_solar_generation", 0), abs=0.01)
        assert bucket["grid_energy_imported"] == pytest.approx(
            bucket["consumer_energy_imported_from_grid"]
            + bucket["battery_energy_imported_from_grid"],
            abs=0.01,
        )
    # The battery's charge moves by what went in and out.
    stored = total("battery_energy_imported_from_solar") - total(
        "battery_energy_exported"
    )
    change = steps[-1].charge_after - steps[0].flows.charge
    assert stored == pytest.approx(change / 100 * model.CAPACITY_WH, abs=1)


# Controls ---------------------------------------------------------------


async def test_faults_and_counters(client: Client) -> None:
    token = (await login(client))["access_token"]
    path = f"/api/1/energy_sites/{SITE}/live_status"
    response = await client.post(
        "/sim/faults",
        json={
            "path_contains": "live_status",
            "status": 429,
            "count": 2,
            "body": "Retry in 60 seconds",
            "headers": {"Retry-After": "60"},
        },
    )
    assert (await response.json()) == {"queued": 1}
    for _ in range(2):
        response = await client.get(path, headers={"Authorization": f"Bearer {token}"})
        assert response.status == 429
        assert response.headers["Retry-After"] == "60"
        assert await response.text() == "Retry in 60 seconds"
    assert (await get(client, path, token))[0] == 200
    # Other paths are not affected; faults apply before the token check.
    await client.post("/sim/faults", json={"path_contains": "products", "status": 500})
    assert (await get(client, "/api/1/products", None)) == (
        500,
        payload("error_500_upstream_internal_error__converted_from_python.json"),
    )
    await client.post("/sim/faults", json={"path_contains": "site_info", "count": 5})
    assert len(await (await client.get("/sim/faults")).json()) == 1
    await client.delete("/sim/faults")
    assert await (await client.get("/sim/faults")).json() == []
    assert (await get(client, f"/api/1/energy_sites/{SITE}/site_info", token))[0] == 200
    # The token endpoint can fail too.
    await client.post(
        "/sim/faults",
        json={"path_contains": "/oauth2/v3/token", "status": 503, "body": {}},
    )
    assert (await refresh(client, "whatever")) == (503, {})

    counts = await (await client.get("/sim/requests")).json()
    assert counts == {
        "authorize": 1,
        "live_status": 3,
        "products": 1,
        "site_info": 1,
        "token": 2,
    }
    await client.delete("/sim/requests")
    assert await (await client.get("/sim/requests")).json() == {}

    for bad in ({"status": 200}, {"count": 0}, {"status": "x"}, ["live_status"]):
        response = await client.post("/sim/faults", json=bad)
        assert response.status == 400


async def test_grid_outage(client: Client) -> None:
    token = (await login(client))["access_token"]
    path = f"/api/1/energy_sites/{SITE}/live_status"
    _, before = await get(client, path, token)
    assert before["response"]["grid_status"] == "Active"

    assert await (await client.post("/sim/grid", json={"up": False})).json() == {
        "up": False
    }
    _, during = await get(client, path, token)
    live = during["response"]
    assert live["grid_status"] == "Inactive"
    assert live["island_status"] == "off_grid_unintentional"
    assert live["grid_power"] == 0
    # The battery covers what the grid supplied: the home is still served.
    assert (
        live["load_power"]
        == live["solar_power"] + live["battery_power"] + (live["generator_power"])
    )

    await client.post("/sim/grid", json={"up": True})
    assert (await get(client, path, token))[1] == before
    for bad in ({}, {"up": "no"}, ["up"]):
        assert (await client.post("/sim/grid", json=bad)).status == 400


async def test_expire_and_revoke_tokens(client: Client) -> None:
    token = await login(client)
    access = token["access_token"]
    assert (await get(client, "/api/1/products", access))[0] == 200
    await client.post("/sim/tokens/expire")
    assert (await get(client, "/api/1/products", access)) == (
        401,
        payload("error_401_token_expired.json"),
    )
    status, fresh = await refresh(client, token["refresh_token"])
    assert status == 200
    assert (await get(client, "/api/1/products", fresh["access_token"]))[0] == 200

    # A password change: every token stops working, refresh needs a new login.
    await client.post("/sim/tokens/revoke")
    assert (await get(client, "/api/1/products", fresh["access_token"]))[0] == 401
    status, body = await refresh(client, fresh["refresh_token"])
    assert status == 401
    assert set(body) == LOGIN_REQUIRED


async def test_same_clock_same_answers(clock: Clock) -> None:
    """Two simulators at the same time answer alike."""

    async def snapshot() -> list[Any]:
        answers: list[Any] = []
        config = SimulatorConfig(sites=2, clock=clock)
        async for client in _serve(config):
            token = (await login(client))["access_token"]
            for path in ("products", f"energy_sites/{SITE + 1}/live_status"):
                answers.append((await get(client, f"/api/1/{path}", token))[1])  # noqa: PERF401
            answers.append((await history(client, token))[1])
        return answers

    assert await snapshot() == await snapshot()


async def test_index_page(client: Client) -> None:
    response = await client.get("/")
    assert "Fleet API simulator" in await response.text()


# Model ------------------------------------------------------------------


def test_model_days_are_plausible() -> None:
    steps = model.day_steps(0, date(2026, 6, 9), LA)
    assert len(steps) == 288
    assert steps[0].flows.solar == 0
    assert model.solar_w(0, datetime(2026, 6, 9, tzinfo=LA), LA) == 0
    assert model.solar_w(0, datetime(2026, 12, 9, tzinfo=LA), LA) == 0
    peak = max(step.flows.solar for step in steps)
    assert 6000 < peak < 8000
    noon = max(steps, key=lambda step: step.flows.solar).start.astimezone(LA)
    assert 11 <= noon.hour <= 13
    assert min(step.flows.load for step in steps) > 300
    charges = [step.flows.charge for step in steps]
    assert min(charges) == model.RESERVE_PERCENT  # drained by the car at night
    assert max(charges) == 100  # filled by the sun
    for step in steps:
        flows = step.flows
        assert flows.load == flows.solar + flows.battery + flows.grid
        assert abs(flows.battery) <= model.MAX_BATTERY_W
        assert flows.battery >= 0 or flows.grid <= 0  # never charges from the grid


@pytest.mark.parametrize("zone_name", ["America/Los_Angeles", "Europe/Berlin"])
def test_model_charge_is_continuous_and_bounded(zone_name: str) -> None:
    zone = ZoneInfo(zone_name)
    for site in range(2):
        day = date(2026, 1, 1)
        while day < date(2027, 1, 1):
            steps = model.day_steps(site, day, zone)
            assert all(0 <= step.charge_after <= 100 for step in steps)
            following = model.charge_at_midnight(site, day + timedelta(days=1), zone)
            assert steps[-1].charge_after == following
            day += timedelta(days=9 if site else 3)


def test_live_flows_follow_time() -> None:
    values = [
        model.flows_at(0, NOW + timedelta(minutes=m), LA) for m in range(0, 60, 7)
    ]
    assert len({flows.solar for flows in values}) == len(values)
    assert model.flows_at(0, NOW, LA) == model.flows_at(0, NOW, LA)
    # Within a step the charge moves on smoothly from the step's start.
    step = next(
        step
        for step in model.day_steps(0, date(2026, 6, 10), LA)
        if step.start <= NOW < step.start + model.STEP
    )
    assert model.flows_at(0, step.start, LA).charge == step.flows.charge
    late = model.flows_at(0, step.start + model.STEP - timedelta(seconds=1), LA)
    assert abs(late.charge - step.charge_after) < 0.01


def test_model_is_cheap() -> None:
    """A live answer for a new day costs two days of steps, then nothing."""
    model.day_steps.cache_clear()
    model.charge_at_midnight.cache_clear()
    moment = datetime(2031, 1, 1, 12, tzinfo=UTC)
    model.flows_at(0, moment, LA)
    assert model.day_steps.cache_info().misses == 1
    assert model.charge_at_midnight.cache_info().misses == 1
    model.flows_at(0, moment + timedelta(minutes=1), LA)
    assert model.day_steps.cache_info().misses == 1


# Command line -----------------------------------------------------------


def test_command_line() -> None:
    host, port, config = parse_args([])
    assert (host, port) == ("127.0.0.1", 8765)
    assert config == SimulatorConfig()
    host, port, config = parse_args(
        [
            "--port",
            "9000",
            "--sites",
            "2",
            "--wall-connectors",
            "0",
            "--time-zone",
            "Europe/Berlin",
            "--region",
            "eu",
        ]
    )
    assert port == 9000
    assert (config.sites, config.wall_connectors) == (2, 0)
    assert (config.time_zone, config.region) == ("Europe/Berlin", "eu")
    with pytest.raises(SystemExit):
        parse_args(["--time-zone", "Nowhere/Land"])
    with pytest.raises(SystemExit):
        parse_args(["--sites", "-1"])


def test_config_is_checked() -> None:
    with pytest.raises(ValueError, match="region"):
        SimulatorConfig(region="mars")
    assert SimulatorConfig(sites=3).site_ids == [SITE, SITE + 1, SITE + 2]


def test_decode_claims_rejects_non_jwts() -> None:
    with pytest.raises(ValueError, match="not a JWT"):
        decode_claims("abc")
    with pytest.raises(ValueError, match="not JSON"):
        decode_claims("a.!!!!.c")
