"""The request budget: plans that never exceed it, and what they cost."""

from datetime import UTC, datetime, timedelta

import pytest

from custom_components.tesla_powerwall3.cost.plan import (
    DEFAULT_BUDGET,
    MIN_LIVE_INTERVAL,
    month_bounds,
    monthly_cost,
    plan_for_budget,
    plan_for_intervals,
)

MONTH_STARTS = [
    datetime(2026, 2, 1, tzinfo=UTC),  # 28 days
    datetime(2026, 11, 1, tzinfo=UTC),  # 30 days
    datetime(2026, 12, 1, tzinfo=UTC),  # 31 days
]


@pytest.mark.parametrize("start", MONTH_STARTS)
@pytest.mark.parametrize("sites", [1, 2, 3, 10, 60])
def test_default_budget_holds_for_any_month_and_site_count(
    start: datetime, sites: int
) -> None:
    plan = plan_for_budget(DEFAULT_BUDGET, sites, start)
    _, end = month_bounds(start)
    requests = plan.requests((end - start).total_seconds(), sites)
    assert sum(requests.values()) <= DEFAULT_BUDGET
    assert not plan.paused
    assert plan.live >= MIN_LIVE_INTERVAL


def test_one_site_polls_live_every_thirteen_minutes_or_so() -> None:
    plan = plan_for_budget(DEFAULT_BUDGET, 1, datetime(2026, 11, 1, tzinfo=UTC))
    assert plan.live == timedelta(seconds=752)
    assert plan.site_info == timedelta(hours=1)
    assert plan.history == timedelta(hours=1)
    requests = plan.requests(30 * 86400, 1)
    assert requests == {
        "live_status": 3446,
        "site_info": 720,
        "calendar_history": 750,
        "products": 30,
    }


def test_used_requests_slow_the_rest_of_the_month() -> None:
    mid_month = datetime(2026, 11, 16, tzinfo=UTC)
    fresh = plan_for_budget(DEFAULT_BUDGET, 1, mid_month, used=2500)
    heavy = plan_for_budget(DEFAULT_BUDGET, 1, mid_month, used=4000)
    assert heavy.live > fresh.live
    _, end = month_bounds(mid_month)
    planned = heavy.requests((end - mid_month).total_seconds(), 1)
    assert 4000 + sum(planned.values()) <= DEFAULT_BUDGET


def test_exhausted_budget_pauses_until_next_month() -> None:
    now = datetime(2026, 11, 20, 6, tzinfo=UTC)
    plan = plan_for_budget(DEFAULT_BUDGET, 1, now, used=4990)
    assert plan.paused
    assert now + plan.live > datetime(2026, 12, 1, tzinfo=UTC)
    assert sum(plan.requests(10 * 86400, 1).values()) == 0


def test_tiny_budget_stretches_every_endpoint() -> None:
    plan = plan_for_budget(500, 1, datetime(2026, 11, 1, tzinfo=UTC))
    assert plan.live == plan.site_info == plan.history
    assert plan.live > timedelta(hours=1)
    assert sum(plan.requests(30 * 86400, 1).values()) <= 500


def test_explicit_intervals_never_poll_faster_than_thirty_seconds() -> None:
    plan = plan_for_intervals(
        timedelta(seconds=5), timedelta(minutes=30), timedelta(minutes=15)
    )
    assert plan.live == MIN_LIVE_INTERVAL
    assert plan.requests(86400, 1)["live_status"] == 2880


def test_month_bounds_are_utc() -> None:
    start, end = month_bounds(datetime(2026, 12, 31, 23, 59, tzinfo=UTC))
    assert (start, end) == (
        datetime(2026, 12, 1, tzinfo=UTC),
        datetime(2027, 1, 1, tzinfo=UTC),
    )


@pytest.mark.parametrize(
    ("requests", "cost"), [(0, 0.0), (5000, 0.0), (5001, 0.0), (95040, 180.08)]
)
def test_monthly_cost_after_credit(requests: int, cost: float) -> None:
    assert monthly_cost(requests) == cost
