"""Config flow: login, region, sites, reauth and reconfigure."""

from typing import Any
from urllib.parse import parse_qs, urlsplit

from aioresponses import aioresponses
from homeassistant.config_entries import SOURCE_USER, ConfigFlowResult
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import config_entry_oauth2_flow
from homeassistant.helpers.translation import async_get_translations
from homeassistant.loader import async_get_application_credentials
import probatio as vol
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import (
    ClientSessionGenerator,
    WebSocketGenerator,
)
from yarl import URL

from custom_components.tesla_powerwall3.const import CONF_BASE_URL, DOMAIN
from tests.common import (
    ACCOUNT_ID,
    AUTHORIZE_URL,
    CLIENT_ID,
    EU_URL,
    NA_URL,
    TOKEN_URL,
    choose_polling,
    load_payload,
    make_jwt,
    site_url,
)

REDIRECT_URI = "https://example.com/auth/external/callback"

pytestmark = pytest.mark.usefixtures("current_request_with_host", "setup_credentials")


async def login(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    mock: aioresponses,
    result: ConfigFlowResult,
    access_token: str | None = None,
    polling: str | None = "every_minute",
) -> ConfigFlowResult:
    """Go through Tesla's login page, the token exchange and the polling choice.

    polling: the choice made once the sites are found; None stops at that step.
    """
    assert result["type"] is FlowResultType.EXTERNAL_STEP
    state = config_entry_oauth2_flow._encode_jwt(
        hass, {"flow_id": result["flow_id"], "redirect_uri": REDIRECT_URI}
    )
    client = await hass_client_no_auth()
    response = await client.get(f"/auth/external/callback?code=abcd&state={state}")
    assert response.status == 200
    mock.post(
        TOKEN_URL,
        payload={
            "access_token": access_token or make_jwt(),
            "refresh_token": "NA_refresh-1",
            "id_token": "id",
            "token_type": "Bearer",
            "expires_in": 28800,
        },
    )
    result = await hass.config_entries.flow.async_configure(result["flow_id"])
    if polling is not None and result.get("step_id") == "polling":
        result = await choose_polling(hass, result, polling)
    return result


def mock_account(mock: aioresponses, base: str = NA_URL) -> None:
    """Mock an account with one Powerwall site (id 1234)."""
    mock.get(f"{base}/api/1/products", payload=load_payload("products_real_2024-04-12"))
    mock.get(
        site_url(1234, "site_info", base),
        payload=load_payload("site_info_bolt_sdk_sample"),
    )


async def start(hass: HomeAssistant) -> ConfigFlowResult:
    return await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )


async def test_full_flow(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    aioresponses_mock: aioresponses,
) -> None:
    result = await start(hass)
    url = urlsplit(result["url"])
    assert f"{url.scheme}://{url.netloc}{url.path}" == AUTHORIZE_URL
    query = parse_qs(url.query)
    assert query["client_id"] == [CLIENT_ID]
    assert query["scope"] == ["openid offline_access energy_device_data"]
    assert query["prompt_missing_scopes"] == ["true"]
    assert query["redirect_uri"] == [REDIRECT_URI]

    mock_account(aioresponses_mock)
    result = await login(
        hass, hass_client_no_auth, aioresponses_mock, result, polling=None
    )
    # Before the entry is created: how to poll, every minute unless changed.
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "polling"
    result = await choose_polling(hass, result)

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "My Home"
    entry = result["result"]
    assert entry.unique_id == ACCOUNT_ID
    assert entry.data[CONF_BASE_URL] == NA_URL
    assert entry.data["token"]["refresh_token"] == "NA_refresh-1"
    await hass.async_block_till_done()


