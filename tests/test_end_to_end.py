"""The whole path against the simulator over real HTTP: login, setup, polling."""

from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

from aiohttp import ClientSession
from aiohttp.test_utils import TestServer
from homeassistant.config_entries import SOURCE_USER, ConfigEntryState, ConfigFlowResult
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.tesla_powerwall3.const import CONF_BASE_URL, DOMAIN
from custom_components.tesla_powerwall3.urls import DEV_URL_ENV
from fleet_simulator import SimulatorConfig, create_app
from tests.common import choose_polling, state_of

pytestmark = [
    pytest.mark.usefixtures(
        "socket_enabled", "current_request_with_host", "setup_credentials"
    ),
]


@pytest.fixture
def simulator_config(request: pytest.FixtureRequest) -> SimulatorConfig:
    config: SimulatorConfig = getattr(
        request, "param", SimulatorConfig(wall_connectors=2)
    )
    return config


@pytest.fixture
async def simulator(
    monkeypatch: pytest.MonkeyPatch, simulator_config: SimulatorConfig
) -> AsyncIterator[TestServer]:
    """Run the simulator on loopback and point the integration at it."""
    server = TestServer(create_app(simulator_config), host="127.0.0.1")
    await server.start_server()
    monkeypatch.setenv(DEV_URL_ENV, str(server.make_url("")))
    yield server
    await server.close()


async def sign_in(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    base: str,
) -> ConfigFlowResult:
    """Start the flow and sign in on the simulator's page, as a user would.

    Once the sites are found, poll every minute.
    """
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    assert result["type"] is FlowResultType.EXTERNAL_STEP
    authorize = urlsplit(result["url"])
    assert f"{authorize.scheme}://{authorize.netloc}" == base
    query = {k: v[0] for k, v in parse_qs(authorize.query).items()}
    async with ClientSession() as browser:
        page = await browser.get(result["url"])
        assert "Sign in" in await page.text()
        answer = await browser.post(
            result["url"].split("?")[0],
            data={**query, "email": "owner@example.com"},
            allow_redirects=False,
        )
        back = urlsplit(answer.headers["Location"])
    client = await hass_client_no_auth()
    callback = await client.get(f"/auth/external/callback?{back.query}")
    assert callback.status == 200
    result = await hass.config_entries.flow.async_configure(result["flow_id"])
    if result.get("step_id") == "polling":
        result = await choose_polling(hass, result)
    return result


async def test_login_setup_and_poll(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    simulator: TestServer,
) -> None:
    base = str(simulator.make_url("")).rstrip("/")
    result = await sign_in(hass, hass_client_no_auth, base)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "My Home"
    entry = result["result"]
    assert entry.data[CONF_BASE_URL] == base
    await hass.async_block_till_done(wait_background_tasks=True)
    assert entry.state is ConfigEntryState.LOADED

    for sensor in ("solar_power", "battery_power", "grid_power", "home_power"):
        float(state_of(hass, f"sensor.my_home_{sensor}"))
    charge = float(state_of(hass, "sensor.my_home_battery_charge"))
    assert 0 <= charge <= 100
    async with ClientSession() as session:
        counts: dict[str, Any] = await (
            await session.get(f"{base}/sim/requests")
        ).json()
    # Login and setup: products and site_info once each in the flow and at
    # setup, one live_status, and one history request for today (this test runs
    # without the recorder, so nothing is backfilled).
    assert counts["products"] == 2
    assert counts["site_info"] == 2
    assert counts["live_status"] == 1
    assert counts["calendar_history"] == 1
    assert state_of(hass, "sensor.my_home_grid_import_today") != "unavailable"


@pytest.mark.parametrize(
    "simulator_config", [SimulatorConfig(require_registration=True)], indirect=True
)
async def test_onboarding_registers_the_domain(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    simulator_config: SimulatorConfig,
    simulator: TestServer,
) -> None:
    """Tesla answers 412 until the domain is registered from the flow."""
    base = str(simulator.make_url("")).rstrip("/")
    result = await sign_in(hass, hass_client_no_auth, base)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "register"

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"domain": "nokey.example.com"}
    )
    assert result["errors"] == {"base": "key_not_found"}

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"domain": "example.com"}
    )
    result = await choose_polling(hass, result)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done(wait_background_tasks=True)
    assert result["result"].state is ConfigEntryState.LOADED
    async with ClientSession() as session:
        counts = await (await session.get(f"{base}/sim/requests")).json()
    assert counts["partner_accounts"] == 1
    assert counts["public_key"] == 1
