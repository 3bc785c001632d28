"""Runtime data of a config entry."""

from collections.abc import Callable
from dataclasses import dataclass, field

from homeassistant.config_entries import ConfigEntry
from homeassistant.helpers.device_registry import DeviceInfo

from .coordinator import (
    EnergyCoordinator,
    LiveCoordinator,
    ProductsCoordinator,
    SiteInfoCoordinator,
    site_name,
)
from .fleet import EnergySiteProduct, FleetClient
from .scheduler import PollScheduler
from .usage import UsageTracker


@dataclass(kw_only=True)
class PowerwallSite:
    """One energy site and its coordinators."""

    site_id: int
    product: EnergySiteProduct
    live: LiveCoordinator
    info: SiteInfoCoordinator
    energy: EnergyCoordinator
    device: DeviceInfo
    device_id: str
    """The site's device in the registry (parent of its Wall Connectors)."""

    @property
    def name(self) -> str:
        """Return the site's name as the Tesla app shows it."""
        return site_name(self.info.data, self.product)


type SiteListener = Callable[[PowerwallSite], None]


@dataclass(kw_only=True)
class PowerwallData:
    """What a loaded entry holds."""

    client: FleetClient
    products: ProductsCoordinator
    usage: UsageTracker
    scheduler: PollScheduler
    sites: dict[int, PowerwallSite] = field(default_factory=dict)
    site_listeners: list[SiteListener] = field(default_factory=list)
    """Platforms add the entities of each site, also of sites found later."""

    def add_site_listener(self, listener: SiteListener) -> None:
        """Call listener for every current and future site."""
        self.site_listeners.append(listener)
        for site in self.sites.values():
            listener(site)


type PowerwallConfigEntry = ConfigEntry[PowerwallData]
