"""keyhost publishes one P-256 public key, re-encoded, and nothing else."""

from __future__ import annotations

import base64
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
import pytest

from keyhost import cli
from keyhost.keys import WELL_KNOWN_PATH, KeyFormatError
from keyhost.serve import create_app
from keyhost.site import build_site
from tests.keyhost.common import Pki, p256, private_pem, raw_request, serve_app, spki

pytestmark = pytest.mark.usefixtures("socket_enabled")

_PRIVATE = p256()
_PRIVATE_DER = _PRIVATE.private_bytes(
    serialization.Encoding.DER,
    serialization.PrivateFormat.PKCS8,
    serialization.NoEncryption(),
)
_RAW_PRIVATE = base64.encodebytes(_PRIVATE_DER)
_PUBLIC = spki(_PRIVATE)
_DER = _PRIVATE.public_key().public_bytes(
    serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
)


def _pem(label: bytes, der: bytes) -> bytes:
    return b"-----BEGIN %s-----\n%s-----END %s-----\n" % (
        label,
        base64.encodebytes(der),
        label,
    )


MORE_THAN_THE_KEY = [
    pytest.param(_PUBLIC + b"A" * (5 * 1024 * 1024), id="then-5-MB"),
    pytest.param(
        _PUBLIC + private_pem(_PRIVATE).replace(b"PRIVATE KEY", b"SECRET STUFF"),
        id="then-private-key-under-another-header",
    ),
    pytest.param(_PUBLIC + _RAW_PRIVATE, id="then-private-key-as-raw-base64"),
    pytest.param(_RAW_PRIVATE + _PUBLIC, id="private-key-as-raw-base64-first"),
    pytest.param(_PUBLIC + b"\n# a comment\n", id="then-a-comment"),
    pytest.param(_PUBLIC + spki(p256()), id="two-public-keys"),
    pytest.param(
        _pem(b"PUBLIC KEY", _DER + b"\x00" * 16),
        id="key-and-bytes-in-one-block",
    ),
    pytest.param(
        _PUBLIC.replace(b"-----\n", b"-----\nComment: x\n", 1), id="pem-header"
    ),
]


@pytest.mark.parametrize("pem", MORE_THAN_THE_KEY)
def test_serve_refuses_more_than_the_key(pem: bytes) -> None:
    with pytest.raises(KeyFormatError):
        create_app(pem)


async def _never_serve(*args: object) -> None:
    raise AssertionError("keyhost serve started")


@pytest.mark.parametrize("pem", MORE_THAN_THE_KEY)
def test_serve_cli_refuses_more_than_the_key(
    tmp_path: Path,
    pki: Pki,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    pem: bytes,
) -> None:
    monkeypatch.setattr(cli, "run_server", _never_serve)
    path = tmp_path / "key.pem"
    path.write_bytes(pem)
    argv = ["serve", "--cert", str(pki.cert_path), "--key", str(pki.key_path)]
    assert cli.main([*argv, "--public-key", str(path), "--port", "1"]) == 1
    out, err = capsys.readouterr()
    assert err.startswith("error: ")
    assert _RAW_PRIVATE.splitlines()[1].decode() not in out + err


@pytest.mark.parametrize("pem", MORE_THAN_THE_KEY)
def test_site_refuses_more_than_the_key(tmp_path: Path, pem: bytes) -> None:
    site = tmp_path / "site"
    with pytest.raises(KeyFormatError):
        build_site(site, pem)
    assert not site.exists()
    key = tmp_path / "key.pem"
    key.write_bytes(pem)
    assert cli.main(["site", str(site), "--key", str(key)]) == 1
    assert not site.exists()


async def test_serve_publishes_the_key_re_encoded() -> None:
    """CRLF, blank lines and spaces around the block: the canonical PEM is served."""
    messy = b"\r\n  " + _PUBLIC.replace(b"\n", b"\r\n") + b"\r\n\r\n"
    async with serve_app(create_app(messy)) as server:
        assert server.port is not None
        status, headers, body = await raw_request(server.port, "GET", WELL_KNOWN_PATH)
    assert (status, body) == (200, _PUBLIC)
    assert headers["content-length"] == "178"


def test_site_writes_the_key_re_encoded(tmp_path: Path) -> None:
    path = build_site(tmp_path / "site", _PUBLIC.replace(b"\n", b"\r\n") + b"\n\n")
    assert path.read_bytes() == _PUBLIC


def test_site_refuses_an_empty_domain(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key = tmp_path / "key.pem"
    key.write_bytes(_PUBLIC)
    site = tmp_path / "site"
    assert cli.main(["site", str(site), "--key", str(key), "--domain", ""]) == 1
    assert "is not a domain name" in capsys.readouterr().err
    assert not site.exists()


@pytest.mark.parametrize("command", ["check", "register", "site", "serve"])
def test_key_files_are_read_up_to_64_kib(
    tmp_path: Path,
    pki: Pki,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    command: str,
) -> None:
    """A huge file given as a key is refused unread, with a clear error."""
    huge = tmp_path / "huge.pem"
    huge.write_bytes(_PUBLIC + b"\n" * (64 * 1024))
    monkeypatch.setenv("TESLA_CLIENT_SECRET", "s")
    monkeypatch.setattr(cli, "run_server", _never_serve)
    argv = {
        "check": ["check", "keys.example.com", "--local", str(huge)],
        "register": ["register", "--client-id", "i", "--domain", "a.example.com"],
        "site": ["site", str(tmp_path / "site"), "--key", str(huge)],
        "serve": [
            "serve",
            *("--cert", str(pki.cert_path), "--key", str(pki.key_path)),
            *("--public-key", str(huge), "--port", "1"),
        ],
    }[command]
    if command == "register":
        argv += ["--local", str(huge)]
    assert cli.main(argv) in {1, 2}
    assert "larger than 64 KiB: not a key file" in capsys.readouterr().err


def test_a_p384_key_is_still_refused_as_such() -> None:
    with pytest.raises(KeyFormatError, match="wrong curve"):
        create_app(spki(ec.generate_private_key(ec.SECP384R1())))
