"""The month's Fleet API requests of an account, and the plan for the rest.

Tesla bills by calendar month (UTC), so counts reset on the 1st. They are kept
across restarts, and so is the Retry-After of a 429, so a restart does not send
a request Tesla refused. Every hour, and whenever the options or the sites
change, what is left of the budget is spread again over the rest of the month;
the coordinators follow each new plan through plan listeners.

When Tesla switches the application off (over its billing limit), the tracker
remembers it across restarts, raises a repair and keeps the rest of the month
on the budget plan; the client's gate spaces the tries an hour apart.
"""

from collections import Counter
from collections.abc import Callable
from datetime import datetime
import time
from typing import TYPE_CHECKING, Any, TypedDict

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.event import async_track_time_interval
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from ..const import DOMAIN, LOGGER, REPLAN_INTERVAL
from ..fleet import RateLimitGate, RequestCounter
from ..fleet.ratelimit import restorable
from ..repairs import (
    async_clear,
    async_raise_application_disabled,
    async_raise_budget_exhausted,
)
from .plan import (
    PollPlan,
    budget_of,
    every,
    month_bounds,
    monthly_cost,
    plan_from_options,
)

if TYPE_CHECKING:
    from ..models import PowerwallConfigEntry

STORAGE_VERSION = 1
SAVE_DELAY_SECONDS = 30

type PlanListener = Callable[[PollPlan, bool], None]
"""Called with each plan, and whether the user chose it (take it up at once)."""


class StoredUsage(TypedDict, total=False):
    """What the store holds."""

    month: str
    sent: dict[str, int]
    billable: dict[str, int]
    blocked_until: float | None
    disabled_since: float | None
    """When Tesla switched the application off (UTC timestamp); None: it is on."""
    disabled_error: str | None
    budget_month: str | None
    """The month whose rest goes at the budget's pace, after a switch-off."""


def month_key(now: datetime) -> str:
    """Name Tesla's billing month of a moment, e.g. "2026-11"."""
    return dt_util.as_utc(now).strftime("%Y-%m")


