"""Constants of the Tesla Powerwall 3 integration."""

from datetime import timedelta
import logging
from typing import Final

DOMAIN: Final = "tesla_powerwall3"
LOGGER = logging.getLogger(__package__)

MANUFACTURER: Final = "Tesla"

CONF_BASE_URL: Final = "base_url"
"""Entry data key: the regional Fleet API host that serves the account."""

DEVELOPER_PORTAL_URL: Final = "https://developer.tesla.com"
README_URL: Final = (
    "https://github.com/tesla-powerwall3/tesla_powerwall3/blob/main/README.md"
)
REDIRECT_URI: Final = "https://my.home-assistant.io/redirect/oauth"

CONF_MODE: Final = "mode"
MODE_EVERY_MINUTE: Final = "every_minute"
"""Live data every minute: the default, for energy data Tesla does not bill."""
MODE_BUDGET: Final = "budget"
MODE_INTERVALS: Final = "intervals"
DEFAULT_MODE: Final = MODE_EVERY_MINUTE
CONF_BUDGET: Final = "monthly_budget"
CONF_LIVE_INTERVAL: Final = "live_interval"
"""Seconds between live_status requests (intervals mode)."""
CONF_SITE_INFO_INTERVAL: Final = "site_info_interval"
"""Minutes between site_info requests (intervals mode)."""
CONF_BACKFILL_DAYS: Final = "backfill_days"
"""Days of energy history imported when a site is first set up."""
DEFAULT_BACKFILL_DAYS: Final = 30
CONF_HISTORY_INTERVAL: Final = "history_interval"
"""Minutes between energy history syncs (intervals mode)."""

DEV_LIVE_INTERVAL: Final = timedelta(seconds=30)
"""Live polling against the local simulator, which costs nothing."""

REPLAN_INTERVAL: Final = timedelta(hours=1)
"""How often the request budget is spread again over the rest of the month."""

# Tesla's codes and the enum options they show as.
GRID_STATUS: Final[dict[str, str | None]] = {
    "Active": "connected",
    "Inactive": "islanded",
    # Home Assistant's own unknown: an option named "unknown" would be a state
    # that automations cannot tell from a missing value.
    "Unknown": None,
}
ISLAND_STATUS: Final = (
    "on_grid",
    "off_grid",
    "off_grid_intentional",
    "off_grid_unintentional",
    "off_grid_unintentional_overload",
    "off_grid_unintentional_wait_for_solar",
    "off_grid_unintentional_wait_for_user",
    "off_grid_unintentional_wait_for_jump_start",
    "transitioning_on_grid",
    "transitioning_off_grid",
    "island_status_unknown",
)
# Wall Connector codes, as Tesla's app names them (WCState, WCFaultStatusState).
WALL_CONNECTOR_STATES: Final = {
    1: "charging",
    2: "unplugged",
    3: "unplugged_faulted",
    4: "waiting_for_vehicle",
    5: "time_restricted",
    6: "fault_charging",
    7: "fault_no_charging",
    8: "offline",
}
WALL_CONNECTOR_FAULT_STATES: Final = {
    1: "startup",
    2: "ready",
    3: "critical_fault",
    4: "non_critical_fault",
    5: "retry_pending",
    6: "lockout",
    7: "foldback",
    8: "charging",
    9: "configuration_required",
}
VEHICLE_CONNECTED_STATES: Final = frozenset({1, 4, 5, 6})
"""Wall Connector states with a vehicle plugged in: charging, waiting for the
vehicle, time restricted, charging with a fault."""
