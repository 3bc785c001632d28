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
REDIRECT_URI: Final = "https://my.home-assistant.io/redirect/oauth"

LIVE_INTERVAL: Final = timedelta(minutes=10)
"""About 4,320 live_status requests in a 30-day month: inside Tesla's $10 credit."""

SITE_INFO_INTERVAL: Final = timedelta(hours=2)
"""site_info (reserve, mode, firmware) rarely changes. With live: 4,680 a month."""

DEV_LIVE_INTERVAL: Final = timedelta(seconds=30)
"""Live polling against the local simulator, which costs nothing."""
