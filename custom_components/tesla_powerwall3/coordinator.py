"""Coordinators that poll the Fleet API, and their fault mapping."""

from abc import abstractmethod
import asyncio
from collections.abc import Coroutine
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, override
from zoneinfo import ZoneInfo

from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.event import async_call_later
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util import dt as dt_util

from .const import (
    CONF_BACKFILL_DAYS,
    DEFAULT_BACKFILL_DAYS,
    DOMAIN,
    LOGGER,
)
from .cost import CostTracker, PollPlan
from .energy.importer import EnergyImporter
from .energy.models import DailyEnergy, ImportResult, Progress, SiteSettings
from .energy.store import StatisticsStore
from .errors import authentication_failed, report_not_registered
from .fleet import (
    EnergySiteProduct,
    FleetClient,
    FleetError,
    LiveStatus,
    NotRegisteredError,
    RateLimitedError,
    SiteInfo,
)
from .fleet.const import REQUEST_TIMEOUT_SECONDS
from .fleet.errors import ApplicationDisabledError, AuthenticationError
from .fleet.models import site_name
from .fleet.redact import mask_id
from .repairs import async_clear

if TYPE_CHECKING:
    from .models import PowerwallConfigEntry

STOP_GRACE_SECONDS = REQUEST_TIMEOUT_SECONDS + 5
"""How long an unload lets a sync or import finish the request in flight.

Longer than a request may take, so that the request ends (or times out) and is
counted before the run stops; only a run stuck elsewhere is cancelled.
"""


class PowerwallCoordinator[DataT](DataUpdateCoordinator[DataT]):
    """Polls one Fleet API endpoint at the interval the cost plan gives it."""

    config_entry: PowerwallConfigEntry
    endpoint: str

    def __init__(
        self,
        hass: HomeAssistant,
        entry: PowerwallConfigEntry,
        client: FleetClient,
        name: str,
        cost: CostTracker,
    ) -> None:
        """Set up polling, following each new plan."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=f"{self.endpoint} {name}",
            update_interval=self._interval_in(cost.plan),
        )
        self.client = client
        self.cost = cost
        entry.async_on_unload(cost.async_add_plan_listener(self._follow_plan))

    @abstractmethod
    def _interval_in(self, plan: PollPlan) -> timedelta:
        """Return the plan's interval for this endpoint."""

    @callback
    def _follow_plan(self, plan: PollPlan, chosen: bool) -> None:
        """Take the plan's interval; a chosen plan's from now, not the old timer's."""
        interval = self._interval_in(plan)
        if interval == self.update_interval:
            return
        self.update_interval = interval
        if chosen and self._unsub_refresh is not None:
            self._schedule_refresh()

    @abstractmethod
    async def _fetch(self) -> DataT:
        """Make the request."""

    @override
    async def _async_update_data(self) -> DataT:
        """Fetch, mapping Fleet API faults to Home Assistant's conventions."""
        try:
            data = await self._fetch()
        except AuthenticationError as err:
            raise authentication_failed(err) from err
        except ApplicationDisabledError as err:
            # Not a login problem: the gate waits an hour, the entities keep
            # their last values, the repair says what to do.
            self.cost.async_application_disabled(str(err))
            if self.data is not None:
                return self.data
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="application_disabled",
                translation_placeholders={"error": str(err)},
                retry_after=err.retry_after,
            ) from err
        except RateLimitedError as err:
            if self.data is not None:
                # Keep the last values: the gate already warned once and holds
                # every request until Retry-After has passed.
                return self.data
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="rate_limited",
                translation_placeholders={"seconds": str(round(err.retry_after or 0))},
                retry_after=err.retry_after,
            ) from err
        except NotRegisteredError as err:
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="not_registered",
                translation_placeholders=report_not_registered(
                    self.hass, self.config_entry, err, self.client.base_url
                ),
            ) from err
        except FleetError as err:
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="update_failed",
                translation_placeholders={"endpoint": self.endpoint, "error": str(err)},
            ) from err
        async_clear(self.hass, "not_registered", self.config_entry.entry_id)
        self.cost.async_application_answered()
        return data


