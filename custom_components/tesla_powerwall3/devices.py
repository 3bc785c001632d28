"""The entry's devices: each site, its Wall Connectors, and the account.

The one place that registers, updates and removes them. Platforms learn of
each Wall Connector from the listeners it fires, with (site, DIN).
"""

from functools import partial

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo

from .const import DOMAIN, LOGGER, MANUFACTURER
from .fleet.discovery import DiscoveredSite
from .fleet.models import site_name
from .models import PowerwallConfigEntry, PowerwallSite


def wall_connector_identifier(din: str) -> str:
    """Return the device identifier of a Wall Connector.

    Prefixed so that it can never clash with a site's identifier.
    """
    return f"wall_connector_{din}"


def account_identifier(entry: PowerwallConfigEntry) -> str:
    """Return the device identifier of the Tesla account's service device."""
    return f"account_{entry.unique_id}"


def site_device_info(found: DiscoveredSite) -> DeviceInfo:
    """Describe the device of an energy site."""
    return DeviceInfo(
        identifiers={(DOMAIN, str(found.site_id))},
        manufacturer=MANUFACTURER,
        model=found.info.model or "Powerwall",
        name=site_name(found.info, found.product),
        sw_version=found.info.firmware,
        serial_number=found.info.gateway_id or found.product.gateway_id,
    )


def wall_connector_device_info(site: PowerwallSite, din: str) -> DeviceInfo:
    """Describe the device of a Wall Connector, below its site's."""
    serial = din.rsplit("-", 1)[-1]
    return DeviceInfo(
        identifiers={(DOMAIN, wall_connector_identifier(din))},
        manufacturer=MANUFACTURER,
        model="Wall Connector",
        name=f"Wall Connector {serial[-4:]}",
        serial_number=serial,
        via_device_id=site.device_id,
    )


def account_device_info(entry: PowerwallConfigEntry) -> DeviceInfo:
    """Describe the service device of the Tesla account (its Fleet API usage)."""
    return DeviceInfo(
        identifiers={(DOMAIN, account_identifier(entry))},
        manufacturer=MANUFACTURER,
        model="Fleet API",
        name="Tesla Fleet API",
        entry_type=DeviceEntryType.SERVICE,
    )


def _reported_wall_connectors(site: PowerwallSite) -> set[str]:
    """Return the DINs of the Wall Connectors the site reports now."""
    dins = {c.din for c in site.live.data.wall_connectors} if site.live.data else set()
    if site.info.data:
        dins.update(site.info.data.wall_connector_dins)
    return dins


class DeviceManager:
    """Keeps the device registry in step with the entry's sites."""

    def __init__(self, hass: HomeAssistant, entry: PowerwallConfigEntry) -> None:
        """Manage the devices of one entry (its runtime data holds the sites)."""
        self._hass = hass
        self._entry = entry

    @callback
    def async_add_site(self, found: DiscoveredSite) -> tuple[DeviceInfo, str]:
        """Register a site's device; return its info and registry id."""
        device = site_device_info(found)
        registered = dr.async_get(self._hass).async_get_or_create(
            config_entry_id=self._entry.entry_id, **device
        )
        return device, registered.id

    @callback
    def async_follow(self, site: PowerwallSite) -> None:
        """Add the site's Wall Connectors now, then follow its updates."""
        self._async_update_wall_connectors(site)
        for coordinator in (site.live, site.info):
            self._entry.async_on_unload(
                coordinator.async_add_listener(
                    partial(self._async_update_wall_connectors, site)
                )
            )
        self._entry.async_on_unload(
            site.info.async_add_listener(partial(self._async_update_firmware, site))
        )

    @callback
    def async_remove_site(self, site: PowerwallSite) -> None:
        """Remove a site's device and those of its Wall Connectors."""
        registry = dr.async_get(self._hass)
        for child in dr.async_entries_for_config_entry(registry, self._entry.entry_id):
            if child.via_device_id == site.device_id:
                self._remove_device(registry, child.id)
        if registry.async_get(site.device_id):
            self._remove_device(registry, site.device_id)
        site.wall_connector_dins.clear()

    def is_current_device(self, device: dr.DeviceEntry) -> bool:
        """Tell whether a device is still the account, a site or a connector."""
        current = {account_identifier(self._entry)}
        for site in self._entry.runtime_data.sites.values():
            current.add(str(site.site_id))
            current.update(map(wall_connector_identifier, site.wall_connector_dins))
        return any(
            domain == DOMAIN and ident in current
            for domain, ident in device.identifiers
        )

    @callback
    def _async_update_wall_connectors(self, site: PowerwallSite) -> None:
        """Remove the connectors that vanished, add the ones that appeared."""
        data = self._entry.runtime_data
        if site.site_id not in data.sites:
            return
        reported = _reported_wall_connectors(site)
        current = {wall_connector_identifier(din) for din in reported}
        registry = dr.async_get(self._hass)
        for device in dr.async_entries_for_config_entry(registry, self._entry.entry_id):
            if device.via_device_id != site.device_id:
                continue
            if not any(ident in current for _domain, ident in device.identifiers):
                LOGGER.info("Wall Connector %s is gone; removing it", device.name)
                self._remove_device(registry, device.id)
        site.wall_connector_dins &= reported
        for din in sorted(reported - site.wall_connector_dins):
            registry.async_get_or_create(
                config_entry_id=self._entry.entry_id,
                **wall_connector_device_info(site, din),
            )
            site.wall_connector_dins.add(din)
            for listener in list(data.wall_connector_listeners):
                listener(site, din)

    @callback
    def _async_update_firmware(self, site: PowerwallSite) -> None:
        """Show a firmware update on the site's device."""
        if site.info.data and site.info.data.firmware:
            dr.async_get(self._hass).async_update_device(
                site.device_id, sw_version=site.info.data.firmware
            )

    def _remove_device(self, registry: dr.DeviceRegistry, device_id: str) -> None:
        registry.async_update_device(
            device_id, remove_config_entry_id=self._entry.entry_id
        )
