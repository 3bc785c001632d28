"""Shared fixtures."""

import asyncio
from collections.abc import Generator, Iterator
from functools import partial
import importlib
from types import SimpleNamespace
from typing import Any
from unittest.mock import patch

from aiohttp import ClientResponse, StreamReader
from aiohttp.client_proto import ResponseHandler
import aioresponses.core
from homeassistant.components.application_credentials import (
    ClientCredential,
    async_import_client_credential,
)
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.syrupy import HomeAssistantSnapshotExtension
import pytest_socket
from syrupy.assertion import SnapshotAssertion

from custom_components.tesla_powerwall3.const import CONF_BASE_URL, DOMAIN
from tests.common import ACCOUNT_ID, CLIENT_ID, CLIENT_SECRET, NA_URL, make_jwt
from tests.translation_check import checking


class _ClientResponse(ClientResponse):
    """aioresponses 0.7.9 predates aiohttp 3.14's stream_writer argument."""

    def __init__(self, method: str, url: Any, **kwargs: Any) -> None:
        kwargs.setdefault("stream_writer", SimpleNamespace(output_size=0))
        super().__init__(method, url, **kwargs)


def _stream_reader(loop: asyncio.AbstractEventLoop | None = None) -> StreamReader:
    """Like aioresponses' own, with room for a whole day of history in one body.

    aiohttp 3.14 pauses a stream whose buffer passes its limit, which the mocked
    protocol cannot do.
    """
    return StreamReader(ResponseHandler(loop=loop), limit=2**24, loop=loop)  # type: ignore[arg-type]


aioresponses.core.ClientResponse = _ClientResponse  # type: ignore[attr-defined]
aioresponses.core.stream_reader_factory = _stream_reader  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Load custom_components/ in every test."""


@pytest.fixture(autouse=True)
def check_translations() -> Iterator[None]:
    """Fail a test that makes the integration show a text en.json lacks."""
    with checking() as check:
        yield
    if check.problems:
        pytest.fail("Translations:\n" + "\n".join(sorted(set(check.problems))))


@pytest.fixture
def snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """Use Home Assistant's snapshot extension."""
    return snapshot.use_extension(HomeAssistantSnapshotExtension)


@pytest.fixture
def entity_registry_enabled_by_default() -> Generator[None]:
    """Enable entities that are disabled by default."""
    with patch(
        "homeassistant.helpers.entity.Entity.entity_registry_enabled_default",
        return_value=True,
    ):
        yield


@pytest.fixture
def aioresponses_mock() -> Iterator[aioresponses.aioresponses]:
    """Mock every outgoing aiohttp request except to Home Assistant's test server."""
    with aioresponses.aioresponses(passthrough=["http://127.0.0.1"]) as mocked:
        yield mocked


@pytest.fixture
async def setup_credentials(hass: HomeAssistant) -> None:
    """Add the user's Tesla application credentials."""
    assert await async_setup_component(hass, "application_credentials", {})
    await async_import_client_credential(
        hass, DOMAIN, ClientCredential(CLIENT_ID, CLIENT_SECRET), DOMAIN
    )


def token_data(expires_in: float = 10 * 365 * 86400, **claims: Any) -> dict[str, Any]:
    """Return the token dict a config entry stores.

    By default it stays valid for years, so that tests which move the clock do
    not refresh it unless they mean to.
    """
    import time  # noqa: PLC0415

    return {
        "access_token": make_jwt(**claims),
        "refresh_token": "NA_refresh-1",
        "token_type": "Bearer",
        "expires_in": int(expires_in),
        "expires_at": time.time() + expires_in,
    }


@pytest.fixture
def config_entry() -> MockConfigEntry:
    """A config entry of one Tesla account in North America."""
    return MockConfigEntry(
        domain=DOMAIN,
        title="My Home",
        unique_id=ACCOUNT_ID,
        version=1,
        data={
            "auth_implementation": DOMAIN,
            "token": token_data(),
            CONF_BASE_URL: NA_URL,
        },
    )


def pytest_configure(config: pytest.Config) -> None:
    """Let PyMySQL serve mysql:// URLs where mysqlclient is not installed.

    PyMySQL reaches the test MariaDB through its Unix socket, from Python: the
    test plugin blocks those connections (mysqlclient, which Home Assistant
    ships, connects from C and is never blocked), so Unix sockets are allowed.
    """
    if str(config.getoption("dburl", "")).startswith("mysql://"):
        allow_hosts = pytest_socket.socket_allow_hosts
        pytest_socket.socket_allow_hosts = partial(allow_hosts, allow_unix_socket=True)
        importlib.import_module("pymysql").install_as_MySQLdb()
        converters = importlib.import_module("MySQLdb.converters")
        # The test plugin registers its frozen datetime with mysqlclient's name.
        converters.DateTime2literal = converters.escape_datetime  # type: ignore[attr-defined]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that runs the real recorder, for scripts/test_databases."""
    for item in items:
        if "recorder_db_url" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.recorder)
