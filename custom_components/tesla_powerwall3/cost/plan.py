"""Polling plans: every minute, within a monthly request budget, or at set intervals.

Pure arithmetic with no Home Assistant objects. Every minute is the default:
Tesla's and Home Assistant's documentation say energy data is free. For an
application whose usage page shows energy requests billed (Data: $0.002 each,
$10 credit a month per developer account), the budget plan spreads what is
left of the month's budget over what is left of the month, after setting aside
the requests the slower endpoints need. It re-plans as the month goes on, so
restarts and manual refreshes are absorbed instead of pushing the month over
budget.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
import math
from typing import Any

from ..const import (
    CONF_BUDGET,
    CONF_HISTORY_INTERVAL,
    CONF_LIVE_INTERVAL,
    CONF_MODE,
    CONF_SITE_INFO_INTERVAL,
    DEFAULT_MODE,
    DEV_LIVE_INTERVAL,
    MODE_BUDGET,
    MODE_EVERY_MINUTE,
    MODE_INTERVALS,
)

PRICE_PER_REQUEST = 0.002
"""Tesla's Data price in USD: $1 per 500 requests."""
MONTHLY_CREDIT = 10.0
"""USD Tesla waives per developer account and month."""

DEFAULT_BUDGET = 5000
"""Requests a month that the credit covers even if every one is billed."""
MIN_LIVE_INTERVAL = timedelta(seconds=30)
MAX_INTERVAL = timedelta(days=1)
"""Live polling never waits longer than this while the budget allows hourly."""

SITE_INFO_INTERVAL = timedelta(hours=1)
HISTORY_INTERVAL = timedelta(hours=1)
HISTORY_EXTRA_PER_DAY = 1
"""The history sync asks for yesterday too once a day, around local midnight."""
PRODUCTS_INTERVAL = timedelta(days=1)
"""How often the account is checked for added or removed sites."""
EVERY_MINUTE_LIVE = timedelta(minutes=1)
EVERY_MINUTE_HISTORY = timedelta(minutes=15)
"""Today's energy, and the statistics sync, in the every-minute plan."""
STATISTICS_OVERLAP = timedelta(hours=2)
"""The statistics sync reads its two newest hours again (energy.importer.OVERLAP).

So every sync in the two hours after local midnight asks for yesterday too.
"""
DAYS_IN_MONTH = 30
"""The figures shown to the user are for a 30-day month."""
PROJECTION_MONTH = datetime(2026, 11, 1, tzinfo=UTC)
"""A 30-day month (November): the budget spread the figures shown assume."""
ENDPOINTS = ("live_status", "site_info", "calendar_history", "products")
RESERVE_SHARE = 0.01
"""Part of the budget kept back for restarts (each costs a few requests)."""


@dataclass(frozen=True, slots=True)
class PollPlan:
    """Intervals for every endpoint, and what they cost."""

    live: timedelta
    site_info: timedelta
    history: timedelta
    products: timedelta
    paused: bool = False
    """True when the budget is used up: nothing is polled until next month."""
    history_extra_per_day: int = HISTORY_EXTRA_PER_DAY
    """calendar_history requests a day beyond one per sync (yesterday's again)."""

    def requests(self, seconds: float, sites: int) -> dict[str, int]:
        """Return the requests this plan makes in `seconds` for `sites` sites."""
        days = seconds / 86400

        def per(interval: timedelta, count: int) -> int:
            return count * math.floor(seconds / interval.total_seconds())

        if self.paused:
            return dict.fromkeys(ENDPOINTS, 0)
        return {
            "live_status": per(self.live, sites),
            "site_info": per(self.site_info, sites),
            "calendar_history": per(self.history, sites)
            + sites * math.floor(days * self.history_extra_per_day),
            "products": per(self.products, 1),
        }


def every(interval: timedelta) -> str:
    """Write an interval as people read it, e.g. "12 min 32 s"."""
    hours, rest = divmod(int(interval.total_seconds()), 3600)
    minutes, seconds = divmod(rest, 60)
    parts = [(hours, "h"), (minutes, "min"), (seconds, "s")]
    return " ".join(f"{value} {unit}" for value, unit in parts if value) or "0 s"


def month_bounds(now: datetime) -> tuple[datetime, datetime]:
    """Return the start and end of Tesla's billing month (UTC) around now."""
    start = now.astimezone(UTC).replace(
        day=1, hour=0, minute=0, second=0, microsecond=0
    )
    end = (start + timedelta(days=32)).replace(day=1)
    return start, end