class CostTracker:
    """Counts an account's requests of the month and plans polling to fit."""

    def __init__(
        self, hass: HomeAssistant, entry: PowerwallConfigEntry, *, simulator: bool
    ) -> None:
        """Prepare the store of the entry's Tesla account.

        Kept per Tesla account, not per config entry: requests sent for the
        account are billed whichever entry sent them, so removing and adding
        the account again must not start the month's count, or a
        Retry-After, afresh. simulator: requests go to the local simulator.
        """
        self._hass = hass
        self._entry = entry
        self._simulator = simulator
        account = entry.unique_id or entry.entry_id
        self._store: Store[StoredUsage] = Store(
            hass, STORAGE_VERSION, f"{DOMAIN}.{account}.usage"
        )
        self.month = month_key(dt_util.utcnow())
        self.sent: Counter[str] = Counter()
        self.billable: Counter[str] = Counter()
        self.blocked_until: float | None = None
        self.disabled_since: float | None = None
        self.disabled_error: str | None = None
        self.budget_month: str | None = None
        self._gate: RateLimitGate | None = None
        self._sites = 1
        self.plan = self._compute()
        self._planned_for = self._choice()
        self._listeners: list[CALLBACK_TYPE] = []
        self._plan_listeners: list[PlanListener] = []

    async def async_load(self) -> None:
        """Read what was counted before the restart, and plan for it."""
        stored = await self._store.async_load() or StoredUsage()
        if stored.get("month") == self.month:
            self.sent.update(stored.get("sent", {}))
            self.billable.update(stored.get("billable", {}))
        # A wait that has passed, or ends more than a day ahead, is dropped.
        self.blocked_until = restorable(
            stored.get("blocked_until"), dt_util.utcnow().timestamp()
        )
        disabled_since = stored.get("disabled_since")
        if isinstance(disabled_since, int | float):
            self.disabled_since = float(disabled_since)
            self.disabled_error = stored.get("disabled_error")
        self.budget_month = stored.get("budget_month")
        self.plan = self._compute()
        self._planned_for = self._choice()

    def attach(
        self, counter: RequestCounter, gate: RateLimitGate
    ) -> Callable[[], None]:
        """Count the client's requests and remember its rate limit."""
        self._gate = gate
        gate.restore(self.blocked_until)
        self.blocked_until = gate.blocked_until
        gate.add_listener(self._rate_limit_changed)
        return counter.add_listener(self._record)

    @callback
    def _record(self, endpoint: str, billable: bool) -> None:
        self._roll_month()
        self.sent[endpoint] += 1
        if billable:
            self.billable[endpoint] += 1
        self._changed()

    @callback
    def _rate_limit_changed(self, blocked_until: float | None) -> None:
        self.blocked_until = blocked_until
        self._changed()

    @callback
    def _roll_month(self) -> None:
        """Start from zero when a new billing month has begun."""
        month = month_key(dt_util.utcnow())
        if month != self.month:
            self.month = month
            self.sent.clear()
            self.billable.clear()
            self._changed()

    @property
    def total_billable(self) -> int:
        """Requests Tesla may bill this month."""
        return sum(self.billable.values())

    @property
    def budget_forced(self) -> bool:
        """Tell whether Tesla's switch-off holds this month to the budget plan."""
        return self.disabled_since is not None or self.budget_month == self.month

    def _compute(self) -> PollPlan:
        return plan_from_options(
            self._entry.options,
            self._sites,
            dt_util.utcnow(),
            self.total_billable,
            simulator=self._simulator,
            budget_forced=self.budget_forced,
        )

    def _choice(self) -> tuple[object, ...]:
        """Return what the user (or a switch-off) chose, unlike the hourly re-plan."""
        return (sorted(self._entry.options.items()), self.budget_forced)

    @callback
    def async_start(self, sites: int) -> None:
        """Plan for the entry's sites now, then again every hour."""
        self.async_replan(sites)

        @callback
        def replan(_now: datetime) -> None:
            self.async_replan()

        self._entry.async_on_unload(
            async_track_time_interval(self._hass, replan, REPLAN_INTERVAL)
        )

    @callback
    def async_replan(self, sites: int | None = None) -> None:
        """Spread what is left of the budget over the rest of the month.

        sites: the number of energy sites, when it changed.
        """
        if sites is not None:
            self._sites = sites
        self._roll_month()
        plan = self._compute()
        if plan != self.plan:
            LOGGER.debug("Polling plan: %s", plan)
        self.plan = plan
        # A plan the user chose (or a switch-off) applies from now; the hourly
        # re-plan only changes the intervals that follow.
        choice = self._choice()
        chosen = choice != self._planned_for
        self._planned_for = choice
        for plan_listener in list(self._plan_listeners):
            plan_listener(plan, chosen)
        entry_id = self._entry.entry_id
        if plan.paused:
            async_raise_budget_exhausted(
                self._hass, entry_id, self._entry.title, budget_of(self._entry.options)
            )
        else:
            async_clear(self._hass, "budget_exhausted", entry_id)
        if self.disabled_since is not None:
            async_raise_application_disabled(
                self._hass,
                entry_id,
                self._entry.title,
                self.disabled_error or "",
                every(plan.live),
            )
        else:
            async_clear(self._hass, "application_disabled", entry_id)
        self._notify()

    @callback
    def async_application_disabled(self, error: str) -> None:
        """Note that Tesla switched the application off (402, EXCEEDED_LIMIT).

        Logged and raised once; the month's rest goes at the budget's pace.
        """
        if self.disabled_since is not None:
            return
        self.disabled_since = time.time()
        self.disabled_error = error
        self.budget_month = self.month
        LOGGER.warning(
            "Tesla has switched off the Fleet API application of %s (%s): "
            "asking once an hour until Tesla answers again, and polling at the "
            "pace of the monthly budget for the rest of the month",
            self._entry.title,
            error,
        )
        self.async_replan()
        self._changed()

    @callback
    def async_application_answered(self) -> None:
        """Note a request Tesla answered: a switch-off, if any, is over."""
        if self.disabled_since is None:
            return
        gate = self._gate
        if gate and gate.blocked_until and gate.blocked_until > time.time():
            return  # another request was just refused: still off
        self.disabled_since = None
        self.disabled_error = None
        LOGGER.info(
            "Tesla answers %s again; the budget plan holds until the month ends",
            self._entry.title,
        )
        self.async_replan()
        self._changed()

    def projected_requests(self, sites: int) -> dict[str, int]:
        """Return this month's requests per endpoint: counted plus still planned."""
        now = dt_util.utcnow()
        _, month_end = month_bounds(now)
        planned = self.plan.requests((month_end - now).total_seconds(), sites)
        return {
            endpoint: self.billable.get(endpoint, 0) + planned.get(endpoint, 0)
            for endpoint in sorted(set(planned) | set(self.billable))
        }

    def projected_cost(self, sites: int) -> float:
        """Return this month's projected charge in USD after Tesla's credit."""
        return monthly_cost(sum(self.projected_requests(sites).values()))

    @callback
    def async_add_plan_listener(self, listener: PlanListener) -> CALLBACK_TYPE:
        """Call listener with each new plan; returns a function that removes it."""
        self._plan_listeners.append(listener)
        return lambda: self._plan_listeners.remove(listener)

    @callback
    def async_add_listener(self, listener: CALLBACK_TYPE) -> CALLBACK_TYPE:
        """Call listener after each count and each re-plan.

        Returns a function that removes it.
        """
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    @callback
    def _changed(self) -> None:
        self._store.async_delay_save(self._data, SAVE_DELAY_SECONDS)
        self._notify()

    @callback
    def _notify(self) -> None:
        for listener in list(self._listeners):
            listener()

    def _data(self) -> StoredUsage:
        return StoredUsage(
            month=self.month,
            sent=dict(self.sent),
            billable=dict(self.billable),
            blocked_until=self.blocked_until,
            disabled_since=self.disabled_since,
            disabled_error=self.disabled_error,
            budget_month=self.budget_month,
        )

    async def async_save(self) -> None:
        """Write now (on unload), instead of after the save delay."""
        await self._store.async_save(self._data())

    def as_dict(self) -> dict[str, Any]:
        """Return the month's counts and rate limit for diagnostics."""
        return dict(self._data())
