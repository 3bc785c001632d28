"""Fleet API faults that setup and polling both turn into Home Assistant's outcomes."""

from typing import TYPE_CHECKING

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryAuthFailed

from .const import DOMAIN
from .fleet import NotRegisteredError
from .fleet.errors import AuthenticationError
from .repairs import async_raise_not_registered

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
