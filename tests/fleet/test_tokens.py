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
