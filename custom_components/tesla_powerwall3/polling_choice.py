"""The polling choice of the set-up step and the options, with its figures.

Every figure shown comes from cost.project_month, the plans the coordinators
follow: there is no second formula.
"""

from collections.abc import Mapping
from typing import Any

from homeassistant.helpers.selector import (
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
)

from .const import (
    CONF_BUDGET,
    CONF_HISTORY_INTERVAL,
    CONF_LIVE_INTERVAL,
    CONF_MODE,
    CONF_SITE_INFO_INTERVAL,
    DEVELOPER_PORTAL_URL,
    MODE_BUDGET,
    MODE_EVERY_MINUTE,
    MODE_INTERVALS,
)
from .cost import (
    DAYS_IN_MONTH,
    DEFAULT_BUDGET,
    HISTORY_INTERVAL,
    MONTHLY_CREDIT,
    SITE_INFO_INTERVAL,
    every,
    project_month,
)

MODES = (MODE_EVERY_MINUTE, MODE_BUDGET, MODE_INTERVALS)
DEFAULT_LIVE_SECONDS = 600
"""Live interval the intervals mode starts from."""
DEFAULT_INTERVALS = {
    CONF_LIVE_INTERVAL: DEFAULT_LIVE_SECONDS,
    CONF_SITE_INFO_INTERVAL: int(SITE_INFO_INTERVAL.total_seconds() // 60),
    CONF_HISTORY_INTERVAL: int(HISTORY_INTERVAL.total_seconds() // 60),
}


def mode_selector() -> SelectSelector:
    """Offer the three ways to poll."""
    return SelectSelector(
        SelectSelectorConfig(
            options=list(MODES),
            translation_key=CONF_MODE,
            mode=SelectSelectorMode.LIST,
        )
    )


def choice_options(options: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Return the options of each choice, with the entry's own values if set."""
    return {
        MODE_EVERY_MINUTE: {CONF_MODE: MODE_EVERY_MINUTE},
        MODE_BUDGET: {
            CONF_MODE: MODE_BUDGET,
            CONF_BUDGET: int(options.get(CONF_BUDGET, DEFAULT_BUDGET)),
        },
        MODE_INTERVALS: {
            CONF_MODE: MODE_INTERVALS,
            **{
                key: int(options.get(key, value))
                for key, value in DEFAULT_INTERVALS.items()
            },
        },
    }


def choices_placeholders(
    options: Mapping[str, Any], sites: int, *, simulator: bool = False
) -> dict[str, str]:
    """Describe what each choice sends and costs in a 30-day month."""
    sites = max(sites, 1)
    placeholders = {
        "sites": str(sites),
        "days": str(DAYS_IN_MONTH),
        "credit": f"{MONTHLY_CREDIT:.2f}",
        "portal_url": DEVELOPER_PORTAL_URL,
    }
    for mode, choice in choice_options(options).items():
        month = project_month(choice, sites, simulator=simulator)
        placeholders |= {
            f"{mode}_live": every(month.plan.live),
            f"{mode}_requests": f"{month.total:,}",
            f"{mode}_gross": f"{month.gross:.2f}",
            f"{mode}_cost": f"{month.cost:.2f}",
        }
    return placeholders


def projection_placeholders(
    options: Mapping[str, Any], sites: int, *, simulator: bool
) -> dict[str, str]:
    """Describe the polling and cost a 30-day month of these options brings."""
    sites = max(sites, 1)
    month = project_month(options, sites, simulator=simulator)
    return {
        "sites": str(sites),
        "live": every(month.plan.live),
        "site_info": every(month.plan.site_info),
        "history": every(month.plan.history),
        "requests": f"{month.total:,}",
        "live_requests": f"{month.requests['live_status']:,}",
        "gross": f"{month.gross:.2f}",
        "credit": f"{MONTHLY_CREDIT:.2f}",
        "cost": f"{month.cost:.2f}",
    }
