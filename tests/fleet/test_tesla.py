"""Tesla's hosts and partner rules, which keyhost ships too."""

import pytest

from custom_components.tesla_powerwall3.fleet import TESLA_HOSTS, simulator_hosts
from custom_components.tesla_powerwall3.fleet.tesla.answers import (
    RegistrationProblem,
    is_invalid_client,
    partner_token_form,
    registration_problem,
)
from custom_components.tesla_powerwall3.fleet.tesla.domain import (
    InvalidDomainError,
    bare_domain,
    url_host,
    validate_domain,
)
from tests.common import EU_URL, NA_URL, NOT_BARE_DOMAINS


@pytest.mark.parametrize(
    ("text", "domain"),
    [
        ("example.com", "example.com"),
        (" HTTPS://Keys.Example.com/path ", "keys.example.com"),
        ("http://example.com.", "example.com"),
        ("a-b.example.co.uk", "a-b.example.co.uk"),
    ],
)
def test_valid_domains(text: str, domain: str) -> None:
    assert validate_domain(text) == domain


@pytest.mark.parametrize("text", NOT_BARE_DOMAINS)
def test_invalid_domains(text: str) -> None:
    with pytest.raises(InvalidDomainError):
        validate_domain(text)


def test_an_international_domain_is_typed_in_its_ascii_form() -> None:
    assert validate_domain("xn--bcher-kva.example") == "xn--bcher-kva.example"


def test_bare_domain_keeps_any_host() -> None:
    assert bare_domain("https://127.0.0.1/x") == "127.0.0.1"


@pytest.mark.parametrize(
    ("text", "host"),
    [
        ("Keys.Example.com", ("keys.example.com", None)),
        ("https://keys.example.com/x", ("keys.example.com", None)),
        ("localhost", ("localhost", None)),
        ("127.0.0.1", ("127.0.0.1", None)),
        ("127.0.0.1:8443", ("127.0.0.1", 8443)),
        ("https://[::1]:8443/", ("[::1]", 8443)),
        ("[::1]", ("[::1]", None)),
        ("::1", ("[::1]", None)),
        ("keys.example.com:443", ("keys.example.com", 443)),
    ],
)
def test_url_host_takes_a_name_or_an_address(
    text: str, host: tuple[str, int | None]
) -> None:
    assert url_host(text) == host


@pytest.mark.parametrize(
    "text",
    [
        "",
        "example.com?x",
        "example.com#x",
        "127.0.0.1:8443?x",
        "127.0.0.1:8443#x",
        "user@127.0.0.1",
        "evil.example@127.0.0.1:8443",
        "example.com:",
        "example.com:0",
        "example.com:65536",
        "example.com:44a",
        "example.com:1:2",
        "[::1",
        "[example.com]",
        "a b",
        "example.com\nx",
        "[127.0.0.1]",
        "fe80::1%eth0",
        "exampl\u212a.com",
        "%65xample.com",
        "example.com\\x",
    ],
)
def test_url_host_refuses_anything_that_changes_the_url(text: str) -> None:
    with pytest.raises(InvalidDomainError):
        url_host(text)


def test_fleet_api_hosts_are_the_allow_list() -> None:
    assert TESLA_HOSTS.fleet_api_url(EU_URL + "/") == EU_URL
    assert TESLA_HOSTS.fleet_api_url(NA_URL.upper()) == NA_URL
    assert TESLA_HOSTS.fleet_api_url("https://evil.example.com") is None
    assert TESLA_HOSTS.fleet_api_url(NA_URL + ".evil.example") is None
    simulator = simulator_hosts("http://127.0.0.1:8765/")
    assert simulator.fleet_api_url("http://127.0.0.1:8765") == "http://127.0.0.1:8765"
    assert simulator.fleet_api_url(EU_URL) is None


def test_partner_token_form_asks_for_openid_only() -> None:
    assert partner_token_form(client_id="id", client_secret="s", audience=NA_URL) == {
        "grant_type": "client_credentials",
        "client_id": "id",
        "client_secret": "s",
        "scope": "openid",
        "audience": NA_URL,
    }


@pytest.mark.parametrize(
    ("status", "error", "invalid"),
    [
        (401, "anything", True),
        (400, None, True),
        (400, "invalid_client", True),
        (403, "unauthorized_client", True),
        (400, "invalid_request", False),
        (403, None, False),
        (500, "invalid_client", False),
    ],
)
def test_invalid_client(status: int, error: str | None, invalid: bool) -> None:
    assert is_invalid_client(status, error) is invalid


@pytest.mark.parametrize(
    ("status", "error", "problem"),
    [
        (424, "Public key download failed", RegistrationProblem.KEY_DOWNLOAD_FAILED),
        (422, "", RegistrationProblem.DOMAIN_TAKEN),
        (
            400,
            "Public key hash has already been taken",
            RegistrationProblem.DOMAIN_TAKEN,
        ),
        (400, "Invalid domain", RegistrationProblem.DOMAIN_NOT_ALLOWED),
        (403, "", RegistrationProblem.INVALID_CLIENT),
        (500, "boom", None),
    ],
)
def test_registration_problems(
    status: int, error: str, problem: RegistrationProblem | None
) -> None:
    assert registration_problem(status, error) is problem
