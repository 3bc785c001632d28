"""Coordinators that poll one energy site each, and their fault mapping."""

from abc import abstractmethod
from datetime import timedelta
from typing import TYPE_CHECKING, override

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed

from .const import (
    CONF_BASE_URL,
    DEV_LIVE_INTERVAL,
    DOMAIN,
    LIVE_INTERVAL,
    LOGGER,
    SITE_INFO_INTERVAL,
)
from .fleet import (
    FleetClient,
    FleetError,
    LiveStatus,
    NotRegisteredError,
    RateLimitedError,
    SiteInfo,
    WrongRegionError,
)
from .fleet.errors import AuthenticationError
from .urls import dev_url

if TYPE_CHECKING:
    from .models import PowerwallConfigEntry


class PowerwallCoordinator[DataT](DataUpdateCoordinator[DataT]):
    """Polls one Fleet API endpoint for one site."""

    config_entry: PowerwallConfigEntry

    def __init__(
        self,
        hass: HomeAssistant,
        entry: PowerwallConfigEntry,
        client: FleetClient,
        site_id: int,
        update_interval: timedelta,
    ) -> None:
        """Set up polling for a site."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=f"{DOMAIN} {self.endpoint} {site_id}",
            update_interval=update_interval,
        )
        self.client = client
        self.site_id = site_id

    @property
    @abstractmethod
    def endpoint(self) -> str:
        """Name the endpoint this coordinator polls."""

    @abstractmethod
    async def _fetch(self) -> DataT:
        """Make the request."""

    @override
    async def _async_update_data(self) -> DataT:
        """Fetch, mapping Fleet API faults to Home Assistant's conventions."""
        try:
            return await self._fetch_in_right_region()
        except AuthenticationError as err:
            raise ConfigEntryAuthFailed(
                translation_domain=DOMAIN,
                translation_key="authentication_failed",
                translation_placeholders={"error": str(err)},
            ) from err
        except RateLimitedError as err:
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
                translation_placeholders={"region_url": err.region_url or "-"},
            ) from err
        except FleetError as err:
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="update_failed",
                translation_placeholders={"endpoint": self.endpoint, "error": str(err)},
            ) from err

    async def _fetch_in_right_region(self) -> DataT:
        """Fetch; on a 421 move to the region Tesla names, remember it, retry once."""
        try:
            return await self._fetch()
        except WrongRegionError as err:
            if not err.base_url or err.base_url.rstrip("/") == self.client.base_url:
                raise
            self.client.base_url = err.base_url.rstrip("/")
            LOGGER.info("Tesla moved the account to %s", self.client.base_url)
            self.hass.config_entries.async_update_entry(
                self.config_entry,
                data={**self.config_entry.data, CONF_BASE_URL: self.client.base_url},
            )
            return await self._fetch()


class LiveCoordinator(PowerwallCoordinator[LiveStatus]):
    """Polls live_status: power flows, charge and grid state."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: PowerwallConfigEntry,
        client: FleetClient,
        site_id: int,
    ) -> None:
        """Poll at the default live interval (faster against the simulator)."""
        interval = DEV_LIVE_INTERVAL if dev_url() else LIVE_INTERVAL
        super().__init__(hass, entry, client, site_id, interval)

    @property
    @override
    def endpoint(self) -> str:
        return "live_status"

    @override
    async def _fetch(self) -> LiveStatus:
        return await self.client.live_status(self.site_id)


class SiteInfoCoordinator(PowerwallCoordinator[SiteInfo]):
    """Polls site_info: settings and hardware, which rarely change."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: PowerwallConfigEntry,
        client: FleetClient,
        site_id: int,
    ) -> None:
        """Poll hourly."""
        super().__init__(hass, entry, client, site_id, SITE_INFO_INTERVAL)

    @property
    @override
    def endpoint(self) -> str:
        return "site_info"

    @override
    async def _fetch(self) -> SiteInfo:
        return await self.client.site_info(self.site_id)
