"""Key pair generation and PEM inspection."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
import re

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

PUBLIC_KEY_FILENAME = "com.tesla.3p.public-key.pem"
PRIVATE_KEY_FILENAME = "private-key.pem"
WELL_KNOWN_DIR = ".well-known/appspecific"
WELL_KNOWN_PATH = f"/{WELL_KNOWN_DIR}/{PUBLIC_KEY_FILENAME}"
# A P-256 SubjectPublicKeyInfo PEM is 178 bytes; leave room for CRLF and blanks.
MAX_PUBLIC_PEM_BYTES = 1024

_PRIVATE_MARKER = re.compile(rb"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----")


class KeyFormatError(ValueError):
    """A PEM that is not what it should be."""


class PrivateKeyError(KeyFormatError):
    """A private key where only a public key is allowed."""


def is_private_pem(data: bytes) -> bool:
    """Return True when the bytes hold any kind of private key."""
    if _PRIVATE_MARKER.search(data):
        return True
    with contextlib.suppress(ValueError, TypeError):
        serialization.load_pem_private_key(data, password=None)
        return True
    return False


def load_p256_public_key(data: bytes) -> ec.EllipticCurvePublicKey:
    """Parse a P-256 SubjectPublicKeyInfo PEM; raise KeyFormatError otherwise."""
    if is_private_pem(data):
        raise PrivateKeyError("this is a PRIVATE key; only the public key may be used")
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError) as err:
        raise KeyFormatError(f"not a PEM public key ({err})") from err
    if not isinstance(key, ec.EllipticCurvePublicKey):
        raise KeyFormatError(f"not an EC key ({type(key).__name__})")
    if key.curve.name != "secp256r1":
        raise KeyFormatError(f"wrong curve {key.curve.name}; Tesla needs prime256v1")
    return key


def public_key_from_any(data: bytes) -> ec.EllipticCurvePublicKey:
    """Load a P-256 public key from a public or a private PEM."""
    if is_private_pem(data):
        try:
            private = serialization.load_pem_private_key(data, password=None)
        except (ValueError, TypeError) as err:
            raise KeyFormatError(f"cannot read the private key ({err})") from err
        if not isinstance(private, ec.EllipticCurvePrivateKey):
            raise KeyFormatError("the private key is not an EC key")
        data = public_pem(private.public_key())
    return load_p256_public_key(data)


def public_pem(key: ec.EllipticCurvePublicKey) -> bytes:
    """Serialize a public key as SubjectPublicKeyInfo PEM."""
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def uncompressed_point_hex(key: ec.EllipticCurvePublicKey) -> str:
    """Hex of the uncompressed point, as Tesla's partner_accounts returns it."""
    return key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    ).hex()


def same_key(a: ec.EllipticCurvePublicKey, b: ec.EllipticCurvePublicKey) -> bool:
    """Compare two public keys."""
    return uncompressed_point_hex(a) == uncompressed_point_hex(b)


def _write_private(path: Path, data: bytes, force: bool) -> None:
    """Write the private key with mode 0600 from creation on."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
    if not force:
        fd = os.open(path, flags, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        return
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, flags, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def generate(directory: Path, *, force: bool = False) -> tuple[Path, Path]:
    """Create a P-256 key pair in directory; return (private, public) paths."""
    directory.mkdir(parents=True, exist_ok=True)
    private_path = directory / PRIVATE_KEY_FILENAME
    public_path = directory / PUBLIC_KEY_FILENAME
    if private_path.exists() and not force:
        raise FileExistsError(
            f"{private_path} exists; use --force to replace it (the old key is lost)"
        )
    private = ec.generate_private_key(ec.SECP256R1())
    private_bytes = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    _write_private(private_path, private_bytes, force)
    public_path.write_bytes(public_pem(private.public_key()))
    return private_path, public_path
