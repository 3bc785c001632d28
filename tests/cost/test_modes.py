"""The three polling modes, the forced budget and the figures of a month."""

from datetime import UTC, datetime, timedelta

import pytest

from custom_components.tesla_powerwall3.cost.plan import (
    DEFAULT_BUDGET,
    EVERY_MINUTE_HISTORY,
    STATISTICS_OVERLAP,
    every,
    plan_every_minute,
    plan_for_budget,
    plan_from_options,
    project_month,
    syncs_after_midnight,
)
from custom_components.tesla_powerwall3.energy.importer import OVERLAP

NOW = datetime(2026, 11, 16, 12, tzinfo=UTC)
CORE_TESLA_FLEET_MONTH = 95_038
"""Core tesla_fleet's energy-site requests in a 30-day month (fleet-api.md 3.3)."""


def test_every_minute_is_the_default() -> None:
    plan = plan_from_options({}, 1, NOW, used=0, simulator=False)
    assert plan == plan_every_minute()
    assert plan.live == timedelta(minutes=1)
    assert plan.history == timedelta(minutes=15)
    assert plan.site_info == timedelta(hours=1)
    assert plan.products == timedelta(days=1)
    assert not plan.paused


def test_a_month_every_minute() -> None:
    month = project_month({"mode": "every_minute"}, 1)
    assert month.requests == {
        "live_status": 43_200,  # 60 s
        # Every 15 min, and yesterday again in the 9 syncs of the two hours
        # after local midnight (the statistics overlap).
        "calendar_history": 30 * (96 + 9),
        "site_info": 720,
        "products": 30,
    }
    assert month.total == 47_100
    assert month.total <= 47_500
    assert month.total < CORE_TESLA_FLEET_MONTH / 2
    assert (month.gross, month.cost) == (94.20, 84.20)
    assert project_month({"mode": "every_minute"}, 2).total == 94_170


def test_midnight_syncs_follow_the_statistics_overlap() -> None:
    assert STATISTICS_OVERLAP == OVERLAP
    assert syncs_after_midnight(EVERY_MINUTE_HISTORY) == 9
    assert syncs_after_midnight(timedelta(hours=1)) == 3


def test_budget_and_intervals_are_as_before() -> None:
    budget = project_month({"mode": "budget"}, 1)
    assert budget.plan.live == timedelta(seconds=752)
    assert (budget.total, budget.cost) == (4946, 0.0)
    assert budget.plan == plan_for_budget(
        DEFAULT_BUDGET, 1, datetime(2026, 11, 1, tzinfo=UTC)
    )
    intervals = project_month(
        {
            "mode": "intervals",
            "live_interval": 60,
            "site_info_interval": 60,
            "history_interval": 60,
        },
        1,
    )
    assert (intervals.total, intervals.cost) == (44_700, 79.40)


def test_an_unknown_mode_stays_within_the_budget() -> None:
    plan = plan_from_options({"mode": "turbo"}, 1, NOW, used=0, simulator=False)
    assert plan == plan_for_budget(DEFAULT_BUDGET, 1, NOW)


def test_the_simulator_polls_fast_unless_a_mode_is_set() -> None:
    assert plan_from_options({}, 1, NOW, 0, simulator=True).live == timedelta(
        seconds=30
    )
    chosen = plan_from_options({"mode": "every_minute"}, 1, NOW, 0, simulator=True)
    assert chosen.live == timedelta(minutes=1)


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"mode": "every_minute"},
        {
            "mode": "intervals",
            "live_interval": 30,
            "site_info_interval": 10,
            "history_interval": 15,
        },
    ],
)
def test_forced_budget_goes_at_the_default_budgets_pace(
    options: dict[str, object],
) -> None:
    """After Tesla switched the application off: the month's rest, whatever the mode."""
    plan = plan_from_options(
        options, 1, NOW, used=20_000, simulator=False, budget_forced=True
    )
    assert plan == plan_for_budget(DEFAULT_BUDGET, 1, datetime(2026, 11, 1, tzinfo=UTC))
    assert plan.live == timedelta(seconds=752)
    assert not plan.paused


def test_forced_budget_keeps_a_budget_entrys_own_plan() -> None:
    options = {"mode": "budget", "monthly_budget": 3000}
    forced = plan_from_options(
        options, 1, NOW, used=100, simulator=False, budget_forced=True
    )
    assert forced == plan_from_options(options, 1, NOW, used=100, simulator=False)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0 s"),
        (60, "1 min"),
        (752, "12 min 32 s"),
        (3600, "1 h"),
        (3661, "1 h 1 min 1 s"),
    ],
)
def test_intervals_as_people_read_them(seconds: int, text: str) -> None:
    assert every(timedelta(seconds=seconds)) == text
