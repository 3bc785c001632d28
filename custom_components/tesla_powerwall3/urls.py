"""Where the integration sends requests: Tesla, or the simulator in development.

Tesla's hosts are the default. The one developer override is the environment
variable TESLA_POWERWALL3_DEV_URL: when set (scripts/develop sets it), the
login, token, public key and Fleet API requests of every region go to that
base URL instead. It is read once per Home Assistant instance, by whichever
needs the hosts first: the credentials dialog and the config flow can run
before any entry is set up.
"""

import os
from typing import Final

from homeassistant.core import HomeAssistant
from homeassistant.helpers.singleton import singleton
from homeassistant.util.hass_dict import HassKey

from .const import DOMAIN
from .fleet import TESLA_HOSTS, TeslaHosts, simulator_hosts

DEV_URL_ENV: Final = "TESLA_POWERWALL3_DEV_URL"
DATA_HOSTS: HassKey[TeslaHosts] = HassKey(f"{DOMAIN}_hosts")


@singleton(DATA_HOSTS)
def tesla_hosts(hass: HomeAssistant) -> TeslaHosts:
    """Return the hosts every request goes to, reading the override once."""
    if override := os.environ.get(DEV_URL_ENV, "").strip().rstrip("/"):
        return simulator_hosts(override)
    return TESLA_HOSTS
