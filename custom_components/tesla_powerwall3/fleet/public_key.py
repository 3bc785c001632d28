"""Checking the public key an app hosts for Tesla, the way Tesla fetches it.

Tesla downloads https://<domain>/.well-known/appspecific/com.tesla.3p.public-key.pem
when a domain is registered: over HTTPS with a trusted certificate, without
following redirects, and it wants a PEM-encoded EC public key on P-256.
"""

from dataclasses import dataclass
from enum import StrEnum
import ssl

import aiohttp
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

KEY_PATH = "/.well-known/appspecific/com.tesla.3p.public-key.pem"
MAX_KEY_BYTES = 2048
"""A P-256 public key PEM is about 178 bytes; anything far larger is wrong."""


class KeyProblem(StrEnum):
    """Why Tesla would refuse the hosted key (each has its own translation)."""

    UNREACHABLE = "key_unreachable"
    TLS = "key_tls"
    REDIRECT = "key_redirect"
    NOT_FOUND = "key_not_found"
    HTML = "key_html"
    TOO_LARGE = "key_too_large"
    PRIVATE = "key_private"
    NOT_EC = "key_not_ec"
    WRONG_CURVE = "key_wrong_curve"


@dataclass(frozen=True, slots=True)
class KeyCheck:
    """The outcome of a check: the key's uncompressed point, or the problem."""

    point: str | None = None
    """Hex of the uncompressed P-256 point, as Tesla's partner API reports it."""
    problem: KeyProblem | None = None
    detail: str = ""

    @property
    def ok(self) -> bool:
        """Tell whether Tesla would accept the key."""
        return self.problem is None


def key_url(domain: str) -> str:
    """Return where Tesla looks for a domain's public key."""
    return f"https://{domain}{KEY_PATH}"


def uncompressed_point(key: ec.EllipticCurvePublicKey) -> str:
    """Return the key as Tesla's partner_accounts endpoints show it (hex, 04…)."""
    return key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    ).hex()


def validate_key_pem(body: bytes, content_type: str | None = None) -> KeyCheck:
    """Check a downloaded body is a P-256 public key PEM (pure, no I/O)."""
    if len(body) > MAX_KEY_BYTES:
        return KeyCheck(problem=KeyProblem.TOO_LARGE, detail=f"{len(body)} bytes")
    text = body.strip()
    if b"PRIVATE KEY" in text:
        return KeyCheck(problem=KeyProblem.PRIVATE)
    if (content_type or "").startswith("text/html") or text[:1] == b"<":
        return KeyCheck(problem=KeyProblem.HTML)
    try:
        key = serialization.load_pem_public_key(text)
    except ValueError as err:
        return KeyCheck(problem=KeyProblem.NOT_EC, detail=str(err)[:100])
    if not isinstance(key, ec.EllipticCurvePublicKey):
        return KeyCheck(problem=KeyProblem.NOT_EC, detail=type(key).__name__)
    if not isinstance(key.curve, ec.SECP256R1):
        return KeyCheck(problem=KeyProblem.WRONG_CURVE, detail=key.curve.name)
    return KeyCheck(point=uncompressed_point(key))


FETCH_TIMEOUT = aiohttp.ClientTimeout(total=15)


async def check_hosted_key(session: aiohttp.ClientSession, url: str) -> KeyCheck:
    """Download the key as Tesla would and validate it."""
    try:
        async with session.get(
            url, allow_redirects=False, timeout=FETCH_TIMEOUT
        ) as response:
            if 300 <= response.status < 400:  # noqa: PLR2004
                return KeyCheck(
                    problem=KeyProblem.REDIRECT,
                    detail=response.headers.get("Location", str(response.status)),
                )
            if response.status != 200:  # noqa: PLR2004
                return KeyCheck(
                    problem=KeyProblem.NOT_FOUND, detail=f"HTTP {response.status}"
                )
            body = await response.content.read(MAX_KEY_BYTES + 1)
            return validate_key_pem(body, response.headers.get("Content-Type"))
    except (aiohttp.ClientSSLError, ssl.SSLError) as err:
        return KeyCheck(problem=KeyProblem.TLS, detail=str(err)[:200])
    except (aiohttp.ClientError, TimeoutError) as err:
        return KeyCheck(
            problem=KeyProblem.UNREACHABLE, detail=str(err)[:200] or "timeout"
        )
