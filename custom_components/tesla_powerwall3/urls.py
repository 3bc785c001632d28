"""Where the integration sends requests: Tesla, or the simulator in development.

Tesla's hosts are the defaults. The one developer override is the environment
variable TESLA_POWERWALL3_DEV_URL: when set (scripts/develop sets it), the
login, token and Fleet API requests of every region go to that base URL.
"""

import os
from typing import Final

from .fleet import AUTHORIZE_URL, REGION_BASE_URLS, TOKEN_URL
from .fleet.public_key import KEY_PATH, key_url

DEV_URL_ENV: Final = "TESLA_POWERWALL3_DEV_URL"


def dev_url() -> str | None:
    """Return the simulator's base URL when the developer override is set."""
    value = os.environ.get(DEV_URL_ENV, "").strip().rstrip("/")
    return value or None


def authorize_url() -> str:
    """Return the URL of Tesla's login page."""
    override = dev_url()
    return f"{override}/oauth2/v3/authorize" if override else AUTHORIZE_URL


def token_url() -> str:
    """Return the URL of Tesla's token endpoint."""
    override = dev_url()
    return f"{override}/oauth2/v3/token" if override else TOKEN_URL


def region_base_url(region: str | None) -> str | None:
    """Return the Fleet API host of a region ("na", "eu", "cn")."""
    if region not in REGION_BASE_URLS:
        return None
    return dev_url() or REGION_BASE_URLS[region]


def default_base_url() -> str:
    """Return the host asked first when the token names no region."""
    return dev_url() or REGION_BASE_URLS["na"]


def public_key_url(domain: str) -> str:
    """Return where Tesla downloads a domain's public key.

    With the developer override the simulator hosts a demo key for any domain.
    """
    if override := dev_url():
        return f"{override}/_domains/{domain}{KEY_PATH}"
    return key_url(domain)
