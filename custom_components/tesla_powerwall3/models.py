"""Runtime data of a config entry."""

from dataclasses import dataclass, field

from homeassistant.config_entries import ConfigEntry
from homeassistant.helpers.device_registry import DeviceInfo

from .coordinator import LiveCoordinator, SiteInfoCoordinator
from .fleet import EnergySiteProduct, FleetClient


@dataclass(kw_only=True)
class PowerwallSite:
    """One energy site and its coordinators."""

    site_id: int
    product: EnergySiteProduct
    live: LiveCoordinator
    info: SiteInfoCoordinator
    device: DeviceInfo


@dataclass(kw_only=True)
class PowerwallData:
    """What a loaded entry holds."""

    client: FleetClient
    sites: dict[int, PowerwallSite] = field(default_factory=dict)


type PowerwallConfigEntry = ConfigEntry[PowerwallData]
