"""Counting of Fleet API requests, since Tesla may bill each one."""

from collections import Counter
from collections.abc import Callable

BILLABLE_BELOW_STATUS = 500
"""Tesla bills every response with a status below 500, 429 included."""


class RequestCounter:
    """Counts requests per endpoint and tells listeners about each one."""

    def __init__(self) -> None:
        """Start with no requests counted."""
        self.sent: Counter[str] = Counter()
        self.billable: Counter[str] = Counter()
        self._listeners: list[Callable[[str, int | None], None]] = []

    def record(self, endpoint: str, status: int | None) -> None:
        """Count one request; status is None when no response arrived."""
        self.sent[endpoint] += 1
        if status is not None and status < BILLABLE_BELOW_STATUS:
            self.billable[endpoint] += 1
        for listener in list(self._listeners):
            listener(endpoint, status)

    def add_listener(
        self, listener: Callable[[str, int | None], None]
    ) -> Callable[[], None]:
        """Call listener after each request; returns a function that removes it."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    @property
    def total_sent(self) -> int:
        """Requests sent, whatever their outcome."""
        return sum(self.sent.values())

    @property
    def total_billable(self) -> int:
        """Requests Tesla may bill."""
        return sum(self.billable.values())
