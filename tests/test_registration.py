"""Registering the application's domain: the config flow step and the repair."""

import ssl
from typing import Any

from aiohttp import ClientConnectorCertificateError
from aiohttp.client_reqrep import ConnectionKey
from aioresponses import aioresponses
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.translation import async_get_translations
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.tesla_powerwall3.const import DOMAIN
from custom_components.tesla_powerwall3.fleet.tesla.key import uncompressed_point
from tests.common import (
    NA_URL,
    NOT_BARE_DOMAINS,
    TOKEN_URL,
    choose_polling,
    load_payload,
    mock_site,
    requests_to,
    setup_entry,
    site_url,
)
from tests.test_config_flow import login

KEY_URL = "https://example.com/.well-known/appspecific/com.tesla.3p.public-key.pem"
PRIVATE = ec.generate_private_key(ec.SECP256R1())
PUBLIC_PEM = PRIVATE.public_key().public_bytes(
    serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
)
POINT = uncompressed_point(PRIVATE.public_key())


def pem_of(key: Any) -> bytes:
    data: bytes = key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return data


def untrusted_certificate() -> ClientConnectorCertificateError:
    """What aiohttp raises when the host's certificate does not verify.

    The message is CPython's for a self-signed certificate.
    """
    return ClientConnectorCertificateError(
        ConnectionKey(
            host="example.com",
            port=443,
            is_ssl=True,
            ssl=True,
            proxy=None,
            proxy_auth=None,
            proxy_headers_hash=None,
        ),
        ssl.SSLCertVerificationError(
            1,
            "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: "
            "self-signed certificate (_ssl.c:1010)",
        ),
    )


def mock_registration(mock: aioresponses, *, point: str = POINT) -> None:
    mock.get(KEY_URL, body=PUBLIC_PEM, content_type="application/x-pem-file")
    mock.post(TOKEN_URL, payload=load_payload("oauth_partner_token_response_ha_docs"))
    mock.post(
        f"{NA_URL}/api/1/partner_accounts",
        payload={"response": {"domain": "example.com", "public_key": point}},
    )
    mock.get(
        f"{NA_URL}/api/1/partner_accounts/public_key?domain=example.com",
        payload={"response": {"public_key": point}},
    )


def mock_not_registered(mock: aioresponses) -> None:
    mock.get(
        f"{NA_URL}/api/1/products",
        status=412,
        payload=load_payload("error_412_not_registered_in_region"),
    )


@pytest.mark.usefixtures("current_request_with_host", "setup_credentials")
async def test_flow_registers_after_412(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    aioresponses_mock: aioresponses,
) -> None:
    mock_not_registered(aioresponses_mock)
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    result = await login(hass, hass_client_no_auth, aioresponses_mock, result)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "register"
    assert result["description_placeholders"] is not None
    assert result["description_placeholders"]["region_url"] == NA_URL

    # A typo first: then the real domain, typed with its scheme.
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"domain": "not a domain"}
    )
    assert result["errors"] == {"base": "invalid_domain"}

    mock_registration(aioresponses_mock)
    aioresponses_mock.get(
        f"{NA_URL}/api/1/products", payload=load_payload("products_real_2024-04-12")
    )
    aioresponses_mock.get(
        site_url(1234, "site_info"), payload=load_payload("site_info_bolt_sdk_sample")
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"domain": "https://Example.com/"}
    )
    result = await choose_polling(hass, result)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    partner_call = next(
        calls
        for (method, url), calls in aioresponses_mock.requests.items()
        if method == "POST" and "partner_accounts" in str(url)
    )
    assert partner_call[0].kwargs["json"] == {"domain": "example.com"}
    token_calls = next(
        calls
        for (method, url), calls in aioresponses_mock.requests.items()
        if method == "POST" and str(url) == TOKEN_URL
    )
    partner_token_call = token_calls[-1].kwargs["data"]
    assert partner_token_call["grant_type"] == "client_credentials"
    assert partner_token_call["audience"] == NA_URL
    assert partner_token_call["scope"] == "openid"
    await hass.async_block_till_done()


@pytest.mark.usefixtures("current_request_with_host", "setup_credentials")
async def test_flow_refuses_anything_but_a_bare_domain(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    aioresponses_mock: aioresponses,
) -> None:
    """A port, a user, a query, a fragment, "" or a newline never leave the form."""
    mock_not_registered(aioresponses_mock)
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    result = await login(hass, hass_client_no_auth, aioresponses_mock, result)
    sent = len(aioresponses_mock.requests)
    for text in NOT_BARE_DOMAINS:
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {"domain": text}
        )
        assert result["type"] is FlowResultType.FORM, text
        assert result["errors"] == {"base": "invalid_domain"}, text
    # Neither the key nor Tesla's partner endpoints were asked.
    assert len(aioresponses_mock.requests) == sent


