"""Reading account, region and scopes from access tokens."""

import pytest

from custom_components.tesla_powerwall3.fleet import (
    TESLA_HOSTS,
    InvalidResponseError,
    decode_token_claims,
    simulator_hosts,
)
from tests.common import ACCOUNT_ID, EU_URL, NA_URL, make_jwt


def test_claims_of_a_tesla_token() -> None:
    claims = decode_token_claims(make_jwt())
    assert claims.subject == ACCOUNT_ID
    assert claims.region == "na"
    assert claims.scopes == {"openid", "offline_access", "energy_device_data"}
    assert claims.fleet_base_url(TESLA_HOSTS) == NA_URL


def test_region_from_audience_when_no_ou_code() -> None:
    claims = decode_token_claims(
        make_jwt(ou_code=None, aud=["https://auth.tesla.com/x", EU_URL + "/"])
    )
    assert claims.region is None
    assert claims.fleet_base_url(TESLA_HOSTS) == EU_URL


def test_region_names_the_simulator_under_the_developer_override() -> None:
    claims = decode_token_claims(make_jwt(ou_code="EU"))
    hosts = simulator_hosts("http://127.0.0.1:8765")
    assert claims.fleet_base_url(hosts) == "http://127.0.0.1:8765"


def test_single_audience_and_space_separated_scopes() -> None:
    claims = decode_token_claims(
        make_jwt(ou_code="", aud="https://example.com", scp="openid energy_device_data")
    )
    assert claims.audiences == ("https://example.com",)
    assert claims.scopes == {"openid", "energy_device_data"}
    assert claims.fleet_base_url(TESLA_HOSTS) is None


def test_missing_claims() -> None:
    claims = decode_token_claims(make_jwt(sub=None, aud=None, scp=None, ou_code=None))
    assert claims.subject is None
    assert claims.audiences == ()
    assert claims.scopes == frozenset()


@pytest.mark.parametrize(
    "token", ["opaque", "a.b", "a.!!!!.c", "a.bnVsbA.c", "a.WzFd.c"]
)
def test_not_a_jwt(token: str) -> None:
    with pytest.raises(InvalidResponseError):
        decode_token_claims(token)


@pytest.mark.parametrize(
    "audience",
    [
        "https://evil.example.com",
        "https://fleet-api.evil.example",
        "https://fleet-api.prd.na.vn.cloud.tesla.com.evil.example",
        "https://fleet-api.prd.xx.vn.cloud.tesla.com",
        "http://fleet-api.prd.eu.vn.cloud.tesla.com",
    ],
)
def test_an_audience_names_only_tesla_fleet_api_hosts(audience: str) -> None:
    claims = decode_token_claims(make_jwt(ou_code=None, aud=[audience, EU_URL]))
    assert claims.fleet_base_url(TESLA_HOSTS) == EU_URL
    claims = decode_token_claims(make_jwt(ou_code=None, aud=[audience]))
    assert claims.fleet_base_url(TESLA_HOSTS) is None


def test_an_unknown_region_claim_names_no_host() -> None:
    claims = decode_token_claims(make_jwt(ou_code="XX", aud=[]))
    assert claims.fleet_base_url(TESLA_HOSTS) is None


@pytest.mark.parametrize(
    "claims",
    [
        {"aud": 5, "scp": 7},
        {"aud": {"host": NA_URL}, "scp": {"openid": True}},
        {"aud": [None, 3, NA_URL], "scp": [None, "openid"], "ou_code": 1},
        {"sub": 42},
    ],
)
def test_claims_of_the_wrong_type_are_ignored(claims: dict[str, object]) -> None:
    decoded = decode_token_claims(make_jwt(**claims))
    assert all(isinstance(item, str) for item in decoded.audiences)
    assert all(isinstance(item, str) for item in decoded.scopes)
    assert decoded.region in {None, "na"}
