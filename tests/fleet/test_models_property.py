"""Property tests of the payload models.

Any JSON value in any field never raises and never yields a number that is
not finite (or not plausible for its field).
"""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import fields, is_dataclass
import json
import math
from typing import Any

from hypothesis import HealthCheck, example, given, settings, strategies as st
import pytest

from custom_components.tesla_powerwall3.fleet import (
    EnergyHistory,
    EnergySiteProduct,
    LiveStatus,
    PartnerAccount,
    Region,
    SiteInfo,
    WallConnector,
)
from custom_components.tesla_powerwall3.fleet.plausible import (
    CHARGE_PERCENT,
    ENERGY_WH,
    POWER_W,
)
from custom_components.tesla_powerwall3.fleet.responses import parse_json

PROPERTIES = settings(
    max_examples=150,
    deadline=None,
    database=None,  # nothing written to the work tree
    suppress_health_check=[HealthCheck.too_slow],
)

EDGE_NUMBERS = st.sampled_from(
    [
        math.nan,
        math.inf,
        -math.inf,
        1e308,
        -1e308,
        5e-324,
        -0.0,
        10**400,
        -(10**400),
        2**63,
        2**31,
        1e6 + 1,
        100.4,
        -5.3,
    ]
)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | EDGE_NUMBERS
    | st.text(max_size=12)
    | st.sampled_from(["", " ", "2023-11-06T10:30:11+11:00", "23.12.11 452c76cb"])
)
JSON = st.recursive(
    SCALARS,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=10,
)


def objects(
    keys: Iterable[str], nested: Mapping[str, st.SearchStrategy[Any]] | None = None
) -> st.SearchStrategy[dict[str, Any]]:
    """JSON objects whose known keys (some, all or none) hold any JSON value."""
    optional: dict[str, st.SearchStrategy[Any]] = dict.fromkeys(keys, JSON)
    for key, strategy in (nested or {}).items():
        optional[key] = strategy | JSON
    return st.fixed_dictionaries({}, optional=optional)


WALL_CONNECTOR_KEYS = [
    "din",
    "vin",
    "wall_connector_state",
    "wall_connector_fault_state",
    "wall_connector_power",
    "ocpp_status",
]
WALL_CONNECTOR = objects(WALL_CONNECTOR_KEYS)
COMPONENTS = objects(
    ["battery", "solar", "grid", "battery_type"],
    {
        "wall_connectors": st.lists(WALL_CONNECTOR | JSON, max_size=3),
        "gateways": st.lists(objects(["part_name", "din"]), max_size=2),
        "batteries": st.lists(objects(["part_name", "nameplate_energy"]), max_size=2),
    },
)
LIVE_STATUS = objects(
    [
        "solar_power",
        "battery_power",
        "grid_power",
        "load_power",
        "grid_services_power",
        "generator_power",
        "percentage_charged",
        "energy_left",
        "total_pack_energy",
        "grid_status",
        "island_status",
        "storm_mode_active",
        "backup_capable",
        "grid_services_active",
        "timestamp",
    ],
    {"wall_connectors": st.lists(WALL_CONNECTOR | JSON, max_size=3)},
)
SITE_INFO = objects(
    [
        "id",
        "site_name",
        "backup_reserve_percent",
        "default_real_mode",
        "installation_date",
        "installation_time_zone",
        "version",
        "battery_count",
        "nameplate_power",
        "nameplate_energy",
    ],
    {"components": COMPONENTS, "user_settings": objects(["storm_mode_enabled"])},
)
PRODUCT = objects(
    ["energy_site_id", "site_name", "resource_type", "gateway_id"],
    {"components": COMPONENTS},
)
REGION = objects(["region", "fleet_api_base_url"])
PARTNER = objects(["domain", "public_key", "client_id"])


