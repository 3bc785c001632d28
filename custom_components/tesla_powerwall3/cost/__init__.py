"""Cost control: the polling plan, the month's requests, and Tesla's switch-off.

plan.py turns the chosen mode (every minute, a budget, intervals) into polling
intervals and monthly figures (pure arithmetic); tracker.py counts each
account's requests across restarts, re-plans as the month goes and handles an
application Tesla switched off.
"""

from .plan import (
    DAYS_IN_MONTH,
    DEFAULT_BUDGET,
    HISTORY_INTERVAL,
    MONTHLY_CREDIT,
    PRICE_PER_REQUEST,
    SITE_INFO_INTERVAL,
    MonthProjection,
    PollPlan,
    every,
    month_bounds,
    monthly_cost,
    plan_from_options,
    project_month,
)
from .tracker import CostTracker

__all__ = [
    "DAYS_IN_MONTH",
    "DEFAULT_BUDGET",
    "HISTORY_INTERVAL",
    "MONTHLY_CREDIT",
    "PRICE_PER_REQUEST",
    "SITE_INFO_INTERVAL",
    "CostTracker",
    "MonthProjection",
    "PollPlan",
    "every",
    "month_bounds",
    "monthly_cost",
    "plan_from_options",
    "project_month",
]
