"""The month's Fleet API requests of an account, and the plan for the rest.

Tesla bills by calendar month (UTC), so counts reset on the 1st. They are kept
across restarts, and so is the Retry-After of a 429, so a restart does not send
a request Tesla refused. Every hour, and whenever the options or the sites
change, what is left of the budget is spread again over the rest of the month;
the coordinators follow each new plan through plan listeners.
"""

from collections import Counter
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypedDict

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.event import async_track_time_interval
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from ..const import DOMAIN, LOGGER, REPLAN_INTERVAL
from ..fleet import RateLimitGate, RequestCounter
from ..fleet.ratelimit import restorable
from ..repairs import async_clear, async_raise_budget_exhausted
from .plan import PollPlan, budget_of, month_bounds, monthly_cost, plan_from_options

if TYPE_CHECKING:
    from ..models import PowerwallConfigEntry

STORAGE_VERSION = 1
SAVE_DELAY_SECONDS = 30

type PlanListener = Callable[[PollPlan], None]


class StoredUsage(TypedDict, total=False):
    """What the store holds."""

    month: str
    sent: dict[str, int]
    billable: dict[str, int]
    blocked_until: float | None


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
        self._sites = 1
        self.plan = self._compute()
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
        self.plan = self._compute()

    def attach(
        self, counter: RequestCounter, gate: RateLimitGate
    ) -> Callable[[], None]:
        """Count the client's requests and remember its rate limit."""
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

    def _compute(self) -> PollPlan:
        return plan_from_options(
            self._entry.options,
            self._sites,
            dt_util.utcnow(),
            self.total_billable,
            simulator=self._simulator,
        )

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
        for plan_listener in list(self._plan_listeners):
            plan_listener(plan)
        entry_id = self._entry.entry_id
        if plan.paused:
            async_raise_budget_exhausted(
                self._hass, entry_id, self._entry.title, budget_of(self._entry.options)
            )
        else:
            async_clear(self._hass, "budget_exhausted", entry_id)
        self._notify()

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
        )

    async def async_save(self) -> None:
        """Write now (on unload), instead of after the save delay."""
        await self._store.async_save(self._data())

    def as_dict(self) -> dict[str, Any]:
        """Return the month's counts and rate limit for diagnostics."""
        return dict(self._data())
