"""Cost control: the month's request budget, what was spent, and the polling plan.

plan.py turns a budget into polling intervals (pure arithmetic); tracker.py
counts each account's requests across restarts and re-plans as the month goes.
"""

from .plan import (
    DEFAULT_BUDGET,
    HISTORY_INTERVAL,
    MONTHLY_CREDIT,
    PRICE_PER_REQUEST,
    SITE_INFO_INTERVAL,
    PollPlan,
    month_bounds,
    monthly_cost,
    plan_from_options,
)
from .tracker import CostTracker

__all__ = [
    "DEFAULT_BUDGET",
    "HISTORY_INTERVAL",
    "MONTHLY_CREDIT",
    "PRICE_PER_REQUEST",
    "SITE_INFO_INTERVAL",
    "CostTracker",
    "PollPlan",
    "month_bounds",
    "monthly_cost",
    "plan_from_options",
]
