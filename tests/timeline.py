"""Letting simulated time pass quickly, from one timer to the next."""

import asyncio
from datetime import datetime, timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry


async def advance(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    entry: MockConfigEntry,
    until: datetime,
) -> int:
    """Jump from timer to timer until `until`; returns the number of jumps.

    After each jump the loop runs the timers that are due, and the entry's
    refreshes (background tasks) finish before time moves on, so no poll is
    skipped or delayed.
    """
    loop = hass.loop
    jumps = 0
    while (left := (until - dt_util.utcnow()).total_seconds()) > 0:
        due = min(
            (h.when() for h in loop._scheduled if not h.cancelled()),  # type: ignore[attr-defined]
            default=loop.time() + left,
        )
        freezer.tick(timedelta(seconds=min(max(due - loop.time(), 0.0), left) + 1e-3))
        # Twice: the first yield moves the due timers to the ready queue
        # behind this task, the second lets them run before it goes on.
        await asyncio.sleep(0)
        await hass.async_block_till_done()
        while pending := [t for t in entry._background_tasks if not t.done()]:
            await asyncio.wait(pending)
        jumps += 1
    return jumps
