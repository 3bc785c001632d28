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
    validate_domain,
)
from tests.common import EU_URL, NA_URL


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


@pytest.mark.parametrize(
    "text",
    ["", "not a domain", "localhost", "127.0.0.1", "-a.example.com", "a_b.com"],
)
def test_invalid_domains(text: str) -> None:
    with pytest.raises(InvalidDomainError):
        validate_domain(text)


def test_bare_domain_keeps_any_host() -> None:
    assert bare_domain("https://127.0.0.1/x") == "127.0.0.1"


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
