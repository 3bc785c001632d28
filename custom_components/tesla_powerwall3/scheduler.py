"""Applying the request budget to the coordinators, hour after hour."""

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.event import async_track_time_interval
from homeassistant.util import dt as dt_util

from .budget import (
    DEFAULT_BUDGET,
    HISTORY_INTERVAL,
    SITE_INFO_INTERVAL,
    PollPlan,
    month_bounds,
    monthly_cost,
    plan_for_budget,
    plan_for_intervals,
)
from .const import (
    CONF_BUDGET,
    CONF_HISTORY_INTERVAL,
    CONF_LIVE_INTERVAL,
    CONF_MODE,
    CONF_SITE_INFO_INTERVAL,
    DEV_LIVE_INTERVAL,
    LOGGER,
    MODE_INTERVALS,
    REPLAN_INTERVAL,
)
from .repairs import async_clear, async_raise_budget_exhausted
from .usage import UsageTracker

if TYPE_CHECKING:
    from .models import PowerwallConfigEntry, PowerwallData


def plan_from_options(
    options: Mapping[str, Any],
    sites: int,
    now: datetime,
    used: int,
    *,
    simulator: bool = False,
) -> PollPlan:
    """Return the plan the entry's options ask for."""
    if options.get(CONF_MODE) == MODE_INTERVALS:
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
    return plan_for_budget(
        int(options.get(CONF_BUDGET, DEFAULT_BUDGET)), sites, now, used
    )


class PollScheduler:
    """Keeps every coordinator's interval within the month's budget."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: PowerwallConfigEntry,
        usage: UsageTracker,
        *,
        simulator: bool,
    ) -> None:
        """Plan for the entry's options (against a simulator, which costs nothing)."""
        self._hass = hass
        self._entry = entry
        self._usage = usage
        self._simulator = simulator
        self.plan = self._compute(sites=1)
        self._listeners: list[Callable[[], None]] = []

    def _compute(self, sites: int) -> PollPlan:
        return plan_from_options(
            self._entry.options,
            sites,
            dt_util.utcnow(),
            self._usage.total_billable,
            simulator=self._simulator,
        )

    @callback
    def async_start(self, data: PowerwallData) -> None:
        """Apply the plan now, then again every hour."""
        self.async_apply(data)

        @callback
        def replan(_now: datetime) -> None:
            self.async_apply(data)

        self._entry.async_on_unload(
            async_track_time_interval(self._hass, replan, REPLAN_INTERVAL)
        )

    @callback
    def async_apply(self, data: PowerwallData) -> None:
        """Re-plan for the rest of the month and set every interval."""
        self._usage.roll_month()
        plan = self._compute(sites=len(data.sites))
        if plan != self.plan:
            LOGGER.debug("Polling plan: %s", plan)
        self.plan = plan
        data.products.update_interval = plan.products
        for site in data.sites.values():
            site.live.update_interval = plan.live
            site.info.update_interval = plan.site_info
            site.history.update_interval = plan.history
        entry_id = self._entry.entry_id
        if plan.paused:
            budget = int(self._entry.options.get(CONF_BUDGET, DEFAULT_BUDGET))
            async_raise_budget_exhausted(
                self._hass, entry_id, self._entry.title, budget
            )
        else:
            async_clear(self._hass, "budget_exhausted", entry_id)
        for listener in list(self._listeners):
            listener()

    def projected_requests(self, sites: int) -> dict[str, int]:
        """Return this month's requests per endpoint: counted plus still planned."""
        now = dt_util.utcnow()
        _, month_end = month_bounds(now)
        planned = self.plan.requests((month_end - now).total_seconds(), sites)
        return {
            endpoint: self._usage.billable.get(endpoint, 0) + planned.get(endpoint, 0)
            for endpoint in sorted(set(planned) | set(self._usage.billable))
        }

    def projected_cost(self, sites: int) -> float:
        """Return this month's projected charge in USD after Tesla's credit."""
        return monthly_cost(sum(self.projected_requests(sites).values()))

    @callback
    def add_listener(self, listener: Callable[[], None]) -> Callable[[], None]:
        """Call listener after each re-plan."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)
