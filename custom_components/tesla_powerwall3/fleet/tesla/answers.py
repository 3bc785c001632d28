"""Asking for a partner token, and what Tesla's partner refusals mean."""

from enum import StrEnum
from http import HTTPStatus
from typing import Final

PARTNER_SCOPE: Final = "openid"
"""Energy-only apps are refused vehicle scopes; registering needs none."""

_CLIENT_ERRORS: Final = frozenset({"invalid_client", "unauthorized_client"})


def partner_token_form(
    *, client_id: str, client_secret: str, audience: str
) -> dict[str, str]:
    """Return the client_credentials form of a partner token request.

    The audience is the Fleet API host of the region the token is for.
    """
    return {
        "grant_type": "client_credentials",
        "client_id": client_id,
        "client_secret": client_secret,
        "scope": PARTNER_SCOPE,
        "audience": audience,
    }


def is_invalid_client(status: int, error: str | None) -> bool:
    """Tell whether a refused partner token means a wrong client id or secret."""
    if status == HTTPStatus.UNAUTHORIZED:
        return True
    if status == HTTPStatus.BAD_REQUEST and error is None:
        return True
    return (
        status in {HTTPStatus.BAD_REQUEST, HTTPStatus.FORBIDDEN}
        and error in _CLIENT_ERRORS
    )


class RegistrationProblem(StrEnum):
    """Why Tesla refused to register a domain (POST /api/1/partner_accounts)."""

    KEY_DOWNLOAD_FAILED = "key_download_failed"
    DOMAIN_TAKEN = "domain_taken"
    DOMAIN_NOT_ALLOWED = "domain_not_allowed"
    INVALID_CLIENT = "invalid_client"


def registration_problem(status: int, error: str) -> RegistrationProblem | None:
    """Name a refused registration from its status and error text; None if other."""
    text = error.lower()
    if status == HTTPStatus.FAILED_DEPENDENCY:
        return RegistrationProblem.KEY_DOWNLOAD_FAILED
    if (
        status == HTTPStatus.UNPROCESSABLE_ENTITY
        or "taken" in text
        or "already" in text
    ):
        return RegistrationProblem.DOMAIN_TAKEN
    if status == HTTPStatus.BAD_REQUEST:
        return RegistrationProblem.DOMAIN_NOT_ALLOWED
    if status in {HTTPStatus.UNAUTHORIZED, HTTPStatus.FORBIDDEN}:
        return RegistrationProblem.INVALID_CLIENT
    return None
