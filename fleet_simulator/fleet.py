"""The Fleet API energy endpoints and partner registration."""

from datetime import date, datetime, time, timedelta
from typing import Any
import uuid
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from aiohttp import web
from cryptography.hazmat.primitives import serialization

from . import model
from .state import SITE_NAMES, SimulatorConfig, base_url, state_of

ENERGY_SCOPE = "energy_device_data"
INSTALLATION_DAY = date(2024, 6, 14)
FIRMWARE = "25.10.1 abcdef12"
WALL_CONNECTOR_PART = "1529455-02-D"
POWERWALL_3_PART = "1707000-11-J"
NAMEPLATE_POWER_W = 11_500
CHARGING, UNPLUGGED, PLUGGED_IN = 1, 2, 4
"""wall_connector_state codes; fault state 2 means no fault."""


def error(status: int, message: str, **extra: Any) -> web.Response:
    """Return a Fleet API error answer: null response, error, description."""
    return web.json_response(
        {"response": None, "error": message, "error_description": "", **extra},
        status=status,
    )


def missing_scopes() -> web.Response:
    """Return the 403 Tesla sends when the token lacks a scope."""
    return error(403, "Unauthorized missing scopes")


def _site_name(index: int) -> str:
    name = SITE_NAMES[index % len(SITE_NAMES)]
    return name if index < len(SITE_NAMES) else f"{name} {index + 1}"


def serial_number(index: int) -> str:
    """Return the serial number of the site's Powerwall 3 (also its gateway)."""
    return f"TG1240{index:02d}59{index + 1:04d}"


def gateway_din(index: int) -> str:
    """Return the gateway DIN of the site with this index (site_info's id)."""
    return f"{POWERWALL_3_PART}--{serial_number(index)}"


def wall_connector_dins(index: int, count: int) -> list[str]:
    """Return the DINs of a site's Wall Connectors."""
    return [
        f"{WALL_CONNECTOR_PART}--PGT2240{index:02d}{number + 1:04d}"
        for number in range(count)
    ]


def _device_id(kind: str, index: int, number: int = 0) -> str:
    """Return a stable device id (a UUID, as Tesla's are)."""
    return str(uuid.uuid5(uuid.NAMESPACE_OID, f"{kind}/{index}/{number}"))


def _asset_site_id(index: int) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_OID, f"site/{index}"))


def _site_index(request: web.Request) -> int | None:
    config = state_of(request).config
    try:
        return config.site_ids.index(int(request.match_info["site_id"]))
    except ValueError:
        return None


def _not_found() -> web.Response:
    return error(404, "not_found")


async def users_region(request: web.Request) -> web.Response:
    """Name the account's region and Fleet API host."""
    config = state_of(request).config
    return web.json_response(
        {
            "response": {
                "region": config.region,
                "fleet_api_base_url": base_url(request),
            }
        }
    )


def _vehicle() -> dict[str, Any]:
    """Return the account's car, as /products lists vehicles."""
    return {
        "id": 1492931337,
        "user_id": 800001,
        "vehicle_id": 1492931337,
        "vin": model.CAR_VIN,
        "color": None,
        "access_type": "OWNER",
        "display_name": "Model 3",
        "option_codes": None,
        "cached_data": "",
        "granular_access": {"hide_private": False},
        "tokens": [],
        "state": "online",
        "in_service": False,
        "id_s": "1492931337",
        "calendar_enabled": True,
        "api_version": 73,
        "backseat_token": None,
        "backseat_token_updated_at": None,
        "ble_autopair_enrolled": False,
        "command_signing": "required",
        "release_notes_supported": True,
    }


def _energy_site(config: SimulatorConfig, index: int, now: datetime) -> dict[str, Any]:
    """Return one energy site, as /products lists them."""
    flows = model.flows_at(index, now, config.zone)
    return {
        "energy_site_id": config.site_ids[index],
        "resource_type": "battery",
        "site_name": _site_name(index),
        "id": f"STE20240614-{index + 1:05d}",
        "gateway_id": gateway_din(index),
        "asset_site_id": _asset_site_id(index),
        "warp_site_number": f"STE20240614-{index + 1:05d}",
        "percentage_charged": flows.charge,
        "battery_power": flows.battery,
        "battery_type": "ac_powerwall",
        "backup_capable": True,
        "storm_mode_enabled": True,
        "powerwall_onboarding_settings_set": True,
        "powerwall_tesla_electric_interested_in": None,
        "vpp_tour_enabled": None,
        "sync_grid_alert_enabled": True,
        "breaker_alert_enabled": True,
        "go_off_grid_test_banner_enabled": None,
        "components": {
            "battery": True,
            "battery_type": "ac_powerwall",
            "solar": True,
            "solar_type": "pv_panel",
            "grid": True,
            "load_meter": True,
            "market_type": "residential",
            "wall_connectors": [
                {
                    "device_id": _device_id("wall_connector", index, number),
                    "din": din,
                    "is_active": True,
                    "part_number": WALL_CONNECTOR_PART,
                }
                for number, din in enumerate(
                    wall_connector_dins(index, config.wall_connectors)
                )
            ],
        },
        "features": {"rate_plan_manager_no_pricing_constraint": True},
    }


