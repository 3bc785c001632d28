"""Counting of Fleet API requests, and the one rule of which ones Tesla bills."""

from collections import Counter
from collections.abc import Callable

from .commands import COMMAND_NAMES

BILLABLE_BELOW_STATUS = 500
"""Tesla bills every response with a status below 500, 429 included."""

type RequestListener = Callable[[str, bool], None]
"""Called with the endpoint of each request and whether Tesla may bill it."""


def is_billable(status: int | None) -> bool:
    """Tell whether Tesla may bill a request; status is None without a response."""
    return status is not None and status < BILLABLE_BELOW_STATUS


class RequestCounter:
    """Counts requests per endpoint and tells listeners whether each is billable."""

    def __init__(self) -> None:
        """Start with no requests counted."""
        self.sent: Counter[str] = Counter()
        self._listeners: list[RequestListener] = []

    def record(self, endpoint: str, status: int | None) -> None:
        """Count one request; status is None when no response arrived."""
        self.sent[endpoint] += 1
        billable = is_billable(status)
        for listener in list(self._listeners):
            listener(endpoint, billable)

    def add_listener(self, listener: RequestListener) -> Callable[[], None]:
        """Call listener after each request; returns a function that removes it."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    @property
    def total_sent(self) -> int:
        """Requests sent, whatever their outcome."""
        return sum(self.sent.values())


def is_command(endpoint: str) -> bool:
    """Tell whether a request changed a setting: Tesla bills those as Commands."""
    return endpoint in COMMAND_NAMES