def plan_for_budget(budget: int, sites: int, now: datetime, used: int = 0) -> PollPlan:
    """Spread the rest of this month's budget over the rest of the month."""
    sites = max(sites, 1)
    _, month_end = month_bounds(now)
    seconds_left = max((month_end - now).total_seconds(), 1.0)
    available = budget - used - math.ceil(budget * RESERVE_SHARE)

    slow = PollPlan(
        live=MAX_INTERVAL,
        site_info=SITE_INFO_INTERVAL,
        history=HISTORY_INTERVAL,
        products=PRODUCTS_INTERVAL,
    )
    fixed = sum(slow.requests(seconds_left, sites).values()) - sites * math.floor(
        seconds_left / MAX_INTERVAL.total_seconds()
    )
    for_live = available - fixed
    hours_left = seconds_left / 3600
    if for_live >= sites * hours_left:
        live_seconds = seconds_left * sites / for_live
        return PollPlan(
            live=max(MIN_LIVE_INTERVAL, timedelta(seconds=math.ceil(live_seconds))),
            site_info=SITE_INFO_INTERVAL,
            history=HISTORY_INTERVAL,
            products=PRODUCTS_INTERVAL,
        )
    # Too small a budget for hourly polling: stretch live, site_info and the
    # history sync alike, keeping one daily products check.
    days_left = math.floor(seconds_left / 86400)
    per_endpoint = (available - days_left * (1 + sites * HISTORY_EXTRA_PER_DAY)) / (
        3 * sites
    )
    if per_endpoint < 1:
        until_next_month = timedelta(seconds=math.ceil(seconds_left) + 60)
        return PollPlan(
            live=until_next_month,
            site_info=until_next_month,
            history=until_next_month,
            products=until_next_month,
            paused=True,
        )
    interval = timedelta(seconds=math.ceil(seconds_left / per_endpoint))
    return PollPlan(
        live=interval, site_info=interval, history=interval, products=PRODUCTS_INTERVAL
    )


def plan_for_intervals(
    live: timedelta, site_info: timedelta, history: timedelta
) -> PollPlan:
    """Use intervals the user chose (live no faster than 30 seconds)."""
    return PollPlan(
        live=max(live, MIN_LIVE_INTERVAL),
        site_info=site_info,
        history=history,
        products=PRODUCTS_INTERVAL,
    )


def monthly_cost(requests: int) -> float:
    """Return what Tesla would charge in USD, after the monthly credit."""
    return max(0.0, round(requests * PRICE_PER_REQUEST - MONTHLY_CREDIT, 2))


def syncs_after_midnight(history: timedelta) -> int:
    """Return how many syncs a day ask for yesterday too (within the overlap)."""
    return int(STATISTICS_OVERLAP / history) + 1


def plan_every_minute() -> PollPlan:
    """Live data every minute, today's energy every 15, site settings hourly."""
    return PollPlan(
        live=EVERY_MINUTE_LIVE,
        site_info=SITE_INFO_INTERVAL,
        history=EVERY_MINUTE_HISTORY,
        products=PRODUCTS_INTERVAL,
        history_extra_per_day=syncs_after_midnight(EVERY_MINUTE_HISTORY),
    )


def plan_from_options(
    options: Mapping[str, Any],
    sites: int,
    now: datetime,
    used: int,
    *,
    simulator: bool,
    budget_forced: bool = False,
) -> PollPlan:
    """Return the plan the entry's options ask for.

    simulator: the requests go to the local simulator, which bills nothing.
    budget_forced: Tesla switched the application off this month for going
    over its billing limit, so energy requests are billed: whatever the mode,
    the rest of the month goes at the pace of the default budget.
    """
    mode = options.get(CONF_MODE, DEFAULT_MODE)
    if budget_forced and mode != MODE_BUDGET:
        month_start, _ = month_bounds(now)
        return plan_for_budget(DEFAULT_BUDGET, sites, month_start)
    if mode == MODE_INTERVALS:
        return plan_for_intervals(
            live=timedelta(seconds=options[CONF_LIVE_INTERVAL]),
            site_info=timedelta(minutes=options[CONF_SITE_INFO_INTERVAL]),
            history=timedelta(minutes=options[CONF_HISTORY_INTERVAL]),
        )
    if CONF_MODE not in options and simulator:
        # The simulator costs nothing: show values that change quickly.
        return plan_for_intervals(
            DEV_LIVE_INTERVAL, SITE_INFO_INTERVAL, HISTORY_INTERVAL
        )
    if mode == MODE_EVERY_MINUTE:
        return plan_every_minute()
    return plan_for_budget(budget_of(options), sites, now, used)


def budget_of(options: Mapping[str, Any]) -> int:
    """Return the monthly request budget the options set."""
    return int(options.get(CONF_BUDGET, DEFAULT_BUDGET))


@dataclass(frozen=True, slots=True)
class MonthProjection:
    """What a 30-day month of a plan sends, and what it costs if billed."""

    plan: PollPlan
    requests: dict[str, int]

    @property
    def total(self) -> int:
        """Return the requests of the month."""
        return sum(self.requests.values())

    @property
    def gross(self) -> float:
        """Return the USD Tesla would bill before its monthly credit."""
        return round(self.total * PRICE_PER_REQUEST, 2)

    @property
    def cost(self) -> float:
        """Return the USD Tesla would charge after its monthly credit."""
        return monthly_cost(self.total)


def project_month(
    options: Mapping[str, Any], sites: int, *, simulator: bool = False
) -> MonthProjection:
    """Return a 30-day month of these options, from its first day.

    The one source of the figures the set-up step, the options and the README
    show; the usage sensors use the same plans and PollPlan.requests.
    """
    sites = max(sites, 1)
    plan = plan_from_options(
        options, sites, PROJECTION_MONTH, used=0, simulator=simulator
    )
    return MonthProjection(plan, plan.requests(DAYS_IN_MONTH * 86400, sites))
