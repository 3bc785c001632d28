"""Coordinators that poll the Fleet API, and their fault mapping."""

from abc import abstractmethod
from datetime import timedelta
from typing import TYPE_CHECKING, override

from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers.event import async_call_later
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util import dt as dt_util

from .const import CONF_BASE_URL, DOMAIN, LOGGER
from .cost import CostTracker, PollPlan
from .fleet import (
    EnergySiteProduct,
    FleetClient,
    FleetError,
    LiveStatus,
    NotRegisteredError,
    RateLimitedError,
    SiteInfo,
    WrongRegionError,
)
from .fleet.errors import ApplicationDisabledError, AuthenticationError
from .history_sync import DailyEnergy, SiteHistory
from .repairs import async_clear, async_raise_not_registered

if TYPE_CHECKING:
    from .models import PowerwallConfigEntry


def authentication_failed(err: AuthenticationError) -> ConfigEntryAuthFailed:
    """Return the exception that starts reauthentication."""
    return ConfigEntryAuthFailed(
        translation_domain=DOMAIN,
        translation_key="authentication_failed",
        translation_placeholders={"error": str(err)},
    )


def report_not_registered(
    hass: HomeAssistant,
    entry: PowerwallConfigEntry,
    err: NotRegisteredError,
    base_url: str,
) -> dict[str, str]:
    """Raise the repair issue for a 412; return the error's placeholders."""
    region_url = err.region_url or base_url
    async_raise_not_registered(hass, entry.entry_id, entry.title, region_url)
    return {"region_url": region_url}


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
            data = await self._fetch_in_right_region()
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

    async def _fetch_in_right_region(self) -> DataT:
        """Fetch; on a 421 move to the region Tesla names, remember it, retry once."""
        try:
            return await self._fetch()
        except WrongRegionError as err:
            if not self.client.follow_region(err):
                raise
            LOGGER.info("Tesla moved the account to %s", self.client.base_url)
            self.hass.config_entries.async_update_entry(
                self.config_entry,
                data={**self.config_entry.data, CONF_BASE_URL: self.client.base_url},
            )
            return await self._fetch()


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
        """Poll the given site."""
        super().__init__(hass, entry, client, str(site_id), cost)
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


class HistoryCoordinator(SiteCoordinator[DailyEnergy]):
    """Syncs the site's hourly statistics and today's energy from calendar_history."""

    endpoint = "calendar_history"

    def __init__(
        self,
        hass: HomeAssistant,
        entry: PowerwallConfigEntry,
        history: SiteHistory,
        cost: CostTracker,
    ) -> None:
        """Sync one site's history."""
        super().__init__(hass, entry, history.client, history.site_id, cost)
        self.history = history
        history.on_progress = self.async_update_listeners

    @override
    def _interval_in(self, plan: PollPlan) -> timedelta:
        return plan.history

    @override
    async def _fetch(self) -> DailyEnergy:
        try:
            return await self.history.async_sync(dt_util.utcnow())
        finally:
            if (wait := self.history.resume_after) is not None:
                self._resume_in(wait)

    def _resume_in(self, seconds: float) -> None:
        """Continue a paused import as soon as Tesla allows, not an hour later."""

        @callback
        def resume(_now: object) -> None:
            self.config_entry.async_create_background_task(
                self.hass, self.async_refresh(), f"resume {self.name}"
            )

        self.config_entry.async_on_unload(
            async_call_later(self.hass, seconds + 1, resume)
        )
