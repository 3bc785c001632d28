"""Tesla's OAuth token requests: they carry the client secret, so follow no redirect."""

from aioresponses import aioresponses
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.tesla_powerwall3.const import DOMAIN
from tests.common import TOKEN_URL, make_jwt, mock_site, requests_to, setup_entry
from tests.conftest import token_data

pytestmark = pytest.mark.usefixtures("setup_credentials")

ELSEWHERE = "https://elsewhere.example.com/oauth2/v3/token"


async def _expired(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        entry, data={**entry.data, "token": token_data(expires_in=-60)}
    )


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
async def test_a_refresh_follows_no_redirect(
    hass: HomeAssistant,
    aioresponses_mock: aioresponses,
    config_entry: MockConfigEntry,
    status: int,
) -> None:
    """The refresh token and client secret never reach the host a 3xx names."""
    await _expired(hass, config_entry)
    aioresponses_mock.post(TOKEN_URL, status=status, headers={"Location": ELSEWHERE})
    stolen = {"access_token": make_jwt(iat=9), "refresh_token": "x", "expires_in": 1}
    aioresponses_mock.post(ELSEWHERE, payload=stolen)
    aioresponses_mock.get(ELSEWHERE, payload=stolen)
    await setup_entry(hass, config_entry)
    assert requests_to(aioresponses_mock, "elsewhere") == 0
    assert config_entry.state is ConfigEntryState.SETUP_RETRY
    assert config_entry.data["token"]["refresh_token"] == "NA_refresh-1"


@pytest.mark.parametrize(
    ("status", "state"),
    [
        (400, ConfigEntryState.SETUP_ERROR),
        (429, ConfigEntryState.SETUP_RETRY),
        (502, ConfigEntryState.SETUP_RETRY),
    ],
)
async def test_a_refused_refresh_is_told_apart(
    hass: HomeAssistant,
    aioresponses_mock: aioresponses,
    config_entry: MockConfigEntry,
    status: int,
    state: ConfigEntryState,
) -> None:
    """4xx asks to log in again; 429 and 5xx retry later, as Home Assistant does."""
    await _expired(hass, config_entry)
    aioresponses_mock.post(TOKEN_URL, status=status, payload={"error": "x"})
    await setup_entry(hass, config_entry)
    assert config_entry.state is state
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    reauth = [flow for flow in flows if flow["context"]["source"] == SOURCE_REAUTH]
    assert bool(reauth) is (state is ConfigEntryState.SETUP_ERROR)


@pytest.mark.parametrize(
    "answer",
    [{"body": "not json"}, {"exception": TimeoutError()}, {"body": "x" * 70_000}],
)
async def test_an_unusable_refresh_answer_retries(
    hass: HomeAssistant,
    aioresponses_mock: aioresponses,
    config_entry: MockConfigEntry,
    answer: dict[str, object],
) -> None:
    await _expired(hass, config_entry)
    aioresponses_mock.post(TOKEN_URL, **answer)
    await setup_entry(hass, config_entry)
    assert config_entry.state is ConfigEntryState.SETUP_RETRY


async def test_a_refresh_still_works(
    hass: HomeAssistant, aioresponses_mock: aioresponses, config_entry: MockConfigEntry
) -> None:
    await _expired(hass, config_entry)
    aioresponses_mock.post(
        TOKEN_URL,
        payload={
            "access_token": make_jwt(iat=2),
            "refresh_token": "NA_refresh-2",
            "expires_in": 28800,
        },
    )
    mock_site(aioresponses_mock)
    await setup_entry(hass, config_entry)
    assert config_entry.state is ConfigEntryState.LOADED
    assert config_entry.data["token"]["refresh_token"] == "NA_refresh-2"
