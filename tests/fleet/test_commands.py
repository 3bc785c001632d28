"""Energy site commands: values checked before sending, bodies, answers, errors."""

from collections import Counter
from typing import Any

import aiohttp
from aioresponses import aioresponses
import pytest

from custom_components.tesla_powerwall3.fleet import (
    COMMAND_NAMES,
    Command,
    CommandRefusedError,
    DeviceOfflineError,
    FleetClient,
    FleetConnectionError,
    FleetHTTPError,
    MissingScopesError,
    PercentOutOfRangeError,
    RateLimitedError,
    ReserveAboveCapError,
    ServerError,
    SiteInfo,
    TokenExpiredError,
    UnknownOptionError,
    commands,
)
from custom_components.tesla_powerwall3.fleet.counter import is_command
from tests.common import SITE_ID, load_payload, site_url
from tests.fleet.conftest import FakeTokens

UPDATED = load_payload("energy_command_bolt_sdk_sample")


@pytest.mark.parametrize(
    ("command", "name", "body"),
    [
        (commands.backup_reserve(0), "backup", {"backup_reserve_percent": 0}),
        (commands.backup_reserve(80), "backup", {"backup_reserve_percent": 80}),
        (commands.backup_reserve(100.0), "backup", {"backup_reserve_percent": 100}),
        (
            commands.operation_mode("autonomous"),
            "operation",
            {"default_real_mode": "autonomous"},
        ),
        (commands.storm_watch(True), "storm_mode", {"enabled": True}),
        (
            commands.grid_charging(True),
            "grid_import_export",
            {"disallow_charge_from_grid_with_solar_installed": False},
        ),
        (
            commands.grid_charging(False),
            "grid_import_export",
            {"disallow_charge_from_grid_with_solar_installed": True},
        ),
        (
            commands.export_rule("pv_only"),
            "grid_import_export",
            {"customer_preferred_export_rule": "pv_only"},
        ),
        (
            commands.off_grid_vehicle_reserve(35),
            "off_grid_vehicle_charging_reserve",
            {"off_grid_vehicle_charging_reserve_percent": 35},
        ),
    ],
)
def test_builders(command: Command, name: str, body: dict[str, Any]) -> None:
    assert command == Command(name, body)
    assert command.name in COMMAND_NAMES


@pytest.mark.parametrize("percent", [81, 90, 99])
def test_reserve_above_the_cloud_cap_is_refused(percent: int) -> None:
    with pytest.raises(ReserveAboveCapError, match="0 to 80 % or 100 %"):
        commands.backup_reserve(percent)


@pytest.mark.parametrize("percent", [-1, 101, 20.5, float("nan"), float("inf"), True])
@pytest.mark.parametrize(
    "builder", [commands.backup_reserve, commands.off_grid_vehicle_reserve]
)
def test_percent_must_be_whole_and_in_range(builder: Any, percent: float) -> None:
    with pytest.raises(PercentOutOfRangeError):
        builder(percent)


@pytest.mark.parametrize(
    ("builder", "value"),
    [(commands.operation_mode, "eco"), (commands.export_rule, "solar")],
)
def test_unknown_options_are_refused(builder: Any, value: str) -> None:
    with pytest.raises(UnknownOptionError) as caught:
        builder(value)
    assert value in str(caught.value)
    assert caught.value.options


async def test_send_posts_the_body_and_bills_one_command(
    client: FleetClient, mock: aioresponses, billed: Counter[str]
) -> None:
    mock.post(site_url(SITE_ID, "backup"), payload=UPDATED)
    await client.send_command(SITE_ID, commands.backup_reserve(30))
    ((method, url), calls) = next(iter(mock.requests.items()))
    assert method == "POST"
    assert str(url) == site_url(SITE_ID, "backup")
    assert calls[0].kwargs["json"] == {"backup_reserve_percent": 30}
    assert calls[0].kwargs["allow_redirects"] is False
    assert billed == {"backup": 1}


@pytest.mark.parametrize("payload", [{"response": ""}, {"response": {}}, {}])
async def test_answers_without_a_refusal_are_success(
    client: FleetClient, mock: aioresponses, payload: dict[str, Any]
) -> None:
    mock.post(site_url(SITE_ID, "storm_mode"), payload=payload)
    await client.send_command(SITE_ID, commands.storm_watch(False))


@pytest.mark.parametrize(
    ("response", "reason"),
    [
        ({"result": False, "reason": "not allowed"}, "not allowed"),
        ({"result": False}, "refused"),
        ({"code": 400, "message": "Bad value"}, "code 400: Bad value"),
        ({"code": 409}, "code 409"),
    ],
)
async def test_refusals_in_a_success_answer_raise(
    client: FleetClient, mock: aioresponses, response: dict[str, Any], reason: str
) -> None:
    mock.post(site_url(SITE_ID, "operation"), payload={"response": response})
    with pytest.raises(CommandRefusedError, match=reason):
        await client.send_command(SITE_ID, commands.operation_mode("backup"))