async def products(request: web.Request) -> web.Response:
    """List the account's car and energy sites."""
    state = state_of(request)
    now = state.now()
    items = [_vehicle()] + [
        _energy_site(state.config, index, now) for index in range(state.config.sites)
    ]
    return web.json_response({"response": items, "count": len(items)})


def _wall_connectors(
    config: SimulatorConfig, index: int, now: datetime, flows: model.Flows
) -> list[dict[str, Any]]:
    """Return live_status's Wall Connectors: the car is on the first one."""
    connectors = []
    for number, din in enumerate(wall_connector_dins(index, config.wall_connectors)):
        item: dict[str, Any] = {
            "din": din,
            "wall_connector_state": UNPLUGGED,
            "wall_connector_fault_state": 2,
            "wall_connector_power": 0,
        }
        if number == 0 and model.car_plugged_in(now, config.zone):
            item["vin"] = model.CAR_VIN
            item["wall_connector_state"] = (
                CHARGING if flows.wall_connector else PLUGGED_IN
            )
            item["wall_connector_power"] = flows.wall_connector
        connectors.append(item)
    return connectors


async def live_status(request: web.Request) -> web.Response:
    """Report the site's power flows and charge now."""
    state = state_of(request)
    index = _site_index(request)
    if index is None:
        return _not_found()
    config = state.config
    now = state.now()
    flows = model.flows_at(index, now, config.zone)
    grid_up = state.grid_up
    return web.json_response(
        {
            "response": {
                "solar_power": flows.solar,
                "energy_left": flows.charge / 100 * model.CAPACITY_WH,
                "total_pack_energy": model.CAPACITY_WH,
                "percentage_charged": flows.charge,
                "backup_capable": True,
                # In an outage the battery covers what the grid supplied.
                "battery_power": flows.battery + (0 if grid_up else flows.grid),
                "load_power": flows.load,
                "grid_status": "Active" if grid_up else "Inactive",
                "grid_services_active": False,
                "grid_power": flows.grid if grid_up else 0,
                "grid_services_power": 0,
                "generator_power": flows.generator,
                "island_status": "on_grid" if grid_up else "off_grid_unintentional",
                "storm_mode_active": False,
                "timestamp": now.astimezone(config.zone)
                .replace(microsecond=0)
                .isoformat(),
                "wall_connectors": _wall_connectors(config, index, now, flows),
            }
        }
    )


async def site_info(request: web.Request) -> web.Response:
    """Describe the site's settings and hardware."""
    config = state_of(request).config
    index = _site_index(request)
    if index is None:
        return _not_found()
    serial = serial_number(index)
    gateway = gateway_din(index)
    installed = datetime.combine(INSTALLATION_DAY, time(10), config.zone)
    return web.json_response(
        {
            "response": {
                "id": gateway,
                "site_name": _site_name(index),
                "backup_reserve_percent": model.RESERVE_PERCENT,
                "default_real_mode": "self_consumption",
                "installation_date": installed.isoformat(),
                "user_settings": {
                    "go_off_grid_test_banner_enabled": False,
                    "storm_mode_enabled": True,
                    "powerwall_onboarding_settings_set": True,
                    "powerwall_tesla_electric_interested_in": False,
                    "vpp_tour_enabled": False,
                    "sync_grid_alert_enabled": True,
                    "breaker_alert_enabled": True,
                },
                "components": {
                    "solar": True,
                    "solar_type": "pv_panel",
                    "battery": True,
                    "grid": True,
                    "backup": True,
                    "gateway": "teg",
                    "load_meter": True,
                    "tou_capable": True,
                    "storm_mode_capable": True,
                    "off_grid_vehicle_charging_reserve_supported": True,
                    "solar_value_enabled": True,
                    "set_islanding_mode_enabled": True,
                    "battery_type": "ac_powerwall",
                    "configurable": True,
                    "grid_services_enabled": False,
                    "gateways": [
                        {
                            "device_id": _device_id("gateway", index),
                            "din": gateway,
                            "serial_number": serial,
                            "part_number": POWERWALL_3_PART,
                            "part_type": 2,
                            "part_name": "Powerwall 3",
                            "is_active": True,
                            "site_id": _asset_site_id(index),
                            "firmware_version": FIRMWARE,
                            "updated_datetime": installed.isoformat(),
                            "nameplate_power_watts": NAMEPLATE_POWER_W,
                            "nameplate_energy_watts": model.CAPACITY_WH,
                        }
                    ],
                    "batteries": [
                        {
                            "device_id": _device_id("battery", index),
                            "din": gateway,
                            "serial_number": serial,
                            "part_number": POWERWALL_3_PART,
                            "part_type": 2,
                            "part_name": "Powerwall 3",
                            "is_active": True,
                            "nameplate_max_charge_power": model.MAX_BATTERY_W,
                            "nameplate_max_discharge_power": NAMEPLATE_POWER_W,
                            "nameplate_energy": model.CAPACITY_WH,
                        }
                    ],
                    "wall_connectors": [
                        {
                            "device_id": _device_id("wall_connector", index, number),
                            "din": din,
                            "part_number": WALL_CONNECTOR_PART,
                            "part_type": 11,
                            "part_name": "Gen 3 Wall Connector",
                            "is_active": True,
                        }
                        for number, din in enumerate(
                            wall_connector_dins(index, config.wall_connectors)
                        )
                    ],
                    "disallow_charge_from_grid_with_solar_installed": True,
                    "customer_preferred_export_rule": "pv_only",
                    "net_meter_mode": "battery_ok",
                },
                "version": FIRMWARE,
                "battery_count": 1,
                "nameplate_power": NAMEPLATE_POWER_W,
                "nameplate_energy": model.CAPACITY_WH,
                "installation_time_zone": config.time_zone,
                "off_grid_vehicle_charging_reserve_percent": 65,
                "max_site_meter_power_ac": 1_000_000_000,
                "min_site_meter_power_ac": -1_000_000_000,
                "vpp_backup_reserve_percent": 0,
            }
        }
    )