async def test_region_from_users_region(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    aioresponses_mock: aioresponses,
) -> None:
    aioresponses_mock.get(
        f"{NA_URL}/api/1/users/region",
        payload=load_payload("users_region_bolt_sdk_sample"),
    )
    mock_account(aioresponses_mock, EU_URL)
    result = await login(
        hass,
        hass_client_no_auth,
        aioresponses_mock,
        await start(hass),
        make_jwt(ou_code=None, aud=[TOKEN_URL]),
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["result"].data[CONF_BASE_URL] == EU_URL
    await hass.async_block_till_done()


async def test_a_foreign_host_never_becomes_the_base_url(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    aioresponses_mock: aioresponses,
) -> None:
    # Neither a token audience that only looks like Tesla's, nor a users/region
    # answer naming another host, is taken as the Fleet API host.
    evil = "https://fleet-api.prd.eu.vn.cloud.tesla.com.evil.example"
    aioresponses_mock.get(
        f"{NA_URL}/api/1/users/region",
        payload={"response": {"region": "eu", "fleet_api_base_url": evil}},
    )
    aioresponses_mock.get(f"{evil}/api/1/products", payload={"response": []})
    mock_account(aioresponses_mock, EU_URL)
    result = await login(
        hass,
        hass_client_no_auth,
        aioresponses_mock,
        await start(hass),
        make_jwt(ou_code=None, aud=[evil, TOKEN_URL]),
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["result"].data[CONF_BASE_URL] == EU_URL
    assert not [url for _, url in aioresponses_mock.requests if "evil" in str(url)]
    await hass.async_block_till_done()


async def test_region_from_token_audience_without_asking_tesla(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    aioresponses_mock: aioresponses,
) -> None:
    mock_account(aioresponses_mock, EU_URL)
    result = await login(
        hass,
        hass_client_no_auth,
        aioresponses_mock,
        await start(hass),
        make_jwt(ou_code=None, aud=[EU_URL, TOKEN_URL]),
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["result"].data[CONF_BASE_URL] == EU_URL
    assert not [
        url for (_, url) in aioresponses_mock.requests if "users/region" in str(url)
    ]
    await hass.async_block_till_done()


async def test_region_unknown_falls_back_and_follows_421(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    aioresponses_mock: aioresponses,
) -> None:
    aioresponses_mock.get(f"{NA_URL}/api/1/users/region", status=403)
    aioresponses_mock.get(
        f"{NA_URL}/api/1/products",
        status=421,
        payload=load_payload("error_421_user_out_of_region"),
    )
    mock_account(aioresponses_mock, EU_URL)
    result = await login(
        hass,
        hass_client_no_auth,
        aioresponses_mock,
        await start(hass),
        make_jwt(ou_code="XX", aud=[TOKEN_URL]),
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["result"].data[CONF_BASE_URL] == EU_URL
    await hass.async_block_till_done()


@pytest.mark.parametrize(
    ("status", "body", "reason", "placeholders"),
    [
        (403, "error_403_missing_scopes", "missing_scopes", None),
        (401, "error_401_token_expired", "invalid_auth", None),
        (
            500,
            "error_500_upstream_internal_error__converted_from_python",
            "cannot_connect",
            {"error": "HTTP 500 from products: upstream internal error"},
        ),
    ],
)
async def test_products_errors_abort(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    aioresponses_mock: aioresponses,
    status: int,
    body: str,
    reason: str,
    placeholders: dict[str, str] | None,
) -> None:
    aioresponses_mock.get(
        f"{NA_URL}/api/1/products", status=status, payload=load_payload(body)
    )
    # A 401 from a token that was just issued is retried once, then reported.
    aioresponses_mock.get(
        f"{NA_URL}/api/1/products", status=status, payload=load_payload(body)
    )
    result = await login(
        hass, hass_client_no_auth, aioresponses_mock, await start(hass)
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == reason
    if placeholders:
        assert result["description_placeholders"] == placeholders


async def test_no_energy_site(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    aioresponses_mock: aioresponses,
) -> None:
    products = load_payload("products_real_2024-04-12")
    products["response"] = products["response"][:1]  # the vehicle only
    aioresponses_mock.get(f"{NA_URL}/api/1/products", payload=products)
    result = await login(
        hass, hass_client_no_auth, aioresponses_mock, await start(hass)
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "no_energy_sites"


async def test_retired_site_only(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    aioresponses_mock: aioresponses,
) -> None:
    aioresponses_mock.get(
        f"{NA_URL}/api/1/products", payload=load_payload("products_real_2024-04-12")
    )
    aioresponses_mock.get(site_url(1234, "site_info"), status=404)
    result = await login(
        hass, hass_client_no_auth, aioresponses_mock, await start(hass)
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "no_energy_sites"


@pytest.mark.parametrize(
    ("access_token", "reason"),
    [
        ("opaque-token", "invalid_token"),
        (make_jwt(sub=None), "invalid_token"),
        (make_jwt(scp=["openid", "vehicle_device_data"]), "missing_scopes"),
    ],
)
async def test_token_checks_without_requests(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    aioresponses_mock: aioresponses,
    access_token: str,
    reason: str,
) -> None:
    result = await login(
        hass, hass_client_no_auth, aioresponses_mock, await start(hass), access_token
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == reason
    fleet_requests = [
        url for (_, url) in aioresponses_mock.requests if "/api/1/" in str(url)
    ]
    assert fleet_requests == []


async def test_already_configured(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    aioresponses_mock: aioresponses,
    config_entry: MockConfigEntry,
) -> None:
    config_entry.add_to_hass(hass)
    result = await login(
        hass, hass_client_no_auth, aioresponses_mock, await start(hass)
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def _reauth(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    mock: aioresponses,
    entry: MockConfigEntry,
    access_token: str,
) -> ConfigFlowResult:
    result = await entry.start_reauth_flow(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reauth_confirm"
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    return await login(hass, hass_client_no_auth, mock, result, access_token)


async def test_reauth_same_account(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    aioresponses_mock: aioresponses,
    config_entry: MockConfigEntry,
) -> None:
    config_entry.add_to_hass(hass)
    mock_account(aioresponses_mock)
    new_token = make_jwt(iat=1)
    result = await _reauth(
        hass, hass_client_no_auth, aioresponses_mock, config_entry, new_token
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert config_entry.data["token"]["access_token"] == new_token
    await hass.async_block_till_done()


async def test_reauth_other_account_refused(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    aioresponses_mock: aioresponses,
    config_entry: MockConfigEntry,
) -> None:
    config_entry.add_to_hass(hass)
    before = dict(config_entry.data)
    result = await _reauth(
        hass,
        hass_client_no_auth,
        aioresponses_mock,
        config_entry,
        make_jwt(sub="someone-else"),
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_account"
    assert dict(config_entry.data) == before


@pytest.mark.parametrize(
    ("subject", "reason"),
    [(ACCOUNT_ID, "reconfigure_successful"), ("someone-else", "wrong_account")],
)
async def test_reconfigure(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    aioresponses_mock: aioresponses,
    config_entry: MockConfigEntry,
    subject: str,
    reason: str,
) -> None:
    config_entry.add_to_hass(hass)
    mock_account(aioresponses_mock, EU_URL)
    result = await config_entry.start_reconfigure_flow(hass)
    assert result["type"] is FlowResultType.MENU
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "reconfigure_login"}
    )
    result = await login(
        hass,
        hass_client_no_auth,
        aioresponses_mock,
        result,
        make_jwt(sub=subject, ou_code="EU"),
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == reason
    expected: dict[str, Any] = {
        "reconfigure_successful": EU_URL,
        "wrong_account": NA_URL,
    }
    assert config_entry.data[CONF_BASE_URL] == expected[reason]
    await hass.async_block_till_done()


class TestWithoutApplicationCredentials:
    """The user has not added any Tesla application credentials yet."""

    @pytest.fixture
    def setup_credentials(self) -> None:
        """Add none (overrides the module's fixture of the same name)."""

    async def test_start_asks_for_credentials(
        self, hass: HomeAssistant, aioresponses_mock: aioresponses
    ) -> None:
        result = await start(hass)
        # The manifest depends on application_credentials, so Home Assistant's
        # OAuth2 handler aborts with its shared missing_credentials reason (and
        # translation, in the homeassistant domain); the frontend then opens the
        # dialog to add the credentials. missing_configuration is for integrations
        # without application credentials and cannot be reached here.
        assert DOMAIN in await async_get_application_credentials(hass)
        assert result["type"] is FlowResultType.ABORT
        assert result["reason"] == "missing_credentials"
        assert result["translation_domain"] == "homeassistant"
        strings = await async_get_translations(hass, "en", "config", ["homeassistant"])
        assert strings["component.homeassistant.config.abort.missing_credentials"]
        assert hass.config_entries.flow.async_progress() == []
        assert aioresponses_mock.requests == {}


async def test_pick_one_of_two_applications(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    hass_ws_client: WebSocketGenerator,
    aioresponses_mock: aioresponses,
) -> None:
    # A second Tesla application, added in the UI as a user would.
    ws = await hass_ws_client(hass)
    await ws.send_json_auto_id(
        {
            "type": "application_credentials/create",
            "domain": DOMAIN,
            "client_id": "client-id-2",
            "client_secret": "client-secret-2",
            "name": "Second app",
        }
    )
    created = await ws.receive_json()
    assert created["success"], created
    second = created["result"]["id"]

    result = await start(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "pick_implementation"
    schema = result["data_schema"]
    assert schema is not None
    assert schema({}) == {"implementation": DOMAIN}  # the first is preselected
    assert schema({"implementation": second}) == {"implementation": second}
    with pytest.raises(vol.Invalid):
        schema({"implementation": "unknown"})
    strings = await async_get_translations(hass, "en", "config", [DOMAIN])
    assert strings[f"component.{DOMAIN}.config.step.pick_implementation.title"]

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"implementation": second}
    )
    assert result["type"] is FlowResultType.EXTERNAL_STEP
    url = urlsplit(result["url"])
    assert f"{url.scheme}://{url.netloc}{url.path}" == AUTHORIZE_URL
    assert parse_qs(url.query)["client_id"] == ["client-id-2"]

    mock_account(aioresponses_mock)
    result = await login(hass, hass_client_no_auth, aioresponses_mock, result)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["result"].data["auth_implementation"] == second
    token_request = aioresponses_mock.requests[("POST", URL(TOKEN_URL))][0]
    assert token_request.kwargs["data"]["client_id"] == "client-id-2"
    assert token_request.kwargs["data"]["client_secret"] == "client-secret-2"
    await hass.async_block_till_done()