async def test_401_refreshes_and_sends_again_once(
    client: FleetClient, mock: aioresponses, tokens: FakeTokens, billed: Counter[str]
) -> None:
    expired = load_payload("error_401_token_expired")
    mock.post(site_url(SITE_ID, "backup"), status=401, payload=expired)
    mock.post(site_url(SITE_ID, "backup"), payload=UPDATED)
    await client.send_command(SITE_ID, commands.backup_reserve(50))
    assert tokens.refreshes == 1
    assert billed == {"backup": 2}


async def test_401_twice_raises(
    client: FleetClient, mock: aioresponses, tokens: FakeTokens
) -> None:
    expired = load_payload("error_401_token_expired")
    mock.post(site_url(SITE_ID, "backup"), status=401, payload=expired, repeat=True)
    with pytest.raises(TokenExpiredError):
        await client.send_command(SITE_ID, commands.backup_reserve(50))
    assert tokens.refreshes == 1
    assert client.counter.sent["backup"] == 2


@pytest.mark.parametrize(
    ("status", "payload", "error_class"),
    [
        (403, "error_403_missing_scopes", MissingScopesError),
        (408, None, DeviceOfflineError),
        (400, None, FleetHTTPError),
        (500, "error_500_upstream_internal_error__converted_from_python", ServerError),
        (503, None, ServerError),
    ],
)
async def test_error_classes_are_raised_without_retry(
    client: FleetClient,
    mock: aioresponses,
    status: int,
    payload: str | None,
    error_class: type[FleetHTTPError],
) -> None:
    body = load_payload(payload) if payload else None
    mock.post(site_url(SITE_ID, "storm_mode"), status=status, payload=body)
    with pytest.raises(error_class) as caught:
        await client.send_command(SITE_ID, commands.storm_watch(True))
    assert caught.value.status == status
    assert client.counter.sent == {"storm_mode": 1}


async def test_429_closes_the_gate_until_retry_after(
    client: FleetClient, mock: aioresponses
) -> None:
    mock.post(
        site_url(SITE_ID, "operation"),
        status=429,
        payload={"response": None, "error": "Too many requests"},
        headers={"Retry-After": "120"},
    )
    with pytest.raises(RateLimitedError) as caught:
        await client.send_command(SITE_ID, commands.operation_mode("autonomous"))
    assert caught.value.retry_after == pytest.approx(120, abs=1)
    with pytest.raises(RateLimitedError):
        await client.send_command(SITE_ID, commands.operation_mode("autonomous"))
    assert client.counter.sent == {"operation": 1}


@pytest.mark.parametrize(
    "exception", [TimeoutError(), aiohttp.ClientConnectionError("refused")]
)
async def test_no_answer_raises_connection_error(
    client: FleetClient,
    mock: aioresponses,
    billed: Counter[str],
    exception: Exception,
) -> None:
    mock.post(site_url(SITE_ID, "backup"), exception=exception)
    with pytest.raises(FleetConnectionError):
        await client.send_command(SITE_ID, commands.backup_reserve(10))
    assert client.counter.sent == {"backup": 1}
    assert billed.total() == 0


def test_site_info_reads_the_settings_commands_change() -> None:
    info = SiteInfo.from_dict(
        {
            "backup_reserve_percent": 20,
            "off_grid_vehicle_charging_reserve_percent": 45,
            "components": {
                "storm_mode_capable": True,
                "customer_preferred_export_rule": "battery_ok",
                "disallow_charge_from_grid_with_solar_installed": True,
                "off_grid_vehicle_charging_reserve_supported": True,
            },
        }
    )
    assert info.storm_mode_capable is True
    assert info.export_rule == "battery_ok"
    assert info.grid_charging_disallowed is True
    assert info.off_grid_vehicle_reserve_supported is True
    assert info.off_grid_vehicle_reserve_percent == 45


def test_site_info_without_settings_reads_none() -> None:
    info = SiteInfo.from_dict(
        {"off_grid_vehicle_charging_reserve_percent": 400, "components": {}}
    )
    assert info.storm_mode_capable is None
    assert info.export_rule is None
    assert info.grid_charging_disallowed is None
    assert info.off_grid_vehicle_reserve_percent is None
    assert "off_grid_vehicle_charging_reserve_percent" in info.implausible


def test_commands_are_told_apart_from_data_requests() -> None:
    assert all(is_command(name) for name in COMMAND_NAMES)
    assert not any(
        is_command(name) for name in ("live_status", "site_info", "products")
    )
