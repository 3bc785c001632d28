"""Holding back every request of an account until Tesla's Retry-After has passed."""

from collections.abc import Callable
import logging
import math
import time
from typing import Final

from .errors import RateLimitedError

_LOGGER = logging.getLogger(__name__)

DEFAULT_WAIT_SECONDS: Final = 300.0
"""How long to wait after a 429 that names no usable Retry-After."""
MIN_WAIT_SECONDS: Final = 1.0
MAX_WAIT_SECONDS: Final = 24 * 3600.0
"""Tesla's longest limits are daily (a real 429 said "Retry in 37829 seconds",
10.5 hours), so no real wait is longer than a day; a longer one is a broken or
forged answer, which must not block the account for years."""


def bounded_wait(seconds: float | None) -> float:
    """Return the wait to keep after a 429 that asked for seconds.

    No value, NaN or an infinity: the default wait. Else clamped to
    [MIN_WAIT_SECONDS, MAX_WAIT_SECONDS].
    """
    if seconds is None or not math.isfinite(seconds):
        return DEFAULT_WAIT_SECONDS
    return min(max(seconds, MIN_WAIT_SECONDS), MAX_WAIT_SECONDS)


def restorable(blocked_until: object, now: float) -> float | None:
    """Return a remembered end of a wait if it is still to come within a day.

    A stored value that has passed is dropped; so is one that is not a number
    or ends more than MAX_WAIT_SECONDS after now (written by an older version,
    or edited), with a warning.
    """
    if blocked_until is None:
        return None
    if isinstance(blocked_until, int | float) and not isinstance(blocked_until, bool):
        # Compared, never subtracted: an int of 400 digits cannot become a float.
        if now < blocked_until <= now + MAX_WAIT_SECONDS:
            return float(blocked_until)
        if blocked_until <= now and blocked_until != -math.inf:
            return None
    _LOGGER.warning(
        "Dropped a remembered Tesla rate limit that was not a wait of up to a"
        " day; requests are sent again"
    )
    return None


class RateLimitGate:
    """Refuses to send requests while Tesla has asked to wait.

    A 429 is billed, and so is every request sent before Retry-After has passed,
    so the gate answers those locally instead.
    """

    def __init__(self, clock: Callable[[], float] | None = None) -> None:
        """Start open; clock returns seconds since the epoch."""
        # Looked up at each call, so tests that freeze time.time are honoured.
        self._clock = clock or (lambda: time.time())  # noqa: PLW0108
        self.blocked_until: float | None = None
        self._listeners: list[Callable[[float | None], None]] = []

    def check(self, endpoint: str) -> None:
        """Raise RateLimitedError without sending while the gate is closed."""
        if self.blocked_until is None:
            return
        remaining = self.blocked_until - self._clock()
        if remaining > 0:
            raise RateLimitedError(
                429,
                "not sent: waiting for Tesla's Retry-After",
                endpoint,
                retry_after=remaining,
            )
        self.reopen()

    def close_for(self, seconds: float | None) -> float:
        """Close after a 429 for Retry-After seconds; returns the bounded wait."""
        wait = bounded_wait(seconds)
        until = self._clock() + wait
        if self.blocked_until is None or until > self.blocked_until:
            self.blocked_until = until
            _LOGGER.warning(
                "Tesla rate limited this account: no request for %d seconds", wait
            )
            self._notify()
        return wait

    def reopen(self) -> None:
        """Open again once the wait is over."""
        if self.blocked_until is not None:
            self.blocked_until = None
            _LOGGER.info("The Tesla rate limit has passed; requests resume")
            self._notify()

    def restore(self, blocked_until: object) -> None:
        """Restore a wait remembered across a restart, without notifying.

        One that has passed or ends more than a day ahead is dropped.
        """
        self.blocked_until = restorable(blocked_until, self._clock())

    def add_listener(self, listener: Callable[[float | None], None]) -> None:
        """Call listener with blocked_until whenever it changes."""
        self._listeners.append(listener)

    def _notify(self) -> None:
        for listener in list(self._listeners):
            listener(self.blocked_until)
