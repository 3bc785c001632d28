"""Typed views of Fleet API responses.

Tesla adds, drops and nulls fields over time, so every field is optional: a
missing or mistyped value, or a number not plausible for its field (listed in
the model's implausible), becomes None rather than an error. Only a response
whose overall shape is wrong raises InvalidResponseError (in the client).
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Self

from .plausible import (
    CHARGE_PERCENT,
    CODE,
    COUNT,
    ENERGY_WH,
    POWER_W,
    RATED_POWER_W,
    SETTING_PERCENT,
    SITE_ID,
    finite_object,
    integer,
    number,
)


def _str(data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    return value if isinstance(value, str) and value else None


def _bool(data: Mapping[str, Any], key: str) -> bool | None:
    value = data.get(key)
    return value if isinstance(value, bool) else None


def _dict(data: Mapping[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key)
    return value if isinstance(value, dict) else {}


def _dicts(data: Mapping[str, Any], key: str) -> list[dict[str, Any]]:
    value = data.get(key)
    if not isinstance(value, list):
        return []
    return [item for item in value if isinstance(item, dict)]


def _wall_connector_dins(components: Mapping[str, Any]) -> tuple[str, ...]:
    """Return the DINs of the Wall Connectors a components object lists."""
    return tuple(
        din
        for item in _dicts(components, "wall_connectors")
        if (din := _str(item, "din"))
    )


def parse_timestamp(value: object) -> datetime | None:
    """Parse an RFC 3339 timestamp that carries its offset; else None."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


@dataclass(frozen=True, slots=True)
class Region:
    """The region and Fleet API host of the token's account."""

    region: str | None
    fleet_api_base_url: str | None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """Build from the users/region response."""
        region = _str(data, "region")
        base_url = _str(data, "fleet_api_base_url")
        return cls(
            region=region.lower() if region else None,
            fleet_api_base_url=base_url.rstrip("/") if base_url else None,
        )


@dataclass(frozen=True, slots=True)
class EnergySiteProduct:
    """An energy site as listed by /products."""

    energy_site_id: int
    site_name: str | None
    resource_type: str | None
    gateway_id: str | None
    components: dict[str, Any]
    wall_connector_dins: tuple[str, ...]

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self | None:
        """Build from one /products entry; None for vehicles and others."""
        site_id = data.get("energy_site_id")
        if isinstance(site_id, bool) or not isinstance(site_id, int):
            return None
        if SITE_ID.admit(site_id) is None:
            return None
        components = finite_object(data.get("components"))
        return cls(
            energy_site_id=site_id,
            site_name=_str(data, "site_name"),
            resource_type=_str(data, "resource_type"),
            gateway_id=_str(data, "gateway_id"),
            components=components,
            wall_connector_dins=_wall_connector_dins(components),
        )

    @property
    def has_energy_devices(self) -> bool:
        """Tell whether the site has anything to show.

        Sites whose components are all false are retired or placeholder sites.
        Older /products entries carry no components at all; those are kept.
        """
        if not self.components:
            return True
        return bool(
            self.components.get("battery") is True
            or self.components.get("solar") is True
            or self.wall_connector_dins
        )


@dataclass(frozen=True, slots=True)
class WallConnector:
    """A Wall Connector as reported in live_status."""

    din: str
    vin: str | None
    state: int | None
    fault_state: int | None
    power: float | None
    ocpp_status: int | None

    @classmethod
    def from_dict(
        cls, data: Mapping[str, Any], noted: list[str] | None = None
    ) -> Self | None:
        """Build from one wall_connectors item; None without a DIN."""
        din = _str(data, "din")
        if din is None:
            return None
        return cls(
            din=din,
            vin=_str(data, "vin"),
            state=integer(data, "wall_connector_state", CODE, noted),
            fault_state=integer(data, "wall_connector_fault_state", CODE, noted),
            power=number(data, "wall_connector_power", POWER_W, noted),
            ocpp_status=integer(data, "ocpp_status", CODE, noted),
        )


