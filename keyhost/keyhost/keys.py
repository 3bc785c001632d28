"""Key pair generation and PEM inspection.

What Tesla accepts as the public key is the integration's rule (tesla.key).
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from .tesla import key as rules

PUBLIC_KEY_FILENAME = rules.KEY_FILENAME
PRIVATE_KEY_FILENAME = "private-key.pem"
WELL_KNOWN_DIR = rules.KEY_DIR
WELL_KNOWN_PATH = rules.KEY_PATH

KeyFormatError = rules.KeyFormatError
PrivateKeyError = rules.PrivateKeyError
is_private_pem = rules.is_private_pem
load_p256_public_key = rules.load_p256_public_key
uncompressed_point_hex = rules.uncompressed_point
canonical_public_pem = rules.canonical_public_pem
KEY_FILE_LIMIT = 64 * 1024
"""Key files are a few hundred bytes (an RSA key a few KiB); read no more."""


def read_key_file(path: Path) -> bytes:
    """Read a key file; raise KeyFormatError past KEY_FILE_LIMIT, unread."""
    with path.open("rb") as handle:
        data = handle.read(KEY_FILE_LIMIT + 1)
    if len(data) > KEY_FILE_LIMIT:
        raise KeyFormatError(
            rules.KeyProblem.TOO_LARGE,
            f"{path} is larger than {KEY_FILE_LIMIT // 1024} KiB: not a key file",
        )
    return data


def public_key_from_any(data: bytes) -> ec.EllipticCurvePublicKey:
    """Load a P-256 public key from a public or a private PEM."""
    if is_private_pem(data):
        try:
            private = serialization.load_pem_private_key(data, password=None)
        except (ValueError, TypeError) as err:
            raise KeyFormatError(
                rules.KeyProblem.NOT_PEM, f"cannot read the private key ({err})"
            ) from err
        if not isinstance(private, ec.EllipticCurvePrivateKey):
            raise KeyFormatError(
                rules.KeyProblem.NOT_EC, "the private key is not an EC key"
            )
        data = public_pem(private.public_key())
    return load_p256_public_key(data)


def public_pem(key: ec.EllipticCurvePublicKey) -> bytes:
    """Serialize a public key as SubjectPublicKeyInfo PEM."""
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


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
