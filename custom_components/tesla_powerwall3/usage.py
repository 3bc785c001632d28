"""Fleet API requests of the month, kept across restarts.

Tesla bills by calendar month (UTC), so counts reset on the 1st. The Retry-After
of a 429 is kept here too, so a restart does not send a request Tesla refused.
"""

from collections import Counter
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypedDict

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from .const import DOMAIN
from .fleet import RateLimitGate, RequestCounter

STORAGE_VERSION = 1
SAVE_DELAY_SECONDS = 30


class StoredUsage(TypedDict, total=False):
    """What the store holds."""

    month: str
    sent: dict[str, int]
    billable: dict[str, int]
    blocked_until: float | None


def month_key(now: datetime) -> str:
    """Name Tesla's billing month of a moment, e.g. "2026-11"."""
    return dt_util.as_utc(now).strftime("%Y-%m")


class UsageTracker:
    """Counts the month's requests from a client's counter and persists them."""

    def __init__(self, hass: HomeAssistant, account: str) -> None:
        """Prepare the store of one Tesla account.

        Kept per Tesla account, not per config entry: requests sent for the
        account are billed whichever entry sent them, so removing and adding
        the account again must not start the month's count, or a
        Retry-After, afresh.
        """
        self._hass = hass
        self._store: Store[StoredUsage] = Store(
            hass, STORAGE_VERSION, f"{DOMAIN}.{account}.usage"
        )
        self.month = month_key(dt_util.utcnow())
        self.sent: Counter[str] = Counter()
        self.billable: Counter[str] = Counter()
        self.blocked_until: float | None = None
        self._listeners: list[Callable[[], None]] = []

    async def async_load(self) -> None:
        """Read what was counted before the restart."""
        stored = await self._store.async_load() or StoredUsage()
        if stored.get("month") == self.month:
            self.sent.update(stored.get("sent", {}))
            self.billable.update(stored.get("billable", {}))
        blocked_until = stored.get("blocked_until")
        if isinstance(blocked_until, int | float):
            self.blocked_until = float(blocked_until)

    def attach(
        self, counter: RequestCounter, gate: RateLimitGate
    ) -> Callable[[], None]:
        """Count the client's requests and remember its rate limit."""
        gate.restore(self.blocked_until)
        gate.add_listener(self._rate_limit_changed)
        return counter.add_listener(self._record)

    @callback
    def _record(self, endpoint: str, status: int | None) -> None:
        self.roll_month()
        self.sent[endpoint] += 1
        if status is not None and status < 500:  # noqa: PLR2004 - Tesla bills < 500
            self.billable[endpoint] += 1
        self._changed()

    @callback
    def _rate_limit_changed(self, blocked_until: float | None) -> None:
        self.blocked_until = blocked_until
        self._changed()

    @callback
    def roll_month(self) -> None:
        """Start from zero when a new billing month has begun."""
        month = month_key(dt_util.utcnow())
        if month != self.month:
            self.month = month
            self.sent.clear()
            self.billable.clear()
            self._changed()

    @property
    def total_billable(self) -> int:
        """Requests Tesla may bill this month."""
        return sum(self.billable.values())

    @callback
    def add_listener(self, listener: Callable[[], None]) -> Callable[[], None]:
        """Call listener after each change; returns a function that removes it."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    @callback
    def _changed(self) -> None:
        self._store.async_delay_save(self._data, SAVE_DELAY_SECONDS)
        for listener in list(self._listeners):
            listener()

    def _data(self) -> StoredUsage:
        return StoredUsage(
            month=self.month,
            sent=dict(self.sent),
            billable=dict(self.billable),
            blocked_until=self.blocked_until,
        )

    async def async_save(self) -> None:
        """Write now (on unload), instead of after the save delay."""
        await self._store.async_save(self._data())

    def as_dict(self) -> dict[str, Any]:
        """Return the counts for diagnostics."""
        return dict(self._data())
