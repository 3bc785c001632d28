"""Tesla Fleet API client for energy sites.

Nothing in this package imports Home Assistant: it could be published as its
own library.
"""

from .client import FleetClient, StaticToken, TokenProvider
from .commands import (
    COMMAND_NAMES,
    Command,
    CommandValueError,
    PercentOutOfRangeError,
    ReserveAboveCapError,
    UnknownOptionError,
)
from .const import CONTROL_SCOPE, ENERGY_SCOPES
from .counter import RequestCounter
from .errors import (
    CommandRefusedError,
    DeviceOfflineError,
    FleetConnectionError,
    FleetError,
    FleetHTTPError,
    InvalidResponseError,
    LoginRequiredError,
    MissingScopesError,
    NotFoundError,
    NotRegisteredError,
    RateLimitedError,
    ResponseTooLargeError,
    ServerError,
    TokenExpiredError,
    WrongRegionError,
)
from .history import EnergyBucket, EnergyHistory
from .models import (
    EnergySiteProduct,
    LiveStatus,
    PartnerAccount,
    Region,
    SiteInfo,
    WallConnector,
)
from .ratelimit import RateLimitGate
from .tesla.hosts import (
    AUTHORIZE_URL,
    REGION_BASE_URLS,
    TESLA_HOSTS,
    TOKEN_URL,
    TeslaHosts,
    simulator_hosts,
)
from .tokens import TokenClaims, decode_token_claims

__all__ = [
    "AUTHORIZE_URL",
    "COMMAND_NAMES",
    "CONTROL_SCOPE",
    "ENERGY_SCOPES",
    "REGION_BASE_URLS",
    "TESLA_HOSTS",
    "TOKEN_URL",
    "Command",
    "CommandRefusedError",
    "CommandValueError",
    "DeviceOfflineError",
    "EnergyBucket",
    "EnergyHistory",
    "EnergySiteProduct",
    "FleetClient",
    "FleetConnectionError",
    "FleetError",
    "FleetHTTPError",
    "InvalidResponseError",
    "LiveStatus",
    "LoginRequiredError",
    "MissingScopesError",
    "NotFoundError",
    "NotRegisteredError",
    "PartnerAccount",
    "PercentOutOfRangeError",
    "RateLimitGate",
    "RateLimitedError",
    "Region",
    "RequestCounter",
    "ReserveAboveCapError",
    "ResponseTooLargeError",
    "ServerError",
    "SiteInfo",
    "StaticToken",
    "TeslaHosts",
    "TokenClaims",
    "TokenExpiredError",
    "TokenProvider",
    "UnknownOptionError",
    "WallConnector",
    "WrongRegionError",
    "decode_token_claims",
    "simulator_hosts",
]
