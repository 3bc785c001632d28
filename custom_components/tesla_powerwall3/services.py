"""The import_history service: hourly statistics for any range of days."""

from datetime import date
from typing import Any

from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
)
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import config_validation as cv, device_registry as dr
from homeassistant.helpers.service import (
    async_get_config_entry,
    async_register_admin_service,
)
from homeassistant.util import dt as dt_util
import probatio as vol

from .const import DOMAIN
from .cost.imports import import_allowance, request_price
from .energy.importer import RebuildStoppedError
from .fleet import FleetError
from .models import PowerwallConfigEntry, PowerwallSite

SERVICE_IMPORT_HISTORY = "import_history"
ATTR_CONFIG_ENTRY_ID = "config_entry_id"
ATTR_DEVICE_ID = "device_id"
ATTR_START_DATE = "start_date"
ATTR_END_DATE = "end_date"
ATTR_DRY_RUN = "dry_run"
ATTR_REBUILD = "rebuild"
ATTR_CONFIRM_COST = "confirm_cost"

IMPORT_HISTORY_SCHEMA = vol.Schema(
    {
        vol.Optional(ATTR_CONFIG_ENTRY_ID): cv.string,
        vol.Optional(ATTR_DEVICE_ID): cv.string,
        vol.Required(ATTR_START_DATE): cv.date,
        vol.Optional(ATTR_END_DATE): cv.date,
        vol.Optional(ATTR_DRY_RUN, default=False): cv.boolean,
        vol.Optional(ATTR_REBUILD, default=False): cv.boolean,
        vol.Optional(ATTR_CONFIRM_COST, default=False): cv.boolean,
    }
)


def _invalid(key: str, **placeholders: str) -> ServiceValidationError:
    return ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key=key,
        translation_placeholders=placeholders or None,
    )


def _is_ours(hass: HomeAssistant, entry_id: str) -> bool:
    entry = hass.config_entries.async_get_entry(entry_id)
    return entry is not None and entry.domain == DOMAIN


def _target_site(
    hass: HomeAssistant, call: ServiceCall
) -> tuple[PowerwallConfigEntry, PowerwallSite]:
    """Find the site a call names, by its device or its config entry."""
    if device_id := call.data.get(ATTR_DEVICE_ID):
        device = dr.async_get(hass).async_get(device_id)
        if device is None or not _is_ours(hass, device.config_entry_id):
            raise _invalid("unknown_site")
        loaded: PowerwallConfigEntry = async_get_config_entry(
            hass, DOMAIN, device.config_entry_id
        )
        for site in loaded.runtime_data.sites.values():
            if site.device_id == device.id:
                return loaded, site
        raise _invalid("unknown_site")
    if config_entry_id := call.data.get(ATTR_CONFIG_ENTRY_ID):
        account: PowerwallConfigEntry = async_get_config_entry(
            hass, DOMAIN, config_entry_id
        )
        sites = list(account.runtime_data.sites.values())
        if len(sites) != 1:
            raise _invalid("several_sites")
        return account, sites[0]
    raise _invalid("unknown_site")


def _check_range(site: PowerwallSite, start: date, end: date, today: date) -> None:
    if start > today or end > today:
        raise _invalid("in_future", today=str(today))
    if start > end:
        raise _invalid("start_after_end", start=str(start), end=str(end))
    info = site.info.data
    if info and info.installation_date:
        installed = info.installation_date.astimezone(site.energy.time_zone).date()
        if start < installed:
            raise _invalid("before_installation", installed=str(installed))


def _check_cost(entry: PowerwallConfigEntry, requests: int, confirmed: bool) -> None:
    """Refuse an import that costs more than it may unconfirmed."""
    allowance = import_allowance(entry.options, entry.runtime_data.cost.total_billable)
    if confirmed or requests <= allowance.requests:
        return
    raise _invalid(
        "import_over_budget" if allowance.from_budget else "import_over_cap",
        requests=str(requests),
        usd=f"{request_price(requests):.2f}",
        allowed=str(allowance.requests),
    )


async def _async_import_history(call: ServiceCall) -> ServiceResponse:
    """Import (or, in a dry run, compute) a site's hourly statistics."""
    hass = call.hass
    entry, site = _target_site(hass, call)
    now = dt_util.utcnow()
    today = site.energy.local_today(now)
    start: date = call.data[ATTR_START_DATE]
    end: date = call.data.get(ATTR_END_DATE) or today
    _check_range(site, start, end, today)
    if not site.energy.writes_statistics and not call.data[ATTR_DRY_RUN]:
        raise _invalid("no_recorder")
    # One request per day; a rebuild runs through today.
    cost = ((today if call.data[ATTR_REBUILD] else end) - start).days + 1
    _check_cost(entry, cost, call.data[ATTR_CONFIRM_COST])
    try:
        result = await site.energy.async_import(
            start,
            end,
            now,
            rebuild=call.data[ATTR_REBUILD],
            dry_run=call.data[ATTR_DRY_RUN],
        )
    except RebuildStoppedError as err:
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="rebuild_failed",
            translation_placeholders={"error": str(err), "requests": str(err.requests)},
        ) from err
    except FleetError as err:
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="import_failed",
            translation_placeholders={"error": str(err)},
        ) from err
    response: dict[str, Any] = {
        "site": site.name,
        "dry_run": call.data[ATTR_DRY_RUN],
        "rebuild": call.data[ATTR_REBUILD],
        "first_hour": result.first_hour.isoformat() if result.first_hour else None,
        "last_hour": result.last_hour.isoformat() if result.last_hour else None,
        "hours": result.hours,
        "kwh": result.kwh,
        "requests": result.requests,
        "cost": {"requests": cost, "usd": request_price(cost)},
        "complete": result.complete,
    }
    return response


def async_setup_services(hass: HomeAssistant) -> None:
    """Register the integration's services (once, in async_setup)."""
    async_register_admin_service(
        hass,
        DOMAIN,
        SERVICE_IMPORT_HISTORY,
        _async_import_history,
        schema=IMPORT_HISTORY_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )
