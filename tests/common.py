"""Helpers shared by the tests."""

import base64
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
import json
from pathlib import Path
import re
import time
from typing import Any
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

FIXTURES = Path(__file__).parent / "fixtures"

NA_URL = "https://fleet-api.prd.na.vn.cloud.tesla.com"
EU_URL = "https://fleet-api.prd.eu.vn.cloud.tesla.com"
TOKEN_URL = "https://fleet-auth.prd.vn.cloud.tesla.com/oauth2/v3/token"
AUTHORIZE_URL = "https://auth.tesla.com/oauth2/v3/authorize"
ACCOUNT_ID = "9f3c2a44-1d7b-4a7e-9d3b-1c0e2f5a6b7c"
SITE_ID = 1234
CLIENT_ID = "client-id"
CLIENT_SECRET = "client-secret"

LIVE_CAPTURES = [
    "live_status_real_2023-11-06_charging_wc_plugged",
    "live_status_real_2023-11-06_exporting",
    "live_status_real_2023-12-17_off_grid_intentional",
    "live_status_bolt_sdk_sample",
]
"""Real live_status answers, each a different moment of a site's day."""


def load_payload(name: str) -> dict[str, Any]:
    """Load a real Fleet API body from tests/fixtures/fleet."""
    payload: dict[str, Any] = json.loads(
        (FIXTURES / "fleet" / f"{name}.json").read_text()
    )
    return payload


def make_jwt(**claims: Any) -> str:
    """Build an unsigned JWT with the given claims (Tesla-like defaults)."""
    payload = {
        "iss": "https://fleet-auth.prd.vn.cloud.tesla.com/oauth2/v3/nts",
        "sub": ACCOUNT_ID,
        "aud": [NA_URL, TOKEN_URL],
        "scp": ["openid", "offline_access", "energy_device_data"],
        "ou_code": "NA",
        "iat": int(time.time()),
        "exp": int(time.time()) + 28800,
    }
    payload.update(claims)
    payload = {key: value for key, value in payload.items() if value is not None}

    def segment(data: dict[str, Any] | bytes) -> str:
        raw = data if isinstance(data, bytes) else json.dumps(data).encode()
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    return ".".join(
        (segment({"alg": "RS256", "typ": "JWT"}), segment(payload), segment(b"sig"))
    )


def state_of(hass: HomeAssistant, entity_id: str) -> str:
    """Return an entity's state, failing when the entity does not exist."""
    state = hass.states.get(entity_id)
    assert state is not None, f"{entity_id} does not exist"
    return state.state


def site_url(site_id: int, name: str, base: str = NA_URL) -> str:
    """Return the URL of a site endpoint."""
    return f"{base}/api/1/energy_sites/{site_id}/{name}"


def mock_site(
    mock: Any,
    base: str = NA_URL,
    live: str | dict[str, Any] = "live_status_real_2023-11-06_exporting",
    products: dict[str, Any] | None = None,
    *,
    repeat: bool = False,
) -> None:
    """Mock products, site_info and live_status of the one-site account (1234).

    With repeat, the site answers every poll the same, not just the first.
    """
    mock.get(
        f"{base}/api/1/products",
        payload=products or load_payload("products_real_2024-04-12"),
    )
    mock.get(
        site_url(1234, "site_info", base),
        payload=load_payload("site_info_bolt_sdk_sample"),
        repeat=repeat,
    )
    mock.get(
        site_url(1234, "live_status", base),
        payload=load_payload(live) if isinstance(live, str) else live,
        repeat=repeat,
    )
    mock_history(mock, base)


def mock_history(
    mock: Any, base: str = NA_URL, site_id: int = 1234, series: Any = None
) -> None:
    """Answer every calendar_history request of a site (an empty day by default)."""
    mock.get(
        re.compile(re.escape(site_url(site_id, "calendar_history", base)) + r"\?.*"),
        payload={
            "response": {
                "period": "day",
                "installation_time_zone": "America/Los_Angeles",
                "time_series": series,
            }
        },
        repeat=True,
    )


async def setup_entry(hass: HomeAssistant, entry: Any) -> None:
    """Add (if needed) and set up a config entry."""
    if hass.config_entries.async_get_entry(entry.entry_id) is None:
        entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()


def requests_to(mock: Any, fragment: str) -> int:
    """Count the mocked requests whose URL contains fragment."""
    return sum(
        len(calls) for (_, url), calls in mock.requests.items() if fragment in str(url)
    )


def two_wall_connectors() -> dict[str, Any]:
    """Return a real live_status with a second, charging Wall Connector added."""
    live = load_payload("live_status_real_2023-11-06_charging_wc_plugged")
    live["response"]["wall_connectors"].append(
        {
            "din": "1457768-02-G--B7S12345J99999",
            "wall_connector_fault_state": 4,
            "wall_connector_power": 7200.5,
            "wall_connector_state": 1,
            "vin": "5YJ3E1EA0KF000001",
        }
    )
    return live


def entity_summary(
    hass: HomeAssistant, entity_registry: er.EntityRegistry, entry_id: str
) -> dict[str, str]:
    """Each entity of an entry as "state unit @ device", for compact snapshots.

    The registry entries do not change with the payload: one full
    `snapshot_platform` holds them, and other payloads compare only this.
    """
    devices = dr.async_get(hass)
    summary: dict[str, str] = {}
    for entry in er.async_entries_for_config_entry(entity_registry, entry_id):
        state = hass.states.get(entry.entity_id)
        device = devices.async_get(entry.device_id) if entry.device_id else None
        shown = "absent" if state is None else state.state
        unit = state.attributes.get("unit_of_measurement") if state else None
        where = device.name if device else None
        summary[entry.entity_id] = f"{shown}{f' {unit}' if unit else ''} @ {where}"
    return dict(sorted(summary.items()))


@contextmanager
def only_platforms(*platforms: Platform) -> Iterator[None]:
    """Set up only the given platforms of the integration."""
    with patch("custom_components.tesla_powerwall3.PLATFORMS", list(platforms)):
        yield


async def tick(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, interval: timedelta
) -> None:
    """Move the clock on and let every timer that came due run."""
    freezer.tick(interval)
    async_fire_time_changed(hass)
    await hass.async_block_till_done()


def live_interval(entry: MockConfigEntry) -> timedelta:
    """Return the interval of the entry's first site's live coordinator."""
    interval: timedelta | None = entry.runtime_data.sites[1234].live.update_interval
    assert interval is not None
    return interval


async def next_poll(
    hass: HomeAssistant, entry: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    """Move the clock to the next live poll and let it run."""
    freezer.tick(live_interval(entry) + timedelta(seconds=1))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()


async def choose_polling(
    hass: HomeAssistant, result: Any, mode: str = "every_minute"
) -> Any:
    """Answer the set-up step that asks how to poll, once the sites are found."""
    assert result["step_id"] == "polling", result
    return await hass.config_entries.flow.async_configure(
        result["flow_id"], {"mode": mode}
    )


def on_budget(hass: HomeAssistant, entry: Any, **options: Any) -> None:
    """Add the entry (if needed) on the monthly budget plan, with more options."""
    if hass.config_entries.async_get_entry(entry.entry_id) is None:
        entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(entry, options={"mode": "budget", **options})


NOT_BARE_DOMAINS = [
    "",
    " ",
    "not a domain",
    "localhost",
    "127.0.0.1",
    "-a.example.com",
    "a_b.com",
    "example.com?x",
    "example.com#x",
    "https://example.com?x",
    "example.com:443",
    "https://example.com:8443/",
    "user@example.com",
    "https://user:pw@example.com/",
    "example.com\\x",
    "example..com",
    ".example.com",
    "example.com\n/x",
    "example.com\r\n/x",
    "exampl\u212a.com",
    "b\u00fccher.example",
    "a" * 64 + ".com",
    ("a" * 60 + ".") * 5 + "com",
]
"""Not a bare DNS name: what the config flow and keyhost refuse as a domain."""