def _positive(value: float | None) -> float | None:
    """Return the value when above zero, else 0 (never -0.0)."""
    return None if value is None else (value if value > 0 else 0.0)


def _negative(value: float | None) -> float | None:
    """Return the size of a value below zero, else 0 (never -0.0)."""
    return None if value is None else (-value if value < 0 else 0.0)


@dataclass(frozen=True, slots=True)
class LiveStatus:
    """Live power flows of a site. Watts; battery + discharging, grid + importing."""

    solar_power: float | None
    battery_power: float | None
    grid_power: float | None
    load_power: float | None
    grid_services_power: float | None
    generator_power: float | None
    percentage_charged: float | None
    energy_left: float | None
    total_pack_energy: float | None
    grid_status: str | None
    island_status: str | None
    storm_mode_active: bool | None
    backup_capable: bool | None
    grid_services_active: bool | None
    timestamp: datetime | None
    wall_connectors: tuple[WallConnector, ...] = field(default=())
    implausible: tuple[str, ...] = field(default=())
    """Fields Tesla sent with a number that is not finite or not plausible."""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """Build from the live_status response."""
        noted: list[str] = []
        wall: list[str] = []
        return cls(
            solar_power=number(data, "solar_power", POWER_W, noted),
            battery_power=number(data, "battery_power", POWER_W, noted),
            grid_power=number(data, "grid_power", POWER_W, noted),
            load_power=number(data, "load_power", POWER_W, noted),
            grid_services_power=number(data, "grid_services_power", POWER_W, noted),
            generator_power=number(data, "generator_power", POWER_W, noted),
            percentage_charged=number(
                data, "percentage_charged", CHARGE_PERCENT, noted
            ),
            energy_left=number(data, "energy_left", ENERGY_WH, noted),
            total_pack_energy=number(data, "total_pack_energy", ENERGY_WH, noted),
            grid_status=_str(data, "grid_status"),
            island_status=_str(data, "island_status"),
            storm_mode_active=_bool(data, "storm_mode_active"),
            backup_capable=_bool(data, "backup_capable"),
            grid_services_active=_bool(data, "grid_services_active"),
            timestamp=parse_timestamp(data.get("timestamp")),
            wall_connectors=tuple(
                connector
                for item in _dicts(data, "wall_connectors")
                if (connector := WallConnector.from_dict(item, wall))
            ),
            implausible=(*noted, *dict.fromkeys(f"wall_connectors.{k}" for k in wall)),
        )

    def reported(self, key: str) -> bool:
        """Tell whether Tesla sent a field: plausible, or shown as unknown."""
        return getattr(self, key, None) is not None or key in self.implausible

    @property
    def grid_import_power(self) -> float | None:
        """Return the power drawn from the grid, never negative."""
        return _positive(self.grid_power)

    @property
    def grid_export_power(self) -> float | None:
        """Return the power sent to the grid, never negative."""
        return _negative(self.grid_power)

    @property
    def battery_discharge_power(self) -> float | None:
        """Return the power the battery gives, never negative."""
        return _positive(self.battery_power)

    @property
    def battery_charge_power(self) -> float | None:
        """Return the power the battery takes, never negative."""
        return _negative(self.battery_power)

    def backup_time_left(self, nameplate_energy: float | None) -> float | None:
        """Return the hours the battery would carry the present home load alone.

        Uses energy_left when Tesla reports it, else the charge times the
        nameplate energy. Meaningful also while the grid is up, so that an
        automation that starts with an outage can read it at once.
        """
        energy = self.energy_left
        if energy is None and self.percentage_charged is not None:
            nameplate = ENERGY_WH.admit(nameplate_energy or 0) or 0
            energy = max(self.percentage_charged, 0) / 100 * nameplate or None
        # Under a watt the home draws nothing: no meaningful (finite) time.
        if energy is None or self.load_power is None or self.load_power < 1:
            return None
        return round(energy / self.load_power, 2)

    def wall_connector(self, din: str) -> WallConnector | None:
        """Return the Wall Connector with this DIN, if reported."""
        return next((c for c in self.wall_connectors if c.din == din), None)


