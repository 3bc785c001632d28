"""Diagnostics: what the integration sees, with everything personal redacted."""

from dataclasses import asdict
from datetime import timedelta
from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.core import HomeAssistant

from .models import PowerwallConfigEntry

TO_REDACT = {
    # Login
    "token",
    "access_token",
    "refresh_token",
    "id_token",
    "auth_implementation",
    "unique_id",
    # Identifiers of sites and devices
    "energy_site_id",
    "site_id",
    "id",
    "gateway_id",
    "asset_site_id",
    "din",
    "wall_connector_dins",
    "device_id",
    "vin",
    "serial_number",
    # Where the home is
    "site_name",
    "title",
    "address",
    "geolocation",
    "latitude",
    "longitude",
}


def _plain(value: Any) -> Any:
    """Make plan and site data JSON friendly."""
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: PowerwallConfigEntry
) -> dict[str, Any]:
    """Return the entry's configuration, polling plan, usage and site data."""
    data = entry.runtime_data
    sites = [
        {
            "product": asdict(site.product),
            "site_info": asdict(site.info.data) if site.info.data else None,
            "site_info_ok": site.info.last_update_success,
            "live_status": asdict(site.live.data) if site.live.data else None,
            "live_status_ok": site.live.last_update_success,
            "intervals": {
                "live_status": site.live.update_interval,
                "site_info": site.info.update_interval,
                "calendar_history": site.energy.update_interval,
            },
            "history_ok": site.energy.last_update_success,
            "history_time_zone": site.energy.time_zone.key,
            "history_progress": asdict(site.energy.progress),
            "today": asdict(site.energy.data) if site.energy.data else None,
        }
        for site in data.sites.values()
    ]
    return async_redact_data(
        _plain(
            {
                "entry": {
                    "title": entry.title,
                    "unique_id": entry.unique_id,
                    "data": dict(entry.data),
                    "options": dict(entry.options),
                },
                "base_url": data.client.base_url,
                "plan": asdict(data.cost.plan),
                "usage": data.cost.as_dict(),
                "requests_since_start": dict(data.client.counter.sent),
                "sites": sites,
            }
        ),
        TO_REDACT,
    )
