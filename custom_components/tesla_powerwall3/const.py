"""Constants of the Tesla Powerwall 3 integration."""

from datetime import timedelta
import logging
from typing import Final

DOMAIN: Final = "tesla_powerwall3"
LOGGER = logging.getLogger(__package__)

MANUFACTURER: Final = "Tesla"

CONF_BASE_URL: Final = "base_url"
"""Entry data key: the regional Fleet API host that serves the account."""

SCOPES: Final = ("openid", "offline_access", "energy_device_data")

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
CONF_HISTORY_INTERVAL: Final = "history_interval"
"""Minutes between energy history syncs (intervals mode)."""

DEV_LIVE_INTERVAL: Final = timedelta(seconds=30)
"""Live polling against the local simulator, which costs nothing."""

REPLAN_INTERVAL: Final = timedelta(hours=1)
"""How often the request budget is spread again over the rest of the month."""
