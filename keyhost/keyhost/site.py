"""Write a static site folder that publishes the public key."""

from __future__ import annotations

from pathlib import Path

from .keys import (
    PUBLIC_KEY_FILENAME,
    WELL_KNOWN_DIR,
    WELL_KNOWN_PATH,
    PrivateKeyError,
    canonical_public_pem,
    is_private_pem,
    read_key_file,
)

CONTENT_TYPE = "application/x-pem-file"

HEADERS = f"""\
# Cloudflare Pages / Netlify: serve the Tesla key as plain PEM, never cached stale.
{WELL_KNOWN_PATH}
  Content-Type: {CONTENT_TYPE}
  Cache-Control: no-cache
  X-Content-Type-Options: nosniff
"""

INDEX = """\
<!doctype html>
<meta charset="utf-8">
<title>{title}</title>
<p>This site only publishes the Tesla Fleet API public key at
<a href="{path}">{path}</a>.</p>
<p>The private key is not here and never should be.</p>
"""

_SCAN_LIMIT = 1 << 20


def find_private_keys(directory: Path) -> list[Path]:
    """Return the files under directory that hold a private key."""
    found = []
    for path in sorted(directory.rglob("*")):
        if not path.is_file() or path.is_symlink():
            continue
        with path.open("rb") as handle:
            if is_private_pem(handle.read(_SCAN_LIMIT)):
                found.append(path)
    return found


def build_site(directory: Path, public_pem: bytes, domain: str | None = None) -> Path:
    """Write the site into directory and return the key file path.

    Raises PrivateKeyError when the key, or anything already in the folder,
    is a private key, and KeyFormatError when the key is not one P-256 public
    key PEM. The key is written re-encoded, never as the file's bytes.
    """
    public_pem = canonical_public_pem(public_pem)
    if directory.exists():
        leaked = find_private_keys(directory)
        if leaked:
            names = ", ".join(str(p) for p in leaked)
            raise PrivateKeyError(
                f"{directory} holds a private key ({names}); "
                "use an empty folder for the site"
            )
    key_dir = directory / WELL_KNOWN_DIR
    key_dir.mkdir(parents=True, exist_ok=True)
    key_path = key_dir / PUBLIC_KEY_FILENAME
    key_path.write_bytes(public_pem)
    (directory / ".nojekyll").write_bytes(b"")
    (directory / "_headers").write_text(HEADERS, encoding="utf-8")
    title = f"{domain} Tesla key" if domain else "Tesla key"
    (directory / "index.html").write_text(
        INDEX.format(title=title, path=WELL_KNOWN_PATH), encoding="utf-8"
    )
    cname = directory / "CNAME"
    if domain:
        cname.write_text(f"{domain}\n", encoding="utf-8")
    return key_path


def read_public_for_site(path: Path) -> bytes:
    """Read a key file meant for publishing; refuse private keys."""
    data = read_key_file(path)
    if is_private_pem(data):
        raise PrivateKeyError(
            f"{path} is a PRIVATE key and is never published; "
            f"pass the public key ({PUBLIC_KEY_FILENAME})"
        )
    return data