def _parse_end(value: str | None, zone: ZoneInfo, now: datetime) -> datetime:
    """Return end_date as an aware datetime (a naive one is in `zone`)."""
    if not value:
        return now
    end = datetime.fromisoformat(value)
    return end if end.tzinfo else end.replace(tzinfo=zone)


async def calendar_history(request: web.Request) -> web.Response:
    """Return the 5-minute energy buckets of one local day (kind=energy)."""
    state = state_of(request)
    index = _site_index(request)
    if index is None:
        return _not_found()
    query = request.query
    if query.get("kind") != "energy":
        return error(400, "invalid_field", error_description="kind must be energy")
    if query.get("period", "day") != "day":
        return error(400, "invalid_field", error_description="period must be day")
    config = state.config
    now = state.now()
    try:
        zone = ZoneInfo(query.get("time_zone") or config.time_zone)
        end = _parse_end(query.get("end_date"), zone, now)
    except ZoneInfoNotFoundError, ValueError:
        return error(400, "invalid_field", error_description="bad end_date/time_zone")
    day = end.astimezone(zone).date()
    start = datetime.combine(day, time(), zone)
    until = datetime.combine(day + timedelta(days=1), time(), zone)
    # Only finished buckets: today's series grows every 5 minutes.
    until = min(until, now - model.STEP + timedelta(microseconds=1))
    steps = model.steps_between(index, config.zone, start, until)
    series = [
        {
            "timestamp": step.start.astimezone(zone).isoformat(),
            **model.energy_bucket(step.flows),
        }
        for step in steps
    ]
    return web.json_response(
        {
            "response": {
                "serial_number": gateway_din(index),
                "period": "day",
                "installation_time_zone": config.time_zone,
                "time_series": series or None,
            }
        }
    )


def demo_point(request: web.Request) -> str:
    """Return the hex uncompressed P-256 point of the key domains host here."""
    key = state_of(request).demo_key.public_key()
    return key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    ).hex()


async def hosted_public_key(request: web.Request) -> web.Response:
    """Serve the public key "hosted" at any domain, for the onboarding demo.

    With the developer override the integration fetches
    /_domains/<domain>/.well-known/appspecific/com.tesla.3p.public-key.pem here
    instead of https://<domain>/...; a domain starting with "nokey" has none.
    """
    if request.match_info["domain"].startswith("nokey"):
        return _not_found()
    pem = (
        state_of(request)
        .demo_key.public_key()
        .public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return web.Response(body=pem, content_type="application/x-pem-file")


async def register_partner(request: web.Request) -> web.Response:
    """Register the partner application's domain in this region."""
    try:
        body = await request.json()
    except ValueError:
        body = None
    domain = body.get("domain") if isinstance(body, dict) else None
    if not isinstance(domain, str) or not domain or domain != domain.lower():
        return error(400, "invalid_field", error_description="domain is required")
    if domain.startswith("nokey"):
        return error(424, "Public key download failed")
    key = demo_point(request)
    state_of(request).partner_keys[domain] = key
    return web.json_response(
        {
            "response": {
                "client_id": "simulator-client-id",
                "name": "Fleet API simulator partner",
                "description": "A partner application registered with the simulator",
                "domain": domain,
                "ca": None,
                "created_at": "2026-01-01T00:00:00.000Z",
                "updated_at": "2026-01-01T00:00:00.000Z",
                "enterprise_tier": "free",
                "public_key": key,
            }
        }
    )


async def partner_public_key(request: web.Request) -> web.Response:
    """Return the public key registered for a domain."""
    key = state_of(request).partner_keys.get(request.query.get("domain", ""))
    if key is None:
        return _not_found()
    return web.json_response({"response": {"public_key": key}})
