"""Unsigned JWT-shaped tokens, read the way clients read Tesla's (unverified)."""

import base64
import json
from typing import Any
import uuid

HEADER = {"alg": "none", "typ": "JWT"}
SIGNATURE = b"simulator"


def _segment(data: dict[str, Any] | bytes) -> str:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def encode_token(claims: dict[str, Any]) -> str:
    """Return a JWT (header.payload.signature, base64url) carrying the claims."""
    return ".".join((_segment(HEADER), _segment(claims), _segment(SIGNATURE)))


def decode_claims(token: str) -> dict[str, Any]:
    """Return the claims of a JWT without verifying it.

    Raises ValueError (TypeError) when the token is not a JWT (not an object).
    """
    parts = token.split(".")
    if len(parts) != 3:  # noqa: PLR2004 - header, payload, signature
        raise ValueError("not a JWT")
    payload = parts[1]
    try:
        claims = json.loads(
            base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
        )
    except (ValueError, UnicodeDecodeError) as err:
        raise ValueError("the JWT payload is not JSON") from err
    if not isinstance(claims, dict):
        raise TypeError("the JWT payload is not an object")
    return claims


def subject_for(email: str) -> str:
    """Return the stable user id Tesla would give the account with this email."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"mailto:{email.strip().lower()}"))
