"""The public key Tesla downloads from a partner's domain, and what it accepts.

Tesla wants a PEM-encoded EC public key on P-256 (about 178 bytes) at
https://<domain>/.well-known/appspecific/com.tesla.3p.public-key.pem.
"""

import base64
import binascii
from dataclasses import dataclass
from enum import StrEnum
import re
from typing import Final

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

KEY_DIR: Final = ".well-known/appspecific"
KEY_FILENAME: Final = "com.tesla.3p.public-key.pem"
KEY_PATH: Final = f"/{KEY_DIR}/{KEY_FILENAME}"
MAX_KEY_BYTES: Final = 1024
"""A P-256 public key PEM is 178 bytes; leave room for CRLF and blank lines."""
READ_LIMIT: Final = 64 * 1024
"""How much of a served body to read, so a large private key is still seen."""

_PRIVATE_MARKER = re.compile(rb"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----")
_ONE_PUBLIC_PEM = re.compile(
    rb"-----BEGIN PUBLIC KEY-----\r?\n([A-Za-z0-9+/=\r\n]+)-----END PUBLIC KEY-----"
)


class KeyProblem(StrEnum):
    """Why Tesla would refuse a served body as the public key."""

    PRIVATE = "private_key"
    HTML = "html"
    TOO_LARGE = "too_large"
    NOT_PEM = "not_pem"
    NOT_PUBLIC_KEY = "not_public_key"
    """Another kind of PEM, such as a certificate."""
    NOT_EC = "not_ec_key"
    WRONG_CURVE = "wrong_curve"


class KeyFormatError(ValueError):
    """A PEM that is not the P-256 public key Tesla wants."""

    def __init__(self, problem: KeyProblem, message: str, detail: str = "") -> None:
        """Name the problem; detail is the short fact behind it."""
        super().__init__(message)
        self.problem = problem
        self.detail = detail


class PrivateKeyError(KeyFormatError):
    """A private key where only a public key is allowed."""

    def __init__(self, message: str) -> None:
        """Say why the private key is refused."""
        super().__init__(KeyProblem.PRIVATE, message)


def is_private_pem(data: bytes) -> bool:
    """Tell whether the bytes hold any kind of private key PEM."""
    return _PRIVATE_MARKER.search(data) is not None


def load_p256_public_key(data: bytes) -> ec.EllipticCurvePublicKey:
    """Parse a P-256 SubjectPublicKeyInfo PEM; raise KeyFormatError otherwise."""
    if is_private_pem(data):
        raise PrivateKeyError("this is a PRIVATE key; only the public key may be used")
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError) as err:
        detail = str(err)[:100]
        raise KeyFormatError(
            KeyProblem.NOT_PEM, f"not a PEM public key ({detail})", detail
        ) from err
    if not isinstance(key, ec.EllipticCurvePublicKey):
        name = type(key).__name__
        raise KeyFormatError(KeyProblem.NOT_EC, f"not an EC key ({name})", name)
    if not isinstance(key.curve, ec.SECP256R1):
        name = key.curve.name
        raise KeyFormatError(
            KeyProblem.WRONG_CURVE,
            f"wrong curve {name}; Tesla needs prime256v1",
            name,
        )
    return key


def canonical_public_pem(data: bytes) -> bytes:
    """Return the one P-256 public key data holds, re-encoded as PEM.

    Anything else is refused with KeyFormatError: more than MAX_KEY_BYTES,
    text before or after the PEM block, a second block, bytes in the block
    that are not the key (a private key under another header, or as raw
    base64, would otherwise be published along with it).
    """
    if len(data) > MAX_KEY_BYTES:
        size = f"{len(data)} bytes"
        raise KeyFormatError(
            KeyProblem.TOO_LARGE,
            f"the file is {size}; a P-256 public key PEM is about 178",
            size,
        )
    key = load_p256_public_key(data)
    der = key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    if _only_block(data) != der:
        detail = "more than the one public key"
        raise KeyFormatError(
            KeyProblem.NOT_PEM,
            f"the file holds {detail} (text or data before, inside or after "
            "its PEM block); keep only the -----BEGIN PUBLIC KEY----- block",
            detail,
        )
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _only_block(data: bytes) -> bytes | None:
    """Return the bytes of data's PEM block if data is that one block alone."""
    match = _ONE_PUBLIC_PEM.fullmatch(data.strip())
    if match is None:
        return None
    try:
        return base64.b64decode(re.sub(rb"\s", b"", match[1]), validate=True)
    except binascii.Error:
        return None


def uncompressed_point(key: ec.EllipticCurvePublicKey) -> str:
    """Return the key as Tesla's partner_accounts endpoints show it (hex, 04…)."""
    return key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    ).hex()


@dataclass(frozen=True, slots=True)
class KeyCheck:
    """A served body judged: the key's uncompressed point, or the problem."""

    point: str | None = None
    problem: KeyProblem | None = None
    detail: str = ""
    """The content type, the size, the parse error, the first line, the key
    type or the curve; empty for a body without any PEM."""


def _looks_like_html(body: bytes, content_type: str | None) -> bool:
    if body.lstrip().startswith(b"<"):
        return True
    return bool(
        content_type and "html" in content_type.lower() and b"-----" not in body
    )


def validate_key_pem(body: bytes, content_type: str | None = None) -> KeyCheck:
    """Judge a served body the way Tesla would (pure, no I/O).

    A private key is reported first, whatever else is wrong: it must come down.
    """
    if is_private_pem(body):
        return KeyCheck(problem=KeyProblem.PRIVATE)
    if _looks_like_html(body, content_type):
        return KeyCheck(problem=KeyProblem.HTML, detail=content_type or "none")
    if len(body) > MAX_KEY_BYTES:
        return KeyCheck(problem=KeyProblem.TOO_LARGE, detail=f"{len(body)} bytes")
    if b"-----BEGIN" not in body:
        return KeyCheck(problem=KeyProblem.NOT_PEM)
    if b"-----BEGIN PUBLIC KEY-----" not in body:
        first = body.strip().split(b"\n", 1)[0].strip()
        return KeyCheck(
            problem=KeyProblem.NOT_PUBLIC_KEY,
            detail=first.decode("ascii", "replace")[:60],
        )
    try:
        key = load_p256_public_key(body)
    except KeyFormatError as err:
        return KeyCheck(problem=err.problem, detail=err.detail)
    return KeyCheck(point=uncompressed_point(key))
