"""Holding back every request of an account until Tesla's Retry-After has passed."""

from collections.abc import Callable
import logging
import time

from .errors import RateLimitedError

_LOGGER = logging.getLogger(__name__)

DEFAULT_WAIT_SECONDS = 300.0
"""How long to wait after a 429 that names no Retry-After."""


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
        """Close after a 429 for Retry-After seconds; returns the wait used."""
        wait = DEFAULT_WAIT_SECONDS if seconds is None else max(seconds, 1.0)
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

    def restore(self, blocked_until: float | None) -> None:
        """Restore a wait remembered across a restart, without notifying."""
        self.blocked_until = blocked_until

    def add_listener(self, listener: Callable[[float | None], None]) -> None:
        """Call listener with blocked_until whenever it changes."""
        self._listeners.append(listener)

    def _notify(self) -> None:
        for listener in list(self._listeners):
            listener(self.blocked_until)
