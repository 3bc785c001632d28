"""Tesla's published hosts, regions and scopes."""

from typing import Final

AUTHORIZE_URL: Final = "https://auth.tesla.com/oauth2/v3/authorize"
# Tesla asked partners to move every token call off auth.tesla.com in 2025.
TOKEN_URL: Final = "https://fleet-auth.prd.vn.cloud.tesla.com/oauth2/v3/token"  # noqa: S105

REGION_BASE_URLS: Final[dict[str, str]] = {
    "na": "https://fleet-api.prd.na.vn.cloud.tesla.com",
    "eu": "https://fleet-api.prd.eu.vn.cloud.tesla.com",
    "cn": "https://fleet-api.prd.cn.vn.cloud.tesla.cn",
}

# Read-only energy access; a refresh token needs openid and offline_access.
ENERGY_SCOPES: Final = ("openid", "offline_access", "energy_device_data")

REQUEST_TIMEOUT_SECONDS: Final = 30.0
