"""Runtime data of a config entry."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from homeassistant.config_entries import ConfigEntry
from homeassistant.helpers.device_registry import DeviceInfo

from .coordinator import (
    EnergyCoordinator,
    LiveCoordinator,
    ProductsCoordinator,
    SiteInfoCoordinator,
)
from .cost import CostTracker
from .fleet import EnergySiteProduct, FleetClient
from .fleet.models import site_name

if TYPE_CHECKING:
    from .devices import DeviceManager


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
    wall_connector_dins: set[str] = field(default_factory=set)
    """The site's Wall Connectors that have a device, by DIN."""
    unknown_codes: set[tuple[str, object]] = field(default_factory=set)
    """Tesla codes no option names, by sensor key: each is logged once."""

    @property
    def name(self) -> str:
        """Return the site's name as the Tesla app shows it."""
        return site_name(self.info.data, self.product)


type SiteListener = Callable[[PowerwallSite], None]
type WallConnectorListener = Callable[[PowerwallSite, str], None]


@dataclass(kw_only=True)
class PowerwallData:
    """What a loaded entry holds."""

    client: FleetClient
    products: ProductsCoordinator
    cost: CostTracker
    devices: DeviceManager
    sites: dict[int, PowerwallSite] = field(default_factory=dict)
    site_listeners: list[SiteListener] = field(default_factory=list)
    """Platforms add the entities of each site, also of sites found later."""
    wall_connector_listeners: list[WallConnectorListener] = field(default_factory=list)
    """Platforms add the entities of each Wall Connector, also of later ones."""

    def add_site_listener(self, listener: SiteListener) -> None:
        """Call listener for every current and future site."""
        self.site_listeners.append(listener)
        for site in self.sites.values():
            listener(site)

    def add_wall_connector_listener(self, listener: WallConnectorListener) -> None:
        """Call listener with (site, DIN) for every current and future connector."""
        self.wall_connector_listeners.append(listener)
        for site in self.sites.values():
            for din in sorted(site.wall_connector_dins):
                listener(site, din)


type PowerwallConfigEntry = ConfigEntry[PowerwallData]