HOST_FAULTS: list[tuple[dict[str, Any], str]] = [
    ({"status": 404}, "key_not_found"),
    (
        {"status": 301, "headers": {"Location": "https://www.example.com/k"}},
        "key_redirect",
    ),
    ({"body": "<html>Welcome</html>", "content_type": "text/html"}, "key_html"),
    (
        {"body": b"-----BEGIN PRIVATE KEY-----\nxx\n-----END PRIVATE KEY-----\n"},
        "key_private",
    ),
    (
        {"body": pem_of(ec.generate_private_key(ec.SECP384R1()).public_key())},
        "key_wrong_curve",
    ),
    (
        {"body": pem_of(rsa.generate_private_key(65537, 2048).public_key())},
        "key_not_ec",
    ),
    ({"body": b"x" * 5000}, "key_too_large"),
    ({"exception": TimeoutError()}, "key_unreachable"),
    ({"exception": untrusted_certificate()}, "key_tls"),
    ({"exception": ssl.SSLError(1, "[SSL] record layer failure")}, "key_tls"),
]


@pytest.mark.parametrize(("host", "error"), HOST_FAULTS)
@pytest.mark.usefixtures("current_request_with_host", "setup_credentials")
async def test_flow_explains_hosted_key_problems(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    aioresponses_mock: aioresponses,
    host: dict[str, Any],
    error: str,
) -> None:
    mock_not_registered(aioresponses_mock)
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    result = await login(hass, hass_client_no_auth, aioresponses_mock, result)
    aioresponses_mock.get(KEY_URL, **host)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"domain": "example.com"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": error}
    # Nothing was sent to Tesla's partner endpoints.
    assert requests_to(aioresponses_mock, "partner_accounts") == 0


@pytest.mark.usefixtures("current_request_with_host", "setup_credentials")
async def test_flow_explains_an_untrusted_certificate(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    aioresponses_mock: aioresponses,
) -> None:
    mock_not_registered(aioresponses_mock)
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    result = await login(hass, hass_client_no_auth, aioresponses_mock, result)
    aioresponses_mock.get(KEY_URL, exception=untrusted_certificate())
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"domain": "example.com"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "register"
    assert result["errors"] == {"base": "key_tls"}
    # The translated message names the cause: {detail} is what aiohttp said.
    placeholders = result["description_placeholders"]
    assert placeholders is not None
    assert placeholders["key_url"] == KEY_URL
    assert placeholders["detail"] == (
        "Cannot connect to host example.com:443 ssl:True [SSLCertVerificationError: "
        "(1, '[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: "
        "self-signed certificate (_ssl.c:1010)')]"
    )
    strings = await async_get_translations(hass, "en", "config", [DOMAIN])
    assert "{detail}" in strings[f"component.{DOMAIN}.config.error.key_tls"]
    assert requests_to(aioresponses_mock, "partner_accounts") == 0


TESLA_FAULTS: list[tuple[str, dict[str, Any], str]] = [
    (
        "token",
        {"status": 401, "payload": {"error": "invalid_client"}},
        "invalid_client",
    ),
    ("token", {"exception": TimeoutError()}, "cannot_connect"),
    (
        "token",
        {"status": 307, "headers": {"Location": "https://elsewhere.example.com/"}},
        "cannot_connect",
    ),
    ("token", {"body": "x" * (5 * 1024 * 1024)}, "cannot_connect"),
    (
        "register",
        {"status": 424, "payload": {"error": "Public key download failed"}},
        "key_download_failed",
    ),
    (
        "register",
        {"status": 400, "payload": {"error": "Invalid domain"}},
        "domain_not_allowed",
    ),
    (
        "register",
        {"status": 422, "payload": {"error": "Domain has already been taken"}},
        "domain_taken",
    ),
    ("register", {"status": 503}, "cannot_connect"),
    ("register", {"status": 403}, "invalid_client"),
]


@pytest.mark.parametrize(("where", "answer", "error"), TESLA_FAULTS)
@pytest.mark.usefixtures("current_request_with_host", "setup_credentials")
async def test_flow_explains_tesla_refusals(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    aioresponses_mock: aioresponses,
    where: str,
    answer: dict[str, Any],
    error: str,
) -> None:
    mock_not_registered(aioresponses_mock)
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    result = await login(hass, hass_client_no_auth, aioresponses_mock, result)
    aioresponses_mock.get(KEY_URL, body=PUBLIC_PEM)
    if where == "token":
        aioresponses_mock.post(TOKEN_URL, **answer)
    else:
        aioresponses_mock.post(
            TOKEN_URL, payload=load_payload("oauth_partner_token_response_ha_docs")
        )
        aioresponses_mock.post(f"{NA_URL}/api/1/partner_accounts", **answer)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"domain": "example.com"}
    )
    assert result["errors"] == {"base": error}
    assert requests_to(aioresponses_mock, "elsewhere") == 0


@pytest.mark.usefixtures("current_request_with_host", "setup_credentials")
async def test_flow_detects_a_different_registered_key(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    aioresponses_mock: aioresponses,
) -> None:
    mock_not_registered(aioresponses_mock)
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    result = await login(hass, hass_client_no_auth, aioresponses_mock, result)
    mock_registration(aioresponses_mock, point="04" + "ab" * 64)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"domain": "example.com"}
    )
    assert result["errors"] == {"base": "key_mismatch"}


