"""The request counter: the one rule of which requests Tesla bills."""

import pytest

from custom_components.tesla_powerwall3.fleet import RequestCounter
from custom_components.tesla_powerwall3.fleet.counter import is_billable


@pytest.mark.parametrize(
    ("status", "billable"),
    [
        (200, True),
        (401, True),
        (412, True),
        (429, True),
        (499, True),
        (500, False),
        (503, False),
        (None, False),
    ],
)
def test_every_response_below_500_is_billable(
    status: int | None, billable: bool
) -> None:
    assert is_billable(status) is billable
    seen: list[tuple[str, bool]] = []
    counter = RequestCounter()
    counter.add_listener(lambda endpoint, flag: seen.append((endpoint, flag)))
    counter.record("live_status", status)
    assert seen == [("live_status", billable)]
    assert counter.sent == {"live_status": 1}
