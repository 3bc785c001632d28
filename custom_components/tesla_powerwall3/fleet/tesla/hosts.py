"""Where the login, token, Fleet API and public key requests go."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from .key import KEY_PATH

AUTHORIZE_URL: Final = "https://auth.tesla.com/oauth2/v3/authorize"
# Tesla asked partners to move every token call off auth.tesla.com in 2025.
TOKEN_URL: Final = "https://fleet-auth.prd.vn.cloud.tesla.com/oauth2/v3/token"  # noqa: S105

REGION_BASE_URLS: Final[Mapping[str, str]] = {
    "na": "https://fleet-api.prd.na.vn.cloud.tesla.com",
    "eu": "https://fleet-api.prd.eu.vn.cloud.tesla.com",
    "cn": "https://fleet-api.prd.cn.vn.cloud.tesla.cn",
}
DEFAULT_REGION: Final = "na"
"""The region asked first when neither the token nor Tesla names one."""


@dataclass(frozen=True, slots=True)
class TeslaHosts:
    """The hosts every request goes to: Tesla's, or a simulator's."""

    authorize_url: str
    token_url: str
    region_base_urls: Mapping[str, str]
    key_url_template: str = f"https://{{domain}}{KEY_PATH}"
    """Where Tesla downloads a domain's public key; {domain} is replaced."""
    simulator: bool = False

    @property
    def default_base_url(self) -> str:
        """Return the Fleet API host asked first when no region is known."""
        return self.region_base_urls[DEFAULT_REGION]

    def region_base_url(self, region: str | None) -> str | None:
        """Return the Fleet API host of a region ("na", "eu", "cn")."""
        return self.region_base_urls.get(region) if region else None

    def fleet_api_url(self, url: str) -> str | None:
        """Return url as one of these Fleet API hosts, None for any other host."""
        wanted = url.rstrip("/").lower()
        return next(
            (base for base in self.region_base_urls.values() if base.lower() == wanted),
            None,
        )

    def public_key_url(self, domain: str) -> str:
        """Return where Tesla downloads a domain's public key."""
        return self.key_url_template.replace("{domain}", domain)


TESLA_HOSTS: Final = TeslaHosts(
    authorize_url=AUTHORIZE_URL,
    token_url=TOKEN_URL,
    region_base_urls=REGION_BASE_URLS,
)


def simulator_hosts(base_url: str) -> TeslaHosts:
    """Send every request to a local stand-in for Tesla (fleet_simulator).

    The simulator serves every region, and a demo key for any domain.
    """
    base = base_url.strip().rstrip("/")
    return TeslaHosts(
        authorize_url=f"{base}/oauth2/v3/authorize",
        token_url=f"{base}/oauth2/v3/token",
        region_base_urls=dict.fromkeys(REGION_BASE_URLS, base),
        key_url_template=f"{base}/_domains/{{domain}}{KEY_PATH}",
        simulator=True,
    )