def numbers_in(value: Any) -> Iterable[float | int]:
    """Every number a model holds, in its fields, nested models and JSON."""
    if isinstance(value, bool):
        return
    if isinstance(value, int | float):
        yield value
    elif is_dataclass(value) and not isinstance(value, type):
        for item in fields(value):
            yield from numbers_in(getattr(value, item.name))
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from numbers_in(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from numbers_in(item)


def assert_finite(model: Any) -> None:
    for value in numbers_in(model):
        assert not isinstance(value, float) or math.isfinite(value), model


def both_ways(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The object itself, and as the client reads it after a JSON round trip."""
    parsed = parse_json(json.dumps(data))
    assert isinstance(parsed, dict)
    return [data, parsed]


def within(value: float | None, low: float, high: float) -> bool:
    return value is None or (math.isfinite(value) and low <= value <= high)


@PROPERTIES
@given(LIVE_STATUS, st.none() | st.floats() | EDGE_NUMBERS)
@example(
    {
        "solar_power": math.nan,
        "battery_power": 10**400,
        "load_power": 5e-324,
        "percentage_charged": math.inf,
        "wall_connectors": [{"din": "1", "wall_connector_power": -math.inf}],
    },
    1e308,
)
@example({"energy_left": 1e6, "load_power": 1.0}, None)
@example({"percentage_charged": 110, "load_power": 1}, 1e308)
def test_live_status(data: dict[str, Any], nameplate: float | None) -> None:
    for payload in both_ways(data):
        live = LiveStatus.from_dict(payload)
        assert_finite(live)
        for power in (
            live.solar_power,
            live.battery_power,
            live.grid_power,
            live.load_power,
            live.grid_import_power,
            live.grid_export_power,
            live.battery_charge_power,
            live.battery_discharge_power,
            *(wc.power for wc in live.wall_connectors),
        ):
            assert within(power, POWER_W.low, POWER_W.high)
        assert within(live.percentage_charged, CHARGE_PERCENT.low, CHARGE_PERCENT.high)
        assert within(live.energy_left, ENERGY_WH.low, ENERGY_WH.high)
        hours = live.backup_time_left(nameplate)
        assert hours is None or (math.isfinite(hours) and hours >= 0)
        for key in live.implausible:
            assert not key.startswith("wall_connectors.") or live.wall_connectors
            assert live.reported(key) or key.startswith("wall_connectors.")


@PROPERTIES
@given(SITE_INFO)
@example({"battery_count": math.nan, "nameplate_energy": 10**400, "version": " "})
@example({"components": {"wall_connectors": [{"din": "x", "power": math.nan}]}})
def test_site_info(data: dict[str, Any]) -> None:
    for payload in both_ways(data):
        info = SiteInfo.from_dict(payload)
        assert_finite(info)
        assert within(info.nameplate_power, 0, POWER_W.high)
        assert within(info.nameplate_energy, 0, ENERGY_WH.high)
        assert within(info.backup_reserve_percent, 0, 100)
        assert info.model is None or isinstance(info.model, str)
        assert info.firmware is None or info.firmware.strip() == info.firmware
        assert all(isinstance(din, str) for din in info.wall_connector_dins)


@PROPERTIES
@given(PRODUCT)
@example({"energy_site_id": 10**400})
@example({"energy_site_id": 0})
def test_products(data: dict[str, Any]) -> None:
    for payload in both_ways(data):
        product = EnergySiteProduct.from_dict(payload)
        assert_finite(product)
        if product is not None:
            assert 0 < product.energy_site_id < 2**63
            assert isinstance(product.has_energy_devices, bool)


@PROPERTIES
@given(WALL_CONNECTOR)
def test_wall_connector(data: dict[str, Any]) -> None:
    for payload in both_ways(data):
        connector = WallConnector.from_dict(payload)
        assert_finite(connector)
        if connector is not None:
            for code in (connector.state, connector.fault_state, connector.ocpp_status):
                assert code is None or 0 <= code < 2**31


@pytest.mark.parametrize(
    ("build", "strategy"),
    [(Region.from_dict, REGION), (PartnerAccount.from_dict, PARTNER)],
    ids=["region", "partner_account"],
)
def test_text_models(
    build: Callable[[dict[str, Any]], Any], strategy: st.SearchStrategy[Any]
) -> None:
    @PROPERTIES
    @given(strategy)
    def check(data: dict[str, Any]) -> None:
        for payload in both_ways(data):
            model = build(payload)
            for item in fields(model):
                value = getattr(model, item.name)
                assert value is None or (isinstance(value, str) and value)

    check()


@given(JSON)
@PROPERTIES
def test_any_json_as_a_whole_payload(data: Any) -> None:
    """Not even an object: the client refuses those before; models still cope."""
    payload = data if isinstance(data, dict) else {}
    for build in (LiveStatus.from_dict, SiteInfo.from_dict, Region.from_dict):
        assert_finite(build(payload))
    assert_finite(EnergySiteProduct.from_dict(payload))


@PROPERTIES
@given(
    objects(
        ["installation_time_zone"],
        {
            "time_series": st.lists(
                objects(
                    ["timestamp", "solar_energy_exported", "grid_energy_imported"],
                    {"timestamp": st.just("2023-06-01T01:00:00-07:00")},
                ),
                max_size=4,
            )
        },
    )
)
@example(
    {
        "time_series": [
            {"timestamp": "2023-06-01T01:00:00-07:00", "grid_energy_imported": v}
            for v in (math.nan, math.inf, 1e308, 10**400)
        ]
    }
)
def test_energy_history(data: dict[str, Any]) -> None:
    for payload in both_ways(data):
        assert_finite(EnergyHistory.from_dict(payload))