@dataclass(frozen=True, slots=True)
class SiteInfo:
    """Configuration and hardware of a site."""

    gateway_id: str | None
    site_name: str | None
    backup_reserve_percent: float | None
    default_real_mode: str | None
    installation_date: datetime | None
    installation_time_zone: str | None
    version: str | None
    battery_count: int | None
    nameplate_power: float | None
    nameplate_energy: float | None
    storm_mode_enabled: bool | None
    components: dict[str, Any]
    wall_connector_dins: tuple[str, ...]
    storm_mode_capable: bool | None = None
    export_rule: str | None = None
    """customer_preferred_export_rule: pv_only, battery_ok or never."""
    grid_charging_disallowed: bool | None = None
    """disallow_charge_from_grid_with_solar_installed."""
    off_grid_vehicle_reserve_supported: bool | None = None
    off_grid_vehicle_reserve_percent: float | None = None
    implausible: tuple[str, ...] = field(default=())
    """Fields Tesla sent with a number that is not finite or not plausible."""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """Build from the site_info response."""
        components = finite_object(data.get("components"))
        noted: list[str] = []
        return cls(
            gateway_id=_str(data, "id"),
            site_name=_str(data, "site_name"),
            backup_reserve_percent=number(
                data, "backup_reserve_percent", SETTING_PERCENT, noted
            ),
            default_real_mode=_str(data, "default_real_mode"),
            installation_date=parse_timestamp(data.get("installation_date")),
            installation_time_zone=_str(data, "installation_time_zone"),
            version=_str(data, "version"),
            battery_count=integer(data, "battery_count", COUNT, noted),
            nameplate_power=number(data, "nameplate_power", RATED_POWER_W, noted),
            nameplate_energy=number(data, "nameplate_energy", ENERGY_WH, noted),
            storm_mode_enabled=_bool(
                _dict(data, "user_settings"), "storm_mode_enabled"
            ),
            components=components,
            wall_connector_dins=_wall_connector_dins(components),
            storm_mode_capable=_bool(components, "storm_mode_capable"),
            export_rule=_str(components, "customer_preferred_export_rule"),
            grid_charging_disallowed=_bool(
                components, "disallow_charge_from_grid_with_solar_installed"
            ),
            off_grid_vehicle_reserve_supported=_bool(
                components, "off_grid_vehicle_charging_reserve_supported"
            ),
            off_grid_vehicle_reserve_percent=number(
                data,
                "off_grid_vehicle_charging_reserve_percent",
                SETTING_PERCENT,
                noted,
            ),
            implausible=tuple(noted),
        )

    @property
    def model(self) -> str | None:
        """Name the hardware, e.g. "Powerwall 3", from the component part names."""
        names = {
            name
            for key in ("gateways", "batteries")
            for item in _dicts(self.components, key)
            if (name := _str(item, "part_name"))
        }
        return ", ".join(sorted(names)) if names else None

    @property
    def firmware(self) -> str | None:
        """Return the firmware version without its build hash."""
        parts = self.version.split() if self.version else []
        return parts[0] if parts else None


@dataclass(frozen=True, slots=True)
class PartnerAccount:
    """The partner registration Tesla holds for a domain."""

    domain: str | None
    public_key: str | None
    client_id: str | None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """Build from the partner_accounts response."""
        return cls(
            domain=_str(data, "domain"),
            public_key=_str(data, "public_key"),
            client_id=_str(data, "client_id"),
        )


def site_name(info: SiteInfo | None, product: EnergySiteProduct) -> str:
    """Return a site's name as the Tesla app shows it."""
    return (info.site_name if info else None) or product.site_name or "Energy site"
