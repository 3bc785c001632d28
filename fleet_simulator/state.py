"""The simulator's configuration and the state one running app keeps."""

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import ec

REGIONS = ("na", "eu", "cn")
SITE_NAMES = ("My Home", "Cabin", "Workshop", "Lake house")
FIRST_SITE_ID = 1_000_001


@dataclass
class SimulatorConfig:
    """How the simulated account looks."""

    base_url: str | None = None
    """The URL the simulator names itself by; default: the request's host."""
    sites: int = 1
    wall_connectors: int = 1
    """Wall Connectors per site."""
    time_zone: str = "America/Los_Angeles"
    region: str = "na"
    access_token_lifetime: int = 28800
    clock: Callable[[], datetime] | None = None
    """Returns "now" (timezone-aware); default: the real UTC time."""
    require_registration: bool = False
    """Answer 412, as Tesla does, until a partner domain is registered."""

    def __post_init__(self) -> None:
        """Reject settings the simulator cannot serve."""
        if self.sites < 0 or self.wall_connectors < 0:
            raise ValueError("sites and wall_connectors cannot be negative")
        if self.region not in REGIONS:
            raise ValueError(f"region must be one of {', '.join(REGIONS)}")
        if self.access_token_lifetime <= 0:
            raise ValueError("access_token_lifetime must be positive")
        ZoneInfo(self.time_zone)  # raises for an unknown zone

    @property
    def zone(self) -> ZoneInfo:
        """Return the sites' time zone."""
        return ZoneInfo(self.time_zone)

    @property
    def site_ids(self) -> list[int]:
        """Return the energy_site_id of every site, in order."""
        return [FIRST_SITE_ID + index for index in range(self.sites)]


@dataclass(frozen=True, slots=True)
class Grant:
    """What a token or an authorization code stands for."""

    subject: str | None
    """The user id; None for partner (client_credentials) tokens."""
    email: str | None
    scopes: tuple[str, ...]
    client_id: str
    expires: float = float("inf")
    """UTC timestamp after which it no longer works."""
    redirect_uri: str = ""

    def expired(self) -> Grant:
        """Return the same grant, expired."""
        return replace(self, expires=float("-inf"))


@dataclass
class Fault:
    """An error answer queued for the next requests whose path matches."""

    path_contains: str
    status: int
    count: int
    body: Any
    headers: dict[str, str]

    def describe(self) -> dict[str, Any]:
        """Return the fault as /sim/faults shows it."""
        return {
            "path_contains": self.path_contains,
            "status": self.status,
            "count": self.count,
            "body": self.body,
            "headers": self.headers,
        }


@dataclass
class SimulatorState:
    """Everything one app remembers: codes, tokens, partners, faults, counts."""

    config: SimulatorConfig
    codes: dict[str, Grant] = field(default_factory=dict)
    access_tokens: dict[str, Grant] = field(default_factory=dict)
    refresh_tokens: dict[str, Grant] = field(default_factory=dict)
    partner_keys: dict[str, str] = field(default_factory=dict)
    demo_key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    """The key pair every domain "hosts" in development (see /_domains/)."""
    faults: list[Fault] = field(default_factory=list)
    requests: Counter[str] = field(default_factory=Counter)
    grid_up: bool = True
    """False during a simulated grid outage (POST /sim/grid)."""

    def now(self) -> datetime:
        """Return the current time (the injected clock's, if any) in UTC."""
        clock = self.config.clock
        return clock().astimezone(UTC) if clock else datetime.now(UTC)

    def take_fault(self, path: str) -> Fault | None:
        """Use up one queued fault matching the path, if there is one."""
        for fault in self.faults:
            if fault.path_contains in path:
                fault.count -= 1
                if fault.count <= 0:
                    self.faults.remove(fault)
                return fault
        return None


STATE: web.AppKey[SimulatorState] = web.AppKey("state", SimulatorState)


def state_of(request: web.Request) -> SimulatorState:
    """Return the state of the app serving the request."""
    return request.app[STATE]


def base_url(request: web.Request) -> str:
    """Return the URL the simulator advertises (configured, else the request's)."""
    configured = state_of(request).config.base_url
    return (configured or f"{request.scheme}://{request.host}").rstrip("/")
