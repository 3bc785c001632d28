"""One exception per failure a caller must treat differently."""

from dataclasses import dataclass


class FleetError(Exception):
    """Base of every Fleet API failure."""


class FleetConnectionError(FleetError):
    """No response: network failure or timeout."""


class InvalidResponseError(FleetError):
    """A response that is not JSON or not of the documented shape."""


class ResponseTooLargeError(InvalidResponseError):
    """A response body larger than any Fleet API answer: it was not read."""


@dataclass(eq=False)
class FleetHTTPError(FleetError):
    """Tesla answered with an error status."""

    status: int
    error: str | None = None
    endpoint: str | None = None

    def __str__(self) -> str:
        """Describe the status and Tesla's error text."""
        where = f" from {self.endpoint}" if self.endpoint else ""
        detail = f": {self.error}" if self.error else ""
        return f"HTTP {self.status}{where}{detail}"


class AuthenticationError(FleetHTTPError):
    """The user's authorization no longer works as it is."""


class TokenExpiredError(AuthenticationError):
    """401: the access token is expired or revoked; a refresh may fix it."""


@dataclass(eq=False)
class LoginRequiredError(AuthenticationError):
    """The refresh token was rejected: the user must log in again."""

    status: int = 401


class MissingScopesError(AuthenticationError):
    """403: the token lacks a scope this endpoint needs."""


class NotFoundError(FleetHTTPError):
    """404: unknown or retired resource, e.g. a replaced energy site."""


class DeviceOfflineError(FleetHTTPError):
    """408: the device did not answer Tesla's cloud."""


@dataclass(eq=False)
class NotRegisteredError(FleetHTTPError):
    """412: the partner app is not registered in this region."""

    region_url: str | None = None


@dataclass(eq=False)
class WrongRegionError(FleetHTTPError):
    """421: the account lives in another region."""

    base_url: str | None = None


@dataclass(eq=False)
class RateLimitedError(FleetHTTPError):
    """429: too many requests; wait retry_after seconds before the next one."""

    retry_after: float | None = None
    limit: int | None = None
    remaining: int | None = None
    reset: float | None = None


DISABLED_RETRY_SECONDS = 3600.0
"""How long to wait between tries while Tesla has switched the application off."""


@dataclass(eq=False)
class ApplicationDisabledError(RateLimitedError):
    """402, or 403 "account disabled: EXCEEDED_LIMIT": the application is off.

    Tesla switches an application off when it goes over its billing limit or
    has no payment method. This is not a login problem. As after a 429, every
    request would be refused (and billed) until the owner acts or the month
    ends, so it is a RateLimitedError whose retry_after spaces tries an hour
    apart.
    """

    retry_after: float | None = DISABLED_RETRY_SECONDS


class ServerError(FleetHTTPError):
    """5xx: Tesla's side failed (these responses are not billed)."""


class CommandRefusedError(FleetError):
    """Tesla answered a command with success status but did not apply it."""
