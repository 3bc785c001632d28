"""Reading the claims of Tesla's access tokens (JWTs) without verifying them.

The integration never trusts these claims for security: Tesla checks the token
on every request. They only tell which account and region a token belongs to.
"""

import base64
import binascii
from dataclasses import dataclass
import json
from typing import Any

from .errors import InvalidResponseError
from .tesla.hosts import TeslaHosts


@dataclass(frozen=True, slots=True)
class TokenClaims:
    """The parts of an access token the integration uses."""

    subject: str | None
    region: str | None
    audiences: tuple[str, ...]
    scopes: frozenset[str]

    def fleet_base_url(self, hosts: TeslaHosts) -> str | None:
        """Return the Fleet API host this token names among hosts, if any.

        The region claim picks one of hosts; else an audience that is one of
        hosts' Fleet API hosts. Any other host is never taken: the bearer
        token would be sent there.
        """
        if base_url := hosts.region_base_url(self.region):
            return base_url
        allowed = (hosts.fleet_api_url(audience) for audience in self.audiences)
        return next((url for url in allowed if url), None)


def _decode_segment(segment: str) -> dict[str, Any]:
    padded = segment + "=" * (-len(segment) % 4)
    try:
        decoded = json.loads(base64.urlsafe_b64decode(padded))
    except (binascii.Error, ValueError) as err:
        raise InvalidResponseError("access token is not a JWT") from err
    if not isinstance(decoded, dict):
        raise InvalidResponseError("access token claims are not an object")
    return decoded


def decode_token_claims(access_token: str) -> TokenClaims:
    """Decode the payload of an access token."""
    parts = access_token.split(".")
    if len(parts) != 3:  # noqa: PLR2004 - header.payload.signature
        raise InvalidResponseError("access token is not a JWT")
    claims = _decode_segment(parts[1])
    region = claims.get("ou_code")
    subject = claims.get("sub")
    return TokenClaims(
        subject=subject if isinstance(subject, str) and subject else None,
        region=region.lower() if isinstance(region, str) and region else None,
        audiences=_strings(claims.get("aud")),
        scopes=frozenset(_strings(claims.get("scp"), split=True)),
    )


def _strings(value: object, *, split: bool = False) -> tuple[str, ...]:
    """Return a claim that is a string or a list of strings as a tuple.

    split: a string holds several values separated by spaces (OAuth scopes).
    """
    if isinstance(value, str):
        return tuple(value.split()) if split else (value,)
    if isinstance(value, list):
        return tuple(item for item in value if isinstance(item, str))
    return ()
