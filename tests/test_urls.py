"""Tesla's hosts by default; the simulator only through the developer override."""

from homeassistant.core import HomeAssistant
import pytest

from custom_components.tesla_powerwall3 import application_credentials
from custom_components.tesla_powerwall3.urls import DEV_URL_ENV, tesla_hosts
from tests.common import AUTHORIZE_URL, EU_URL, NA_URL, TOKEN_URL


async def test_production_hosts_by_default(
    hass: HomeAssistant, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(DEV_URL_ENV, raising=False)
    server = await application_credentials.async_get_authorization_server(hass)
    assert server.authorize_url == AUTHORIZE_URL
    assert server.token_url == TOKEN_URL
    hosts = tesla_hosts(hass)
    assert not hosts.simulator
    assert hosts.region_base_url("na") == NA_URL
    assert hosts.region_base_url("eu") == EU_URL
    assert hosts.region_base_url("cn") == "https://fleet-api.prd.cn.vn.cloud.tesla.cn"
    assert hosts.region_base_url("xx") is None
    assert hosts.region_base_url(None) is None
    assert hosts.default_base_url == NA_URL
    assert hosts.public_key_url("example.com") == (
        "https://example.com/.well-known/appspecific/com.tesla.3p.public-key.pem"
    )


async def test_developer_override(
    hass: HomeAssistant, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(DEV_URL_ENV, "http://127.0.0.1:8765/")
    server = await application_credentials.async_get_authorization_server(hass)
    assert server.authorize_url == "http://127.0.0.1:8765/oauth2/v3/authorize"
    assert server.token_url == "http://127.0.0.1:8765/oauth2/v3/token"
    hosts = tesla_hosts(hass)
    assert hosts.simulator
    assert hosts.region_base_url("eu") == "http://127.0.0.1:8765"
    assert hosts.default_base_url == "http://127.0.0.1:8765"
    assert hosts.public_key_url("example.com") == (
        "http://127.0.0.1:8765/_domains/example.com"
        "/.well-known/appspecific/com.tesla.3p.public-key.pem"
    )


async def test_override_is_read_once(
    hass: HomeAssistant, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(DEV_URL_ENV, raising=False)
    hosts = tesla_hosts(hass)
    monkeypatch.setenv(DEV_URL_ENV, "http://127.0.0.1:8765")
    assert tesla_hosts(hass) is hosts
    assert not tesla_hosts(hass).simulator


async def test_credentials_dialog_placeholders(hass: HomeAssistant) -> None:
    placeholders = await application_credentials.async_get_description_placeholders(
        hass
    )
    assert placeholders == {
        "developer_url": "https://developer.tesla.com",
        "redirect_uri": "https://my.home-assistant.io/redirect/oauth",
    }