class SiteCoordinator[DataT](PowerwallCoordinator[DataT]):
    """Polls an endpoint of one energy site."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: PowerwallConfigEntry,
        client: FleetClient,
        site_id: int,
        cost: CostTracker,
    ) -> None:
        """Poll the given site; its name shows the site id masked, as in logs."""
        super().__init__(hass, entry, client, mask_id(site_id), cost)
        self.site_id = site_id


class LiveCoordinator(SiteCoordinator[LiveStatus]):
    """Polls live_status: power flows, charge, grid and Wall Connectors."""

    endpoint = "live_status"

    @override
    def _interval_in(self, plan: PollPlan) -> timedelta:
        return plan.live

    @override
    async def _fetch(self) -> LiveStatus:
        return await self.client.live_status(self.site_id)


class SiteInfoCoordinator(SiteCoordinator[SiteInfo]):
    """Polls site_info: settings and hardware, which rarely change."""

    endpoint = "site_info"

    @override
    def _interval_in(self, plan: PollPlan) -> timedelta:
        return plan.site_info

    @override
    async def _fetch(self) -> SiteInfo:
        return await self.client.site_info(self.site_id)


class ProductsCoordinator(PowerwallCoordinator[list[EnergySiteProduct]]):
    """Checks the account daily for energy sites added or removed."""

    endpoint = "products"

    @override
    def _interval_in(self, plan: PollPlan) -> timedelta:
        return plan.products

    @override
    async def _fetch(self) -> list[EnergySiteProduct]:
        return await self.client.products()


class EnergyCoordinator(SiteCoordinator[DailyEnergy]):
    """Syncs the site's hourly statistics and today's energy from calendar_history.

    It owns the site's importer and tells it, for each run, what site_info and
    the options say of the site. A run that Tesla's rate limit pauses continues
    as soon as Tesla allows, not at the next interval.
    """

    endpoint = "calendar_history"

    def __init__(
        self,
        hass: HomeAssistant,
        entry: PowerwallConfigEntry,
        client: FleetClient,
        cost: CostTracker,
        *,
        info: SiteInfoCoordinator,
        product: EnergySiteProduct,
    ) -> None:
        """Sync the energy of the site that info polls."""
        super().__init__(hass, entry, client, info.site_id, cost)
        self._info = info
        self._product = product
        self._importer = EnergyImporter(
            client, info.site_id, StatisticsStore(hass, info.site_id)
        )
        self._runs: set[asyncio.Task[Any]] = set()
        """The sync or imports running now, each in a task of the entry."""

    @property
    def progress(self) -> Progress:
        """Return how far the current (or last) import has come."""
        return self._importer.progress

    @property
    def time_zone(self) -> ZoneInfo:
        """Return the site's time zone: Tesla's days are site-local."""
        return self._importer.zone(self._settings().time_zone)

    @property
    def writes_statistics(self) -> bool:
        """Tell whether the recorder is there to keep statistics."""
        return self._importer.store.recording

    def local_today(self, now: datetime) -> date:
        """Return the site-local date of now."""
        return now.astimezone(self.time_zone).date()

    async def async_import(
        self,
        first_day: date,
        last_day: date,
        now: datetime,
        *,
        rebuild: bool = False,
        dry_run: bool = False,
    ) -> ImportResult:
        """Import a range of site-local days (the import_history service).

        Raises HomeAssistantError when the entry's unload stops the import.
        """
        job = self._importer.async_import(
            self._settings(),
            first_day,
            last_day,
            now,
            on_day=self.async_update_listeners,
            rebuild=rebuild,
            dry_run=dry_run,
        )
        try:
            return await self._async_run(job, "import")
        except asyncio.CancelledError:
            if (current := asyncio.current_task()) and current.cancelling():
                raise
            raise HomeAssistantError(
                translation_domain=DOMAIN, translation_key="import_stopped"
            ) from None

    async def _async_run[T](self, job: Coroutine[Any, Any, T], what: str) -> T:
        """Run a sync or import in a task of the entry that async_stop can end."""
        task = self.config_entry.async_create_background_task(
            self.hass, job, f"{DOMAIN} {what} {self.name}"
        )
        self._runs.add(task)
        task.add_done_callback(self._runs.discard)
        return await task

    async def async_stop(self) -> None:
        """Stop the running sync or import and wait for it: the entry unloads.

        Called before the month's request count is saved and stops listening,
        so every request the run sent is counted: the request in flight may
        finish, then the run stops without writing, and no later run sends one.
        """
        self._importer.stop()
        if not self._runs:
            return
        _, stuck = await asyncio.wait(set(self._runs), timeout=STOP_GRACE_SECONDS)
        for task in stuck:
            task.cancel()
        if stuck:
            await asyncio.wait(stuck)

    def _settings(self) -> SiteSettings:
        info = self._info.data
        return SiteSettings(
            name=site_name(info, self._product),
            time_zone=info.installation_time_zone if info else None,
            backfill_days=int(
                self.config_entry.options.get(CONF_BACKFILL_DAYS, DEFAULT_BACKFILL_DAYS)
            ),
        )

    @override
    def _interval_in(self, plan: PollPlan) -> timedelta:
        return plan.history

    @override
    async def _fetch(self) -> DailyEnergy:
        try:
            result = await self._async_run(
                self._importer.async_sync(
                    self._settings(),
                    dt_util.utcnow(),
                    on_day=self.async_update_listeners,
                ),
                "sync",
            )
        except RateLimitedError as err:
            self._resume_after(err.retry_after)
            raise
        self._resume_after(result.resume_after)
        return result.today

    def _resume_after(self, seconds: float | None) -> None:
        """Continue a paused import as soon as Tesla allows, not an hour later."""
        if seconds is None:
            return

        @callback
        def resume(_now: object) -> None:
            self.config_entry.async_create_background_task(
                self.hass, self.async_refresh(), f"resume {self.name}"
            )

        self.config_entry.async_on_unload(
            async_call_later(self.hass, seconds + 1, resume)
        )