@pytest.mark.usefixtures("setup_credentials")
async def test_repair_issue_leads_to_registration(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    aioresponses_mock: aioresponses,
    config_entry: MockConfigEntry,
    issue_registry: ir.IssueRegistry,
) -> None:
    mock_not_registered(aioresponses_mock)
    await setup_entry(hass, config_entry)
    assert config_entry.state is ConfigEntryState.SETUP_ERROR
    issue_id = f"not_registered_{config_entry.entry_id}"
    issue = issue_registry.async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.is_fixable

    assert await async_setup_component(hass, "repairs", {})
    client = await hass_client()
    response = await client.post(
        "/api/repairs/issues/fix", json={"handler": DOMAIN, "issue_id": issue_id}
    )
    flow = await response.json()
    assert flow["step_id"] == "register"

    aioresponses_mock.get(KEY_URL, status=404)
    response = await client.post(
        f"/api/repairs/issues/fix/{flow['flow_id']}", json={"domain": "example.com"}
    )
    flow = await response.json()
    assert flow["errors"] == {"base": "key_not_found"}

    mock_registration(aioresponses_mock)
    mock_site(aioresponses_mock)
    response = await client.post(
        f"/api/repairs/issues/fix/{flow['flow_id']}", json={"domain": "example.com"}
    )
    flow = await response.json()
    assert flow["type"] == "create_entry"
    await hass.async_block_till_done()
    assert config_entry.state is ConfigEntryState.LOADED
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None


@pytest.mark.usefixtures("setup_credentials")
async def test_register_on_request_from_reconfigure(
    hass: HomeAssistant,
    aioresponses_mock: aioresponses,
    config_entry: MockConfigEntry,
) -> None:
    mock_site(aioresponses_mock)
    await setup_entry(hass, config_entry)
    result = await config_entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "register_domain"}
    )
    assert result["step_id"] == "register_domain"
    aioresponses_mock.post(TOKEN_URL, status=401, payload={"error": "invalid_client"})
    aioresponses_mock.get(KEY_URL, body=PUBLIC_PEM)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"domain": "example.com"}
    )
    assert result["errors"] == {"base": "invalid_client"}

    mock_registration(aioresponses_mock)
    mock_site(aioresponses_mock)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"domain": "example.com"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "registration_successful"
    await hass.async_block_till_done()
    assert config_entry.state is ConfigEntryState.LOADED


async def _not_registered_issue(
    hass: HomeAssistant,
    mock: aioresponses,
    entry: MockConfigEntry,
    issue_registry: ir.IssueRegistry,
) -> str:
    """Set up an entry Tesla answers 412 for; return its not_registered issue."""
    mock_not_registered(mock)
    await setup_entry(hass, entry)
    issue_id = f"not_registered_{entry.entry_id}"
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is not None
    assert await async_setup_component(hass, "repairs", {})
    return issue_id


async def assert_entry_removed_abort(hass: HomeAssistant, flow: dict[str, Any]) -> None:
    assert flow["type"] == "abort"
    assert flow["reason"] == "entry_removed"
    strings = await async_get_translations(hass, "en", "issues", [DOMAIN])
    key = f"component.{DOMAIN}.issues.not_registered.fix_flow.abort.entry_removed"
    assert strings[key]


@pytest.mark.usefixtures("setup_credentials")
async def test_removing_the_entry_withdraws_its_repair(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    aioresponses_mock: aioresponses,
    config_entry: MockConfigEntry,
    issue_registry: ir.IssueRegistry,
) -> None:
    """No repair is left behind for an entry that is gone: its Fix could not help."""
    issue_id = await _not_registered_issue(
        hass, aioresponses_mock, config_entry, issue_registry
    )
    await hass.config_entries.async_remove(config_entry.entry_id)
    await hass.async_block_till_done()

    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None
    client = await hass_client()
    response = await client.post(
        "/api/repairs/issues/fix", json={"handler": DOMAIN, "issue_id": issue_id}
    )
    assert response.status == 400


@pytest.mark.usefixtures("setup_credentials")
async def test_repair_when_the_entry_is_removed_meanwhile(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    aioresponses_mock: aioresponses,
    config_entry: MockConfigEntry,
    issue_registry: ir.IssueRegistry,
) -> None:
    issue_id = await _not_registered_issue(
        hass, aioresponses_mock, config_entry, issue_registry
    )
    client = await hass_client()
    response = await client.post(
        "/api/repairs/issues/fix", json={"handler": DOMAIN, "issue_id": issue_id}
    )
    flow = await response.json()
    assert flow["type"] == "form"
    assert flow["step_id"] == "register"

    await hass.config_entries.async_remove(config_entry.entry_id)
    await hass.async_block_till_done()
    response = await client.post(
        f"/api/repairs/issues/fix/{flow['flow_id']}", json={"domain": "example.com"}
    )
    assert response.status == 200
    await assert_entry_removed_abort(hass, await response.json())
    # Nothing was checked or registered for an account that is gone.
    assert requests_to(aioresponses_mock, "public-key.pem") == 0
    assert requests_to(aioresponses_mock, "partner_accounts") == 0
